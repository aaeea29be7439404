"""Runs one scanner process: argument list only, a timeout that kills the whole process group,
output captured, credentials kept out of the environment of scanners that do not need them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Variables that look like credentials. CI tokens are the classic leak: a scanner (or a plugin, or
# a dependency resolver it calls) has no business seeing GITHUB_TOKEN.
_CREDENTIAL_NAME = re.compile(
    r"(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|"
    r"CONNECTION_?STRING|SAS|COOKIE|SESSION)",
    re.IGNORECASE,
)
_CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCP_", "ACTIONS_", "PYPI_", "TWINE_", "NPM_")
# Harmless variables that merely contain one of the words above.
_ALWAYS_KEEP = frozenset({"SSH_AUTH_SOCK_UNUSED", "GITHUB_ACTIONS", "CI"})

GRACE_SECONDS = 2.0
STDERR_TAIL_LINES = 15
STDERR_TAIL_CHARS = 2000


def is_credential_name(name: str) -> bool:
    if name in _ALWAYS_KEEP:
        return False
    return bool(_CREDENTIAL_NAME.search(name)) or name.upper().startswith(_CREDENTIAL_PREFIXES)


def scrubbed_env(passthrough: Iterable[str] = (), base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus anything that looks like a credential, except names a scanner declared it needs."""
    allowed = set(passthrough)
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k in allowed or not is_credential_name(k)}
    # Scanners must never prompt or colourise: their output is parsed.
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env["NO_COLOR"] = "1"
    return env


@dataclass
class ProcessOutcome:
    argv: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    not_found: bool = False

    @property
    def killed_by_signal(self) -> int | None:
        if self.exit_code is not None and self.exit_code < 0:
            return -self.exit_code
        return None

    def stderr_tail(self) -> str:
        lines = self.stderr.strip().splitlines()[-STDERR_TAIL_LINES:]
        return "\n".join(lines)[-STDERR_TAIL_CHARS:]


def kill_group(proc: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM the process's whole group, give it a grace period, then SIGKILL whatever is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


def run(
    argv: list[str],
    *,
    cwd: Path,
    timeout: float,
    passthrough_env: Iterable[str] = (),
    extra_env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
) -> ProcessOutcome:
    """Run ``argv`` (never through a shell) and capture everything it prints."""
    if not argv or not all(isinstance(a, str) for a in argv):
        raise TypeError("argv must be a non-empty list of strings")
    env = scrubbed_env(passthrough_env)
    if extra_env:
        env.update(extra_env)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(  # argument list, never a shell
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout can kill every child
        )
    except FileNotFoundError:
        return ProcessOutcome(argv, None, "", "", time.monotonic() - start, not_found=True)
    except PermissionError as exc:
        return ProcessOutcome(argv, None, "", str(exc), time.monotonic() - start, not_found=True)
    timed_out = False
    try:
        out, err = proc.communicate(input=stdin_text.encode() if stdin_text is not None else None, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc)
        out, err = proc.communicate()
    else:
        # A clean exit can still leave children behind holding resources: reap the group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return ProcessOutcome(
        argv=list(argv),
        exit_code=proc.returncode,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
    )

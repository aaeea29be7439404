"""Runs each scanner in its own user, PID and mount namespaces with a fresh /proc, where the kernel allows it.

Inside, /proc lists only the scanner's own processes: the harness, its parent and every other
ancestor (whose environments hold the CI's credentials) do not exist there. The scanner runs as a
non-root user of its namespace, so it has no capability that could unmount that /proc to reveal the
host's. The harness's output folder is covered by an empty read-only tmpfs there, so a scanner
can neither read nor change a report (``runner.hidden_from_scanners``). When the namespace's init
(``_nsinit.py``) exits, the kernel kills every process left in it, detached or not;
``--kill-child`` ties the init to the ``unshare`` process the runner started.

Whether this works is probed once per harness run (root may do it; so may unprivileged users where
the kernel and its security policy allow user namespaces; Ubuntu's AppArmor may not); the result,
and the fallback when it does not work, is reported in every tool run's ``details.isolation``.
``SECURE_PIPELINE_SANDBOX=off`` turns it off (for debugging a tool that misbehaves in a namespace).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

DISABLE_VAR = "SECURE_PIPELINE_SANDBOX"
_INIT = Path(__file__).with_name("_nsinit.py")
_PROBE_TIMEOUT = 10.0
# Root outside must not be root inside: a non-root user of the namespace has no capabilities.
_INSIDE_ID_FOR_ROOT = 1000


@dataclass(frozen=True)
class Isolation:
    namespaces: bool
    description: str


_lock = threading.Lock()
_cache: dict[str, Isolation] = {}  # the probe's one result, under "probe"


def _ids() -> tuple[int, int]:
    return os.getuid() or _INSIDE_ID_FOR_ROOT, os.getgid() or _INSIDE_ID_FOR_ROOT


def wrap(argv: list[str], status_fd: int, unshare: str, hide: tuple[str, ...] = ()) -> list[str]:
    """``argv`` run under the namespace init, with the folders of ``hide`` out of its sight.

    ``argv[0]`` must be an absolute path. The outer namespace maps this user to root so that the
    init may mount; the tool itself runs in a nested user namespace as a non-root user.
    """
    uid, gid = _ids()
    return [
        unshare, "--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc",
        "--", sys.executable, "-I", "-S", str(_INIT), str(status_fd), json.dumps(list(hide)),
        "--", unshare, "--user", f"--map-user={uid}", f"--map-group={gid}", "--", *argv,
    ]


def parse_status(text: str) -> tuple[str, int, int] | None:
    """``("exit"|"signal", number, processes left)`` from the init's status line, or None."""
    parts = text.split()
    if not text.endswith("\n") or text.count("\n") != 1 or len(parts) != 3 or parts[0] not in ("exit", "signal"):
        return None
    try:
        return parts[0], int(parts[1]), int(parts[2])
    except ValueError:
        return None


def _probe() -> Isolation:
    if os.environ.get(DISABLE_VAR, "").lower() in ("off", "0", "false", "no"):
        return Isolation(False, f"none: namespaces turned off by {DISABLE_VAR}; ancestors' /proc entries are visible")
    if not sys.platform.startswith("linux"):
        return Isolation(False, "none: not Linux; ancestors' /proc entries are visible")
    unshare = shutil.which("unshare")
    if unshare is None:
        return Isolation(False, "none: util-linux `unshare` is not installed; ancestors' /proc entries are visible")
    read_fd, write_fd = os.pipe()
    hidden = ""
    try:
        # The probe proves every promise: a hidden folder's file is invisible, no ancestor is in /proc.
        hidden = tempfile.mkdtemp(prefix="secure-pipeline-probe-")
        Path(hidden, "report.json").write_text("{}", encoding="utf-8")
        check = ("import os, sys; sys.exit(os.path.exists(sys.argv[1] + '/report.json')"
                 " or sum(p.isdigit() for p in os.listdir('/proc')) > 2"
                 " or os.getuid() == 0)")
        try:
            command = wrap([sys.executable, "-I", "-S", "-c", check, hidden], write_fd, unshare, (hidden,))
            proc = subprocess.run(command, pass_fds=(write_fd,), stdin=subprocess.DEVNULL,  # noqa: S603  # argument list of our own probe
                                  capture_output=True, timeout=_PROBE_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Isolation(False, f"none: namespaces unavailable ({type(exc).__name__}); "
                                    "ancestors' /proc entries are visible")
        os.close(write_fd)
        write_fd = -1
        os.set_blocking(read_fd, False)
        try:
            status = os.read(read_fd, 256).decode("ascii", "replace")
        except BlockingIOError:
            status = ""
        if proc.returncode != 0 or parse_status(status) != ("exit", 0, 0):
            why = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            return Isolation(False, f"none: the kernel refused new namespaces ({why[:160]}); "
                                    "ancestors' /proc entries are visible")
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
        if hidden:
            shutil.rmtree(hidden, ignore_errors=True)
    uid, _gid = _ids()
    return Isolation(True, f"user+pid+mount namespaces, fresh /proc, output folder hidden, uid {uid} inside")


def isolation() -> Isolation:
    """What isolation scanners run under in this harness (probed once)."""
    with _lock:
        if "probe" not in _cache:
            _cache["probe"] = _probe()
        return _cache["probe"]


def unshare_path() -> str:
    return shutil.which("unshare") or "unshare"

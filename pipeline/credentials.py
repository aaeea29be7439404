"""Keeps the harness's credentials out of every place a scanner could read them.

A scanner (or code a scanned repository smuggles into it) runs as the same user as the harness. On
Linux it could read the harness's credentials from:

* its own environment: ``runner.scrubbed_env`` drops every credential-like variable unless the
  scanner declared it needs it;
* a file descriptor: scanners inherit only their stdin and output pipes (``close_fds``);
* ``/proc/<harness>/environ``: that file shows the environment the process was *started* with,
  whatever it later changes. So the CLI re-executes itself once (same pid, same arguments) with the
  credentials removed from its environment, handing their values to the new image through a pipe
  (never argv, never the environment), and puts them back into ``os.environ`` in memory only, for
  the harness's own use (a scanner that declares it needs one, the redaction of known values);
  those in-memory changes are invisible in ``/proc/<pid>/environ``;
* ``/proc/<harness>/mem`` and friends: ``PR_SET_DUMPABLE 0`` makes them unreadable to other
  processes of the same (non-root) user;
* ``/proc/<ancestor>/environ`` (the CI shell still holds ``GITHUB_TOKEN``): the harness cannot
  change its ancestors, so each scanner runs in its own PID and mount namespaces with a fresh /proc
  in which no ancestor exists (``sandbox.py``); where the kernel refuses namespaces this last
  channel stays open, and every tool run's ``details.isolation`` says so.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys

from . import processes, runner

VAULT_FD_VAR = "SECURE_PIPELINE_VAULT_FD"
_MAX_VAULT_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux fcntl; lets a pipe hold up to 1 MiB before anyone reads it


def _receive(fd_text: str) -> None:
    """In the re-executed image: read the credentials back into memory and close the pipe."""
    fd = int(fd_text)
    chunks: list[bytes] = []
    try:
        while sum(map(len, chunks)) <= _MAX_VAULT_BYTES:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    values = json.loads(b"".join(chunks) or b"{}")
    for name, value in values.items():
        os.environ[name] = value  # putenv: in memory, not in /proc/<pid>/environ


def _reexec(credentials: dict[str, str]) -> None:
    """Replace this process image with one started without ``credentials`` in its environment."""
    payload = json.dumps(credentials).encode()
    read_fd, write_fd = os.pipe()
    try:
        if len(payload) > 60_000:
            fcntl.fcntl(write_fd, _F_SETPIPE_SZ, min(_MAX_VAULT_BYTES, len(payload) + 4096))
        written = 0
        os.set_blocking(write_fd, False)
        while written < len(payload):
            written += os.write(write_fd, payload[written:])
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return  # too large to hand over: stay as we are (the namespace still hides this process)
    os.close(write_fd)
    os.set_inheritable(read_fd, True)
    env = {k: v for k, v in os.environ.items() if k not in credentials}
    env[VAULT_FD_VAR] = str(read_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(sys.orig_argv), env)  # noqa: S606  # re-exec of our own interpreter and argv


def protect_process() -> None:
    """Called first by the CLI entry point: re-exec without credentials, then lock this process's /proc files."""
    fd_text = os.environ.pop(VAULT_FD_VAR, None)
    if fd_text is not None:
        _receive(fd_text)
    else:
        found = {k: v for k, v in os.environ.items() if runner.is_credential_name(k)}
        if found and sys.platform.startswith("linux") and getattr(sys, "orig_argv", None):
            _reexec(found)  # returns only if the hand-over was impossible
    processes.make_undumpable()
    runner.claim_all_descendants()

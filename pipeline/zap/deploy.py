"""Deploys the scanned repository's app for the scan, from its ``zap.deploy_command``, and always tears it down.

The command (an argument list; a first word ``python`` is the harness's interpreter, whose venv the
workflow's ``install`` filled with the repository's dependencies) runs from the repository root the
way a scanner runs: without credentials in its environment and, where the kernel allows, in the
scanners' sandbox (pipeline/sandbox.py: its own PID and mount namespaces, no ancestor's /proc,
the report folder hidden). It is the repository's own code, run on purpose; what it may not do is
read the harness's credentials or change its reports. It must print one ``Serving on URL`` line and
answer ``/readyz`` with 200; on leaving (normal exit, an exception, Ctrl-C) its whole process group
gets SIGTERM, then SIGKILL after a grace period, and the namespace dies with it.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import HarnessError
from ..runner import start_service, stop_service

SERVING = re.compile(r"^Serving on (https?://\S+)\s*$")


class DeployError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The sample app could not be started or never became ready; the message says why."""


class _Output:
    """Drains a pipe on a thread (so the app never blocks on a full pipe), keeping lines for errors."""

    def __init__(self, stream: IO[bytes], keep: int = 20) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.tail: deque[str] = deque(maxlen=keep)
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            self.tail.append(line)
            self.lines.put(line)
        stream.close()

    def last(self) -> str:
        return next((line for line in reversed(self.tail) if line.strip()), "")


def _wait_for_url(proc: subprocess.Popen[bytes], out: _Output, err: _Output, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeployError(f"the app printed no `Serving on URL` line within {timeout:g}s")
        try:
            line = out.lines.get(timeout=min(left, 0.2))
        except queue.Empty:
            if proc.poll() is not None:
                raise DeployError(f"the app exited with code {proc.returncode} before serving"
                                  + (f": {err.last()[:200]}" if err.last() else "")) from None
            continue
        match = SERVING.match(line)
        if match:
            return match.group(1)


def _wait_until_ready(proc: subprocess.Popen[bytes], err: _Output, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DeployError(f"the app exited with code {proc.returncode} while starting"
                              + (f": {err.last()[:200]}" if err.last() else ""))
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/readyz", timeout=5) as response:  # noqa: S310  # nosec B310 - our own loopback app
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(0.1)
    raise DeployError(f"the app at {url} was not ready within {timeout:g}s (/readyz: {last or 'no answer'})")


def argv_for(command: Sequence[str]) -> list[str]:
    """The command as it is started: a first word ``python`` is this interpreter (the harness's venv)."""
    argv = [str(word) for word in command]
    if argv and argv[0] == "python":
        argv[0] = sys.executable
    return argv


@contextmanager
def deployed_app(root: Path, command: Sequence[str], *, start_timeout: float = 60.0, ready_timeout: float = 60.0,
                 note: Callable[[str], None] = lambda _m: None,
                 isolation: Callable[[str], None] = lambda _d: None) -> Iterator[str]:
    """Start ``command`` from ``root`` and yield the app's base URL; it is stopped whatever happens.

    ``isolation`` is told how the app runs (the sandbox's description), for the tool run's details.
    """
    argv = argv_for(command)
    if not argv:
        raise DeployError("zap.deploy_command is empty")
    shown = " ".join(command)[:200]
    try:
        service = start_service(argv, cwd=root)
    except OSError as exc:
        raise DeployError(f"could not start the app (deploy_command {shown}): {exc}") from exc
    proc = service.proc
    try:
        isolation(service.isolation)
        if proc.stdout is None or proc.stderr is None:  # never: both are PIPE; this narrows them for the type checker
            raise DeployError("the app was started without its output pipes")
        out, err = _Output(proc.stdout), _Output(proc.stderr)
        note(f"starting the app ({shown})")
        url = _wait_for_url(proc, out, err, start_timeout)
        _wait_until_ready(proc, err, url, ready_timeout)
        note(f"app ready at {url}")
        yield url
    finally:
        stop_service(service, grace=10.0)  # the sample app stops gunicorn, then its database

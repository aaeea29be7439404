"""Deploys the sample app locally for the scan and always tears it down.

Runs ``python -m app serve --port 0`` from the repository root in its own process group, reads the
one ``Serving on URL`` line it prints, waits for ``/readyz`` to answer 200, and on leaving (normal
exit, an exception, Ctrl-C) sends SIGTERM to the whole group, then SIGKILL after a grace period.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import HarnessError
from ..runner import kill_group, scrubbed_env

SERVING = re.compile(r"^Serving on (https?://\S+)\s*$")
APP_ARGV = ("-m", "app", "serve", "--port", "0")


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
            raise DeployError(f"the sample app printed no `Serving on URL` line within {timeout:g}s")
        try:
            line = out.lines.get(timeout=min(left, 0.2))
        except queue.Empty:
            if proc.poll() is not None:
                raise DeployError(f"the sample app exited with code {proc.returncode} before serving"
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
            raise DeployError(f"the sample app exited with code {proc.returncode} while starting"
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
    raise DeployError(f"the sample app at {url} was not ready within {timeout:g}s (/readyz: {last or 'no answer'})")


@contextmanager
def deployed_app(root: Path, *, start_timeout: float = 60.0, ready_timeout: float = 60.0,
                 note: Callable[[str], None] = lambda _m: None,
                 argv: tuple[str, ...] | None = None) -> Iterator[str]:
    """Start the sample app from ``root`` and yield its base URL; it is stopped whatever happens."""
    command = [sys.executable, *(argv or APP_ARGV)]
    try:
        proc = subprocess.Popen(command, cwd=root, env=scrubbed_env(), stdin=subprocess.DEVNULL,  # noqa: S603  # argument list, never a shell
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise DeployError(f"could not start the sample app ({' '.join(command[1:])}): {exc}") from exc
    try:
        if proc.stdout is None or proc.stderr is None:  # never: both are PIPE; this narrows them for the type checker
            raise DeployError("the sample app was started without its output pipes")
        out, err = _Output(proc.stdout), _Output(proc.stderr)
        note("starting the sample app")
        url = _wait_for_url(proc, out, err, start_timeout)
        _wait_until_ready(proc, err, url, ready_timeout)
        note(f"sample app ready at {url}")
        yield url
    finally:
        kill_group(proc, grace=10.0)  # the app stops gunicorn, then its database

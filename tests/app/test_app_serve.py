"""`python -m app serve --port 0` as the harness's ZAP stage runs it: read the
URL line, poll /readyz, stop with a signal, and leave no process behind."""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
import pytest
import requests

URL_LINE = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)/)$")
# How long processes may take to go away. Generous on purpose: the machine may
# be loaded, and a condition, not the clock, ends the wait (no fixed sleep).
EXIT_DEADLINE = 90.0


def wait_until(condition, deadline: float = EXIT_DEADLINE, poll: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``deadline`` seconds have passed."""
    give_up = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(poll)
    return True


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Processes still running (zombies waiting for their parent count as gone)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def _port_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def _postgres_pids() -> set[int]:
    return {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"}


SERVE_MARKER = "SECURE_PIPELINE_TEST_SERVE"


def _started_postgres(proc: subprocess.Popen) -> set[int]:
    """The PostgreSQL processes this serve started: they inherit its environment marker. (Comparing
    before/after snapshots would also count another test worker's PostgreSQL started meanwhile.)"""
    started = set()
    for pid in _postgres_pids():
        try:
            if psutil.Process(pid).environ().get(SERVE_MARKER) == proc.marker:  # type: ignore[attr-defined]
                started.add(pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return started


@contextmanager
def _serve(repo_root) -> Iterator[subprocess.Popen]:
    """Run `python -m app serve --port 0` in its own session, as the harness does."""
    # The marker's value is filled in below: the test reads it back from the processes serve starts.
    marker = f"{os.getpid()}-{time.monotonic_ns()}"
    with subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0"], cwd=repo_root,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          env=dict(os.environ, PYTHONUNBUFFERED="1", **{SERVE_MARKER: marker}),
                          start_new_session=True) as proc:
        proc.marker = marker  # type: ignore[attr-defined]  # read by _started_postgres
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no URL line within the time limit"
    return proc.stdout.readline().strip()


def assert_gunicorn_errors_are_hardened(port: int) -> None:
    """Requests gunicorn rejects before the app sees them get the same
    security headers, a neutral Server header and no echo of the input."""
    for raw, status in [(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
                        (b"<script>probe</script>\r\n\r\n", b"400")]:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(raw)
            reply = b""
            while chunk := conn.recv(4096):
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == status
        for header in (b"Content-Security-Policy: default-src 'none'", b"X-Content-Type-Options: nosniff",
                       b"X-Frame-Options: DENY", b"Cross-Origin-Resource-Policy: same-origin",
                       b"Server: webserver"):
            assert header in head
        assert b"gunicorn" not in reply and b"probe" not in reply and b"aaaa" not in reply
        assert b"could not be understood" in body


@pytest.mark.parametrize(("stop_signal", "whole_group"), [
    (signal.SIGTERM, True),   # how the harness's ZAP stage stops it (its own process group)
    (signal.SIGINT, True),    # Ctrl-C in a terminal signals the whole foreground group
    (signal.SIGTERM, False),  # `kill PID`, or a supervisor signalling the main process only
], ids=["sigterm-group", "ctrl-c-group", "sigterm-pid"])
def test_serve_starts_serves_and_stops_cleanly(site, stop_signal, whole_group):
    with _serve(site.repo_root) as proc:
        line = _read_line(proc, timeout=60)
        match = URL_LINE.match(line)
        assert match, line
        url = match.group(1)
        ready = requests.get(url + "readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.headers["Server"] == "webserver"  # gunicorn's own header, product name hidden
        home = requests.get(url, timeout=5)
        assert home.status_code == 200 and "Key Vault" in home.text
        assert_gunicorn_errors_are_hardened(int(match.group(2)))
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any(c.name() == "postgres" or "gunicorn" in " ".join(c.cmdline()) for c in children)
        started_postgres = _started_postgres(proc)
        assert started_postgres, "serve should run its own PostgreSQL"

        if whole_group:
            os.killpg(proc.pid, stop_signal)
        else:
            proc.send_signal(stop_signal)
        assert proc.wait(timeout=EXIT_DEADLINE) == 0
        wait_until(lambda: not (_postgres_pids() & started_postgres) and not _alive(children))
        assert not _postgres_pids() & started_postgres, "PostgreSQL left running"
        assert not _alive(children)
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "healthz", timeout=2)


def test_killed_serve_leaves_no_postgres_behind(site):
    """SIGKILL cannot be handled; the reaper started by serve stops PostgreSQL."""
    with _serve(site.repo_root) as proc:
        assert URL_LINE.match(_read_line(proc, timeout=60))
        started_postgres = _started_postgres(proc)
        assert started_postgres
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=EXIT_DEADLINE)
        wait_until(lambda: not _postgres_pids() & started_postgres)
        assert not _postgres_pids() & started_postgres, "PostgreSQL outlived a killed serve"


def test_kill_9_of_serve_alone_leaves_nothing_serving(site):
    """`kill -9 PID` reaches serve only, not its process group: gunicorn (via
    PR_SET_PDEATHSIG) and PostgreSQL (via the reaper) must still go away."""
    with _serve(site.repo_root) as proc:
        match = URL_LINE.match(_read_line(proc, timeout=60))
        assert match
        port = int(match.group(2))
        def gunicorn_processes() -> list[psutil.Process]:
            return [c for c in psutil.Process(proc.pid).children(recursive=True) if "gunicorn" in " ".join(c.cmdline())]

        # The URL line comes when the master listens; its workers may still be forking (under load).
        wait_until(lambda: len(gunicorn_processes()) >= 3)
        gunicorn = gunicorn_processes()
        assert len(gunicorn) >= 3, "a master and two workers"
        started_postgres = _started_postgres(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=EXIT_DEADLINE)
        wait_until(lambda: not _alive(gunicorn) and not _postgres_pids() & started_postgres)
        assert not _alive(gunicorn), "gunicorn outlived a killed serve"
        assert _port_closed(port)
        assert not _postgres_pids() & started_postgres, "PostgreSQL outlived a killed serve"

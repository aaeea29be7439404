"""`python -m app serve --port 0` as the harness's ZAP stage runs it: read the
URL line, poll /readyz, stop with a signal, and leave no process behind."""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

URL_LINE = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)/)$")


def _postgres_pids() -> set[int]:
    return {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"}


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no URL line within the time limit"
    return proc.stdout.readline().strip()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_starts_serves_and_stops_cleanly(site, stop_signal):
    postgres_before = _postgres_pids()
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0"], cwd=site.repo_root,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        line = _read_line(proc, timeout=60)
        match = URL_LINE.match(line)
        assert match, line
        url = match.group(1)
        ready = requests.get(url + "readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.headers["Server"] == "webserver"  # gunicorn's own header, product name hidden
        home = requests.get(url, timeout=5)
        assert home.status_code == 200 and "Key Vault" in home.text
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any(c.name() == "postgres" or "gunicorn" in " ".join(c.cmdline()) for c in children)
        started_postgres = _postgres_pids() - postgres_before
        assert started_postgres, "serve should run its own PostgreSQL"

        proc.send_signal(stop_signal)
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (_postgres_pids() & started_postgres
                                               or any(c.is_running() for c in children)):
            time.sleep(0.1)
        assert not _postgres_pids() & started_postgres, "PostgreSQL left running"
        assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "healthz", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

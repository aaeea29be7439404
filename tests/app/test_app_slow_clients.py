"""Slow-client (slowloris) attack on the configuration compose and the nightly
job run: gunicorn with app/gunicorn_conf.py, 2 workers, started as the harness
starts it (`python -m app serve`). Liveness must keep answering."""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

URL_LINE = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)/)$")
# More slow clients than the two workers have threads (2 x 4).
ATTACKERS = 12


@contextmanager
def _serve(repo_root) -> Iterator[tuple[str, int]]:
    with subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0", "--workers", "2"],
                          cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          env=dict(os.environ, PYTHONUNBUFFERED="1", GUNICORN_LOG_LEVEL="warning"),
                          start_new_session=True) as proc:
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 90)
            assert ready, "serve printed no URL"
            match = URL_LINE.match(proc.stdout.readline().strip())
            assert match
            yield match.group(1), int(match.group(2))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=90)


class Slowloris:
    """Clients that send a request line, then one header line a second, never
    the blank line that ends the head; dropped, each reconnects at once."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.headers_sent: dict[int, int] = {}
        self.threads = [threading.Thread(target=self._attack, args=(n,), daemon=True) for n in range(count)]

    def __enter__(self) -> Slowloris:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)

    def holding(self) -> int:
        """Attackers that have trickled at least two headers on their connection."""
        with self.lock:
            return sum(1 for sent in self.headers_sent.values() if sent >= 2)

    def _attack(self, number: int) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                    conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    sent = 0
                    while not self.stop.wait(1.0):
                        conn.sendall(f"X-Slow-{sent}: {number}\r\n".encode("ascii"))
                        sent += 1
                        with self.lock:
                            self.headers_sent[number] = sent
            except OSError:
                pass  # cut off by the server: come straight back
            with self.lock:
                self.headers_sent[number] = 0


def test_healthz_answers_while_slow_clients_hold_connections(site):
    with _serve(site.repo_root) as (url, port), Slowloris(port, ATTACKERS) as attack:
        # Every attacker is mid-head on an open connection before the probe.
        deadline = time.monotonic() + 60
        while attack.holding() < ATTACKERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert attack.holding() == ATTACKERS, "the attack never got going"
        # A liveness probe with a generous limit: before the head deadline it
        # never got a thread while the attack lasted.
        response = requests.get(url + "healthz", timeout=(10, 60))
        assert response.status_code == 200
        assert response.json() == {"status": "alive"}

"""Benchmark: the sample app's home page and suggestion form under gunicorn with 2 workers.

Starts the app exactly as people and the ZAP stage do (``python -m app serve
--port 0``: gunicorn + embedded PostgreSQL, migrations and seed data), then
drives it from a second process over loopback with a fixed number of
keep-alive connections, bounded by a request count and a time limit.
Every home page request reads the resource list from PostgreSQL; every form
POST (``--scenario form`` or ``both``) carries a valid CSRF token
and session, so it reaches validation, the rate limiter and the stored
function. Once a client is over the limit the answer is 429: those count as
answered, not failed (the limiter doing its job); 5xx and transport errors fail.

    python benchmarks/bench_app.py [--scenario home|form|both] [--requests 6000] [--concurrency 8]

The limiter is on with the app's default (10 per client per hour; all load
clients share one address, so after 10 stored the rest are 429s). To see the
cost of storing every post, raise it: ``SUGGESTION_RATE_LIMIT=1000000``
(serve passes the environment on to gunicorn).

Prints requests/s, latency percentiles and status counts; exits 1 if any request failed.
Not a test: figures depend on the machine. Target: >= 500 req/s, p99 < 50 ms.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import select
import signal
import statistics
import subprocess  # nosec B404
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, by design
URL_LINE = re.compile(r"^Serving on http://127\.0\.0\.1:(\d+)/$")
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Statuses that mean "answered as designed" for each kind of request.
EXPECTED = {"GET": {200}, "POST": {303, 429}}


class Client:
    """One keep-alive connection; for the form, a browser-like session with its CSRF token."""

    def __init__(self, port: int, path: str, method: str) -> None:
        self.port, self.path, self.method = port, path, method
        self.conn = http.client.HTTPConnection(HOST, port, timeout=10)
        self.headers: dict[str, str] = {}
        self.body: str | None = None
        if method == "POST":
            self._start_form_session()

    def _start_form_session(self) -> None:
        self.conn.request("GET", self.path)
        response = self.conn.getresponse()
        page = response.read().decode("utf-8")
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        match = CSRF_INPUT.search(page)
        if not match or not cookie:
            raise RuntimeError("the form page has no CSRF token or session cookie")
        title = f"Benchmark suggestion {os.getpid()}-{id(self)}"
        self.body = urlencode({"csrf_token": match.group(1), "title": title,
                               "url": "https://owasp.org/www-project-top-ten/", "topic": "waf-owasp"})
        self.headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

    def once(self) -> int:
        self.conn.request(self.method, self.path, body=self.body, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=10)


def load(port: int, path: str, method: str, total: int, concurrency: int, max_seconds: float,
         warmup: int) -> dict:
    """Runs in the load process: `concurrency` threads share `total` requests."""
    lock = threading.Lock()
    state = {"left": total, "errors": 0}
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds

    def take() -> bool:
        with lock:
            if state["left"] <= 0 or time.monotonic() > deadline:
                return False
            state["left"] -= 1
            return True

    def worker() -> None:
        client = Client(port, path, method)
        mine: list[float] = []
        seen: Counter[str] = Counter()
        for _ in range(warmup if method == "GET" else 0):  # warm-up posts would use up the limit
            client.once()
        while take():
            started = time.perf_counter()
            try:
                status = client.once()
                ok = status in EXPECTED[method]
                seen[str(status)] += 1
            except (OSError, http.client.HTTPException):
                ok = False
                seen["transport-error"] += 1
                client.reconnect()
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    state["errors"] += 1
        client.conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {
        "method": method, "path": path,
        "requests": len(latencies), "errors": state["errors"], "statuses": dict(sorted(statuses.items())),
        "seconds": round(elapsed, 2), "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(50), 2), "p90_ms": round(pct(90), 2), "p99_ms": round(pct(99), 2),
        "max_ms": round(latencies[-1] * 1000, 2), "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


@contextmanager
def running_app(workers: int) -> Iterator[int]:
    """Start `python -m app serve --port 0`, yield its port, stop it with SIGTERM."""
    command = [sys.executable, "-m", "app", "serve", "--port", "0", "--workers", str(workers)]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,  # nosec B603
                          env=dict(os.environ, PYTHONUNBUFFERED="1", GUNICORN_LOG_LEVEL="warning")) as proc:
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 90)
            line = proc.stdout.readline().strip() if ready and proc.stdout else ""
            match = URL_LINE.match(line)
            if not match:
                raise SystemExit(f"the app did not start: {line!r}")
            yield int(match.group(1))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


SCENARIOS = {"home": [("GET", "/")], "form": [("POST", "/suggest")],
             "both": [("GET", "/"), ("POST", "/suggest")]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="both")
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load-only-port", type=int, help=argparse.SUPPRESS)  # the load process itself
    parser.add_argument("--method", default="GET", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="/", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.load_only_port:
        print(json.dumps(load(args.load_only_port, args.path, args.method, args.requests, args.concurrency,
                              args.max_seconds, warmup=20)))
        return 0

    results = []
    with running_app(args.workers) as port:
        for method, path in SCENARIOS[args.scenario]:
            # The load runs in its own process so that the client's work does not
            # share an interpreter (or its GIL) with anything else.
            load_command = [sys.executable, __file__, "--load-only-port", str(port), "--method", method,
                            "--path", path, "--requests", str(args.requests),
                            "--concurrency", str(args.concurrency), "--max-seconds", str(args.max_seconds)]
            result = subprocess.run(load_command, capture_output=True, text=True, check=True,  # nosec B603
                                    timeout=args.max_seconds + 60)
            figures = json.loads(result.stdout)
            figures.update({"workers": args.workers, "concurrency": args.concurrency, "cpus": os.cpu_count()})
            results.append(figures)
    print(json.dumps(results, indent=2))
    for figures in results:
        print(f"{figures['method']} {figures['path']}: {figures['requests_per_second']} requests/s, "
              f"p99 {figures['p99_ms']} ms, statuses {figures['statuses']} (target >= 500 requests/s, p99 < 50 ms)")
    return 1 if any(figures["errors"] for figures in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the sample app's home page under gunicorn with 2 workers.

Starts the app exactly as people and the ZAP stage do (``python -m app serve
--port 0``: gunicorn + embedded PostgreSQL, migrations and seed data), then
drives it from a second process over loopback with a fixed number of
keep-alive connections, bounded by a request count and a time limit.
Every request reads the resource list from PostgreSQL.

    python benchmarks/bench_app.py [--requests 6000] [--concurrency 8] [--max-seconds 30]

Prints requests/s and latency percentiles; exits 1 if any request failed.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, by design
URL_LINE = re.compile(r"^Serving on http://127\.0\.0\.1:(\d+)/$")


def load(port: int, path: str, total: int, concurrency: int, max_seconds: float, warmup: int) -> dict:
    """Runs in the load process: `concurrency` threads share `total` requests."""
    lock = threading.Lock()
    state = {"left": total, "errors": 0}
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds

    def take() -> bool:
        with lock:
            if state["left"] <= 0 or time.monotonic() > deadline:
                return False
            state["left"] -= 1
            return True

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        for _ in range(warmup):
            conn.request("GET", path)
            conn.getresponse().read()
        while take():
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    state["errors"] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

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
        "requests": len(latencies), "errors": state["errors"], "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--path", default="/")
    parser.add_argument("--load-only-port", type=int, help=argparse.SUPPRESS)  # the load process itself
    args = parser.parse_args()

    if args.load_only_port:
        print(json.dumps(load(args.load_only_port, args.path, args.requests, args.concurrency,
                              args.max_seconds, warmup=20)))
        return 0

    with running_app(args.workers) as port:
        # The load runs in its own process so that the client's work does not
        # share an interpreter (or its GIL) with anything else.
        load_command = [sys.executable, __file__, "--load-only-port", str(port), "--requests", str(args.requests),
                        "--concurrency", str(args.concurrency), "--max-seconds", str(args.max_seconds),
                        "--path", args.path]
        result = subprocess.run(load_command, capture_output=True, text=True, check=True,  # nosec B603
                                timeout=args.max_seconds + 60)
    figures = json.loads(result.stdout)
    figures.update({"path": args.path, "workers": args.workers, "concurrency": args.concurrency,
                    "cpus": os.cpu_count()})
    print(json.dumps(figures, indent=2))
    print(f"{figures['requests_per_second']} requests/s, p99 {figures['p99_ms']} ms "
          f"(target >= 500 requests/s, p99 < 50 ms)")
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the whole zap stage on the sample app, app start and teardown included.

Runs ``python -m pipeline run zap`` (what ``nox -s zap`` runs) N times and reports wall time,
the scan's own phases and whether every page the app links to was visited. Target: < 15 s.

    python benchmarks/bench_zap.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import load  # noqa: E402
from pipeline.zap.deploy import deployed_app  # noqa: E402
from pipeline.zap.html import parse  # noqa: E402

TARGET_S = 15.0


def linked_pages() -> set[str]:
    """Every same-origin page the app's own pages link to, found independently of the crawler."""
    with deployed_app(ROOT, load(ROOT).stages["zap"]["deploy_command"]) as url:
        seen, todo = set(), ["/"]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            with urllib.request.urlopen(url.rstrip("/") + path, timeout=10) as response:  # nosec B310 - local app
                if "html" not in response.headers.get("Content-Type", ""):
                    continue
                doc = parse(response.read().decode("utf-8", "replace"))
            for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
                for element in doc.all(tag):
                    href = element.get(attr) or ""
                    if href.startswith("/") and not href.startswith("//"):
                        todo.append(href.split("#")[0].split("?")[0] or "/")
        return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    expected = linked_pages()
    times, rows = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "zap", "--out", out, "--quiet"],
                                  cwd=ROOT, capture_output=True, text=True, timeout=300)
            elapsed = time.monotonic() - started
            stage = json.loads((Path(out) / "zap.json").read_text())
        details = stage["tools"][0]["details"]
        visited = {"/" + u.split("/", 3)[3] for u in details.get("urls_visited", [])}
        missing = sorted(expected - visited)
        times.append(elapsed)
        rows.append((elapsed, proc.returncode, details.get("requests"), details.get("crawl_s"), len(stage["findings"]), missing))
        print(f"run: {elapsed:5.2f}s exit={proc.returncode} requests={details.get('requests')} "
              f"crawl={details.get('crawl_s')}s findings={len(stage['findings'])} missing_pages={missing}")
    print(f"pages the app links to: {sorted(expected)}")
    print(f"wall time: median {statistics.median(times):.2f}s, min {min(times):.2f}s, max {max(times):.2f}s "
          f"(target < {TARGET_S:g}s)")
    ok = max(times) < TARGET_S and all(not r[5] for r in rows) and all(r[1] == 0 for r in rows)
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the static stages (lint, sast, secrets) run concurrently by the harness, against the
same tools run one after another by hand on the same tree.

    python benchmarks/bench_static.py [--root DIR] [--repeat N]

Targets (issue 2): harness wall time at most 1.25x the slowest single tool; the harness's own
overhead (file discovery, parsing, policy, every reporter) under 5% of the total.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import config as config_mod  # noqa: E402
from pipeline import runner  # noqa: E402
from pipeline.cli import decide  # noqa: E402
from pipeline.engine import run_stages  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.progress import Progress  # noqa: E402
from pipeline.registry import scanners_for  # noqa: E402
from pipeline.reporters import write_all  # noqa: E402
from pipeline.reporters.base import ReportContext  # noqa: E402
from pipeline.scanner import ScanContext  # noqa: E402

STAGES = ["lint", "sast", "secrets"]


def by_hand(cfg: config_mod.Config, scratch: Path) -> dict[str, float]:
    """Each tool's exact harness command, run alone, one after another."""
    files = FileSet(cfg.root, list(cfg.settings.paths), list(cfg.settings.exclude))
    times = {}
    for stage in STAGES:
        for scanner in scanners_for(stage):
            ctx = ScanContext(root=cfg.root, stage=stage, stage_config=cfg.stages[stage], files=files,
                              work_dir=scratch, timeout=600, artifacts_dir=scratch)
            argv = scanner.argv(ctx, scanner.resolve())
            start = time.perf_counter()
            runner.run(argv, cwd=cfg.root, timeout=600)
            times[scanner.name] = time.perf_counter() - start
    return times


def harness(cfg: config_mod.Config, scratch: Path) -> tuple[float, float, dict[str, float]]:
    devnull = open("/dev/null", "w", encoding="utf-8")  # noqa: SIM115
    start = time.perf_counter()
    results = run_stages(cfg, STAGES, scratch / "reports", Progress(devnull))
    scanned = time.perf_counter()
    verdict = decide(cfg, results)
    write_all(verdict, ReportContext(out_dir=scratch / "reports" / "verdict", root=cfg.root, stdout=devnull))
    end = time.perf_counter()
    tools = {t.tool: t.duration_s for r in results for t in r.tools}
    # Overhead: everything that is not waiting for a scanner process.
    overhead = (scanned - start - max(tools.values())) + (end - scanned)
    return end - start, max(overhead, 0.0), tools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cfg = config_mod.load(args.root)
    hand_runs, harness_runs, overheads = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            hand_runs.append(by_hand(cfg, Path(tmp)))
        with tempfile.TemporaryDirectory() as tmp:
            wall, overhead, _ = harness(cfg, Path(tmp))
            harness_runs.append(wall)
            overheads.append(overhead)
    tools = {name: statistics.median(run[name] for run in hand_runs) for name in hand_runs[0]}
    slowest_name = max(tools, key=tools.get)
    sequential = sum(tools.values())
    wall = statistics.median(harness_runs)
    overhead = statistics.median(overheads)
    print(f"tree: {args.root} ({len(FileSet(cfg.root, list(cfg['paths']), list(cfg['exclude'])).all)} files), runs: {args.repeat}")
    for name, seconds in sorted(tools.items(), key=lambda kv: -kv[1]):
        print(f"  by hand  {name:15s} {seconds:7.2f} s")
    print(f"  by hand, one after another: {sequential:7.2f} s")
    print(f"  harness, concurrent + verdict + every report: {wall:7.2f} s")
    print(f"  ratio to slowest single tool ({slowest_name}): {wall / tools[slowest_name]:.2f}x (target <= 1.25x)")
    print(f"  harness overhead: {overhead:.2f} s = {100 * overhead / wall:.1f}% of the total (target < 5%)")


if __name__ == "__main__":
    main()

"""Check on a real tree that the pylint adapter's parallel run reports exactly what its single-process run reports.

    python benchmarks/pylint_parity.py [--root DIR] [--jobs N]

Compares every finding (path, line, column, symbol, message text) of ``lint.pylint_jobs=1`` and
``lint.pylint_jobs=N`` through the adapter itself, and prints the differences (none expected).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import config as config_mod  # noqa: E402
from pipeline.adapters.pylint import Pylint  # noqa: E402
from pipeline.engine import apply_overrides  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.scanner import ScanContext  # noqa: E402

Key = tuple[str | None, int | None, int | None, str, str]  # path, line, column, symbol, message text


def lint(cfg: config_mod.Config, jobs: int) -> tuple[Counter[Key], float, str]:
    files = FileSet(cfg.root, list(cfg.settings.paths), list(cfg.settings.exclude))
    with tempfile.TemporaryDirectory() as tmp:
        apply_overrides(cfg, {"lint": {"pylint_jobs": str(jobs)}})
        ctx = ScanContext(root=cfg.root, stage="lint", stage_config=cfg.stages["lint"],
                          files=files, work_dir=Path(tmp), timeout=1800, artifacts_dir=Path(tmp))
        start = time.perf_counter()
        output = Pylint().scan(ctx)
        wall = time.perf_counter() - start
    found = Counter((f.location.path, f.location.line, f.location.column, f.rule_name, f.message)
                    for f in output.findings)
    return found, wall, f"{output.run.status.value} {output.run.error}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    cfg = config_mod.load(args.root.resolve())
    single, single_wall, single_status = lint(cfg, 1)
    spread, spread_wall, spread_status = lint(cfg, args.jobs)
    print(f"{cfg.root}: jobs=1 {single_status}, {sum(single.values())} finding(s), {single_wall:.1f}s; "
          f"jobs={args.jobs} {spread_status}, {sum(spread.values())} finding(s), {spread_wall:.1f}s")
    only_single, only_spread = single - spread, spread - single
    for label, diff in (("only with jobs=1", only_single), (f"only with jobs={args.jobs}", only_spread)):
        for key, count in sorted(diff.items())[:20]:
            print(f"  {label}: {count}x {key[:4]} {key[4].splitlines()[0][:100]}")
    same = not only_single and not only_spread
    print("identical" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the deps stage auditing 300 pinned requirements offline against the full shared snapshot.

Target: under 10 s wall for the whole stage (pip-audit through the loopback OSV mirror, safety
skipped as unavailable offline). Reports the mirror's load time and per-query latency.

    /work/devvenv/bin/python benchmarks/bench_deps.py [--snapshot PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.adapters.pip_audit import PipAudit  # noqa: E402
from pipeline.adapters.safety import Safety  # noqa: E402
from pipeline.advisories.database import AdvisoryDB  # noqa: E402
from pipeline.advisories.findings import sort_versions, version_key  # noqa: E402
from pipeline.advisories.versions import fixed_versions  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.config import stage_config  # noqa: E402
from pipeline.scanner import ScanContext  # noqa: E402
from pipeline.stages.deps import merge  # noqa: E402

DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "advisory-db" / "pypa-vulns"
PINS = 300


def pins_from(db: AdvisoryDB, count: int) -> list[str]:
    """300 real package names from the snapshot, each pinned to a real fixed version (a mix of clean and vulnerable)."""
    lines = []
    for name in sorted(db.by_package):
        fixes = [v for v in sort_versions(v for r in db.by_package[name] for v in fixed_versions(r, name)) if version_key(v)]
        if fixes:
            lines.append(f"{name}=={fixes[len(fixes) // 2]}")
        if len(lines) == count:
            break
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    args = parser.parse_args()
    if not args.snapshot.is_dir():
        print(f"snapshot {args.snapshot} not found", file=sys.stderr)
        return 2
    pins = pins_from(AdvisoryDB.load(args.snapshot), PINS)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        (root / "requirements.txt").write_text("\n".join(pins) + "\n")
        settings = stage_config("deps", {"offline": True, "advisory_db": str(args.snapshot), "sources": ["requirements.txt"]})
        outputs = []
        started = time.perf_counter()
        for scanner in (PipAudit(), Safety()):
            work = Path(tmp) / scanner.name
            work.mkdir()
            ctx = ScanContext(root=root, stage="deps", stage_config=settings, files=FileSet(root), work_dir=work,
                              timeout=300, artifacts_dir=Path(tmp) / "reports")
            outputs.append(scanner.scan(ctx))
        findings = merge([f for o in outputs for f in o.findings])
        wall = time.perf_counter() - started
    audit = outputs[0].run
    if audit.error:
        print(f"pip-audit error: {audit.error}", file=sys.stderr)
        return 1
    mirror = audit.details["mirror"]
    print(f"pins audited:        {audit.details['pins_audited']} (pip-audit runs: {audit.details['pip_audit_runs']})")
    print(f"advisory records:    {audit.details['advisory_source']['records']} ({audit.details['advisory_source']['packages']} packages)")
    print(f"findings (merged):   {len(findings)} in {len({f.location.package for f in findings})} packages")
    print(f"mirror load time:    {mirror['load_seconds']:.2f} s")
    print(f"queries answered:    {mirror['queries']}")
    print(f"query latency:       median {mirror['median_query_ms']:.2f} ms, max {mirror['max_query_ms']:.2f} ms")
    print(f"pip-audit run:       {audit.duration_s:.2f} s (incl. mirror load)")
    print(f"whole stage wall:    {wall:.2f} s (target < 10 s) -> {'OK' if wall < 10 else 'SLOW'}")
    return 0 if wall < 10 else 1


if __name__ == "__main__":
    sys.exit(main())

"""pip-audit's result cache entry (issue 16): keyed on the pins, the requirement files and the advisory
snapshot's content; a live advisory service has no identity to key on, so it is never cached."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline import cached_scan
from pipeline.adapters.pip_audit import PipAudit
from pipeline.result_cache import ResultCache
from pipeline.scanner import ScanOutput

from deps_helpers import FIXTURES

TIMINGS = {"load_seconds", "median_query_ms", "max_query_ms", "cpu_s", "max_rss_kb"}  # what a run cost


def _facts(output: ScanOutput) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMINGS and k != "cache"}
        return value
    details = strip(output.run.details)
    details["notes"] = [n for n in details.get("notes", []) if "from cache" not in n]
    return [f.to_dict() for f in output.findings], details


def test_the_advisory_snapshot_the_pins_and_the_requirement_files_are_the_key(make_ctx, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(FIXTURES, snapshot)
    cache = ResultCache.open(tmp_path / "cache")
    scanner = PipAudit()

    def audit(requirements: str | None = None) -> ScanOutput:
        return scanner.scan(replace(make_ctx(requirements, advisory_db=str(snapshot)), cache=cache))

    cold = audit("flask==2.2.4\nrequests==2.31.0\n")
    assert cold.run.status.value == "passed" and cold.run.details["cache"] == "not cached: ran", cold.run.error
    assert any(f.location.package == "flask" for f in cold.findings)
    warm = audit()
    assert warm.run.details["cache"] == "result from cache" and warm.run.command == []
    assert _facts(warm) == _facts(cold)

    # Another pin, or another content of the advisory snapshot: a miss.
    assert audit("flask==2.2.5\nrequests==2.31.0\n").run.details["cache"] == "not cached: ran"
    record = next((snapshot / "pypa" / "flask").glob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert audit().run.details["cache"] == "not cached: ran"
    assert audit().run.details["cache"] == "result from cache"


def test_a_live_advisory_service_is_never_cached(make_ctx, tmp_path: Path) -> None:
    cache = ResultCache.open(tmp_path / "cache")
    scanner = PipAudit()
    ctx = replace(make_ctx("flask==2.2.4\n", offline=False, advisory_db=""), cache=cache)
    plan = scanner.plan(ctx)
    assert plan.state.db is None  # pip-audit would ask its online service
    assert cached_scan.look_up(scanner, cache, plan, "2.9.0") is None

"""What ``pipeline verdict`` checks in stage reports before the policy sees them, against the tree it
reads itself (the schema and provenance checks live in report_io.py and provenance.py):

- every scanner registered for the stage has exactly one tool run, and no other tool appears: a
  report cannot drop the tool that found something, nor add a made-up one;
- a tool run reported *skipped* because there was nothing to scan is checked against this tree: when
  the tree does have files for it (or zap has a target), the skip is false and the run is an error.
  Skips that depend on the stage job's environment (safety without an API key) cannot be checked here
  and stay as reported: a skipped tool never counts as coverage, and a stage of skips only is never a pass.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .config import Config
from .errors import ScanError
from .files import FileSet
from .model import StageResult, Status, ToolRun
from .registry import scanners_for
from .scanner import ScanContext
from .zap.settings import ZapSettings

# Scanners whose skip_reason reads only the tree and the configuration, so the verdict can re-ask it.
TREE_SKIPS = frozenset({"pylint", "pyflakes", "bandit", "detect-secrets", "zizmor", "hadolint"})


def _error(run: ToolRun, message: str) -> None:
    run.status, run.error = Status.ERROR, message


def check_tool_runs(result: StageResult) -> None:
    """Make the report's tool runs match the registry: a missing run is added as an error, an unknown
    or repeated one is turned into an error."""
    registered = [s.name for s in scanners_for(result.stage)]
    seen: set[str] = set()
    for run in result.tools:
        if run.tool not in registered:
            _error(run, f"{run.tool}: not a scanner of stage {result.stage!r} (the report was not written by this harness)")
        elif run.tool in seen:
            _error(run, f"{run.tool}: appears twice in the {result.stage} report")
        seen.add(run.tool)
    for name in registered:
        if name not in seen:
            result.tools.append(ToolRun(tool=name, status=Status.ERROR,
                                        error=f"{name}: the {result.stage} report has no run of it, so it did not scan"))


def check_skips(result: StageResult, config: Config, files: FileSet) -> None:
    """Turn a skip this tree contradicts into an error naming it."""
    by_name = {s.name: s for s in scanners_for(result.stage)}
    stage_config = config.stages[result.stage]
    for run in result.tools:
        if run.status is not Status.SKIPPED:
            continue
        if run.tool == "zap":
            target = stage_config.of(ZapSettings).target.strip()
            if target or (config.root / "app" / "__main__.py").is_file():
                _error(run, f"zap: the report says it was skipped ({run.reason or 'no reason'}) but this tree has "
                            f"{'a target' if target else 'the sample app app/'} to scan")
            continue
        scanner = by_name.get(run.tool)
        if run.tool not in TREE_SKIPS or scanner is None:
            continue
        with tempfile.TemporaryDirectory(prefix="secure-pipeline-check-") as scratch:
            ctx = ScanContext(root=config.root, stage=result.stage, stage_config=stage_config, files=files,
                              work_dir=Path(scratch), timeout=1.0, artifacts_dir=Path(scratch))
            try:
                reason = scanner.plan(ctx).skip  # type: ignore[attr-defined]  # command scanners only (TREE_SKIPS)
            except ScanError:
                reason = ""  # it would have run (and failed): not a skip this tree allows
        if not reason:
            _error(run, f"{run.tool}: the report says it was skipped ({run.reason or 'no reason'}) but this tree "
                        "has files for it to scan")


def check_reports(results: list[StageResult], config: Config) -> None:
    files = FileSet(config.root, list(config.settings.paths), list(config.settings.exclude))
    for result in results:
        check_tool_runs(result)
        check_skips(result, config, files)

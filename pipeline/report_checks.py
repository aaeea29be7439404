"""What ``pipeline verdict`` checks in stage reports before the policy sees them, against the tree it
reads itself (the schema and provenance checks live in report_io.py and provenance.py):

- every scanner registered for the stage has exactly one tool run, and no other tool appears: a
  report cannot drop the tool that found something, nor add a made-up one;
- a tool run reported *skipped* because there was nothing to scan is checked against this tree: when
  the tree does have files for it (or zap has a target), the skip is false and the run is an error.
  Skips that depend on the stage job's environment (safety without an API key) cannot be checked here
  and stay as reported: a skipped tool never counts as coverage, and a stage of skips only is never a pass.
- a report made in PR mode: what each tool scanned is derived again from this tree and the recorded
  merge base (pipeline/pr_mode.py); a tool whose recorded scope differs is an error, so a report
  cannot narrow a scan to leave out what the change touched. Its skips are then re-asked over that scope.
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


def check_pr_scopes(result: StageResult, config: Config, files: FileSet) -> dict[str, FileSet]:
    """Re-derive a PR-mode report's scopes; a tool whose recorded scope differs is an error. Returns
    the file set each PR-scoped tool was given (for check_skips)."""
    from . import changes as changes_mod
    from . import pr_mode

    pr = result.details.get("pr_mode")
    if not isinstance(pr, dict):
        return {}
    commit = str(pr["base_commit"])
    change = changes_mod.compute(config.root, commit, FileSet(config.root, never=files.never).all)  # as pr_run does
    scanners = scanners_for(result.stage)
    plan = pr_mode.plan(config.root, change, files, changes_mod.base_tree(config.root, change.base_commit), scanners,
                        {result.stage: dict(config.stages[result.stage].values)})
    recorded = pr.get("tools") or {}
    given: dict[str, FileSet] = {}
    for run in result.tools:
        scope = plan.scopes.get(run.tool)
        if scope is None:
            continue
        if change.base_commit != commit or recorded.get(run.tool) != scope.to_dict():
            _error(run, f"{run.tool}: the report's PR-mode scope is not what this tree's change against "
                        f"{commit[:12]} gives (files scanned, dependents or skip differ): it cannot be trusted")
            continue
        given[run.tool] = files if scope.files is None else files.restricted(scope.files)
    return given


def check_skips(result: StageResult, config: Config, files: FileSet, scoped: dict[str, FileSet] | None = None) -> None:
    """Turn a skip this tree contradicts into an error naming it (over the PR-mode scope, if any)."""
    by_name = {s.name: s for s in scanners_for(result.stage)}
    stage_config = config.stages[result.stage]
    for run in result.tools:
        if run.status is not Status.SKIPPED:
            continue
        if run.tool == "zap":
            target = stage_config.of(ZapSettings).target.strip()
            if target or stage_config.of(ZapSettings).deploy_command:
                _error(run, f"zap: the report says it was skipped ({run.reason or 'no reason'}) but this tree has "
                            f"{'a target' if target else 'a zap.deploy_command'} to scan")
            continue
        scanner = by_name.get(run.tool)
        if run.tool not in TREE_SKIPS or scanner is None:
            continue
        pr_files = (scoped or {}).get(run.tool)
        if pr_files is not None and run.reason.startswith("PR mode:"):
            continue  # the scope's own skip (a dependency audit with nothing changed), checked above
        with tempfile.TemporaryDirectory(prefix="secure-pipeline-check-") as scratch:
            ctx = ScanContext(root=config.root, stage=result.stage, stage_config=stage_config, files=pr_files or files,
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
        scoped = check_pr_scopes(result, config, _run_files(config)) if "pr_mode" in result.details else {}
        check_skips(result, config, files, scoped)


def _run_files(config: Config) -> FileSet:
    """The file set `pipeline run` scanned: its own report folder left out, as the run leaves it out."""
    from .engine import harness_outputs

    return FileSet(config.root, list(config.settings.paths), list(config.settings.exclude),
                   never=tuple(harness_outputs(config, config.resolve(config.settings.reports_dir))))

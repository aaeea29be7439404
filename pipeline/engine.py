"""Runs the requested stages: every scanner of every stage concurrently, each in its own process
group, then hands what they found to pipeline/finding_pipeline.py. Deciding what it means (every
status included) is policy's job."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from . import finding_pipeline, runner, sandbox
from .config import Config, ConfigError, stage_options
from .files import FileSet
from .model import StageResult, Status, ToolRun
from .options import OptionError
from .pr_run import DETAILS_KEY, PrRun
from .progress import Progress
from .redact import Redactor
from .registry import scanners_for, stage_spec
from .result_cache import ResultCache
from .scanner import ScanContext, Scanner, ScanOutput


def apply_overrides(config: Config, overrides: dict[str, dict[str, str]]) -> None:
    """Apply command-line ``STAGE.KEY=VALUE`` settings, validated like the file's (the stage is rebuilt once)."""
    for stage, values in overrides.items():
        if stage not in config.stages:
            raise ConfigError(f"command line: unknown stage {stage!r} (known: {', '.join(config.stages)})")
        declared = stage_options(stage)
        coerced: dict[str, Any] = {}
        for key, text in values.items():
            if key not in declared:
                raise ConfigError(f"command line: {stage}.{key}: unknown option (known: {', '.join(sorted(declared))})")
            try:
                coerced[key] = declared[key].parse_text(text) if isinstance(text, str) else declared[key].coerce(text)
            except OptionError as exc:
                raise ConfigError(f"command line: {stage}.{key}: {exc}") from exc
        config.stages[stage] = config.stages[stage].with_values(coerced)


def validate_stages(config: Config, stages: list[str]) -> None:
    """Let scanners reject their own configuration files (a malformed rules.tsv) before anything runs.

    A scanner may define ``validate(root, stage_config)`` raising ConfigError: bad configuration is exit 3,
    and it is cheaper to say so before a ten-minute scan than after.
    """
    for stage in stages:
        for scanner in scanners_for(stage):
            validate = getattr(scanner, "validate", None)
            if callable(validate):
                validate(config.root, config.stages[stage])


@dataclass
class _Task:
    stage: str
    scanner: Scanner
    ctx: ScanContext
    label: str = ""  # how progress names it ("pylint (base)"); default: the scanner's name

    @property
    def name(self) -> str:
        return self.label or self.scanner.name


def _run_task(task: _Task, progress: Progress) -> ScanOutput:
    progress.tool_started(task.stage, task.name)
    started = time.monotonic()
    with runner.collect_problems() as problems:
        try:
            output = task.scanner.scan(task.ctx)
        except Exception as exc:  # an adapter bug must surface as an error, never as a pass
            run = ToolRun(tool=task.scanner.name, status=Status.ERROR,
                          error=f"{task.scanner.name}: the harness's adapter crashed: {type(exc).__name__}: {exc}",
                          stderr_tail="\n".join(traceback.format_exc().splitlines()[-8:]))
            output = ScanOutput(run)
    if problems and output.run.status is not Status.SKIPPED:
        # The runner saw what the exit code hides (output limit, processes left behind): that is
        # the cause, so it replaces the adapter's reading of the aftermath ("killed by signal 9").
        # Findings established before the fault are kept.
        output.run.status = Status.ERROR
        output.run.error = f"{task.scanner.name}: {problems[0]}"
    output.run.details.setdefault("isolation", sandbox.isolation().description)
    if not output.run.duration_s:
        output.run.duration_s = round(time.monotonic() - started, 3)
    progress.tool_finished(task.stage, task.name, output.run, len(output.findings))
    return output


def harness_outputs(config: Config, out_dir: Path) -> list[str]:
    """Repo-relative paths (files or folders) of everything the harness writes inside the tree: it never scans its own output.

    A second run would otherwise scan the first run's reports (which quote findings) and multiply them.
    """
    written = [out_dir, config.resolve(config.settings.reports_dir), config.resolve(config.settings.baseline_file)]
    root = config.root.resolve()
    patterns = []
    for path in written:
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # outside the tree: nothing to exclude
        if rel not in ("", "."):
            patterns.append(rel)
    return patterns


def _cost(task: _Task) -> int:
    return int(getattr(task.scanner, "relative_cost", 1))


def _run_all(tasks: list[_Task], workers: int, progress: Progress, results: dict[str, list[ScanOutput]],
             base_results: dict[tuple[str, str], ScanOutput]) -> None:
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scanner")
    try:
        # The costliest tools start first: when max_parallel holds some back, a long tool started
        # last would leave cores idle at the end. Results keep the stages' own order.
        started = {id(t): pool.submit(_run_task, t, progress) for t in sorted(tasks, key=_cost, reverse=True)}
        for task in tasks:
            if task.label:
                base_results[(task.stage, task.scanner.name)] = started[id(task)].result()
            else:
                results[task.stage].append(started[id(task)].result())
    except BaseException:
        # Interrupted (SIGINT/SIGTERM) or broken: kill every tool, start no queued one, and wait
        # only for threads whose processes are already dead.
        runner.abort_all()
        pool.shutdown(wait=True, cancel_futures=True)
        try:
            progress.stop()
        except Exception:  # noqa: S110  # pylint: disable=broad-except  # restoring the terminal is best effort
            pass
        raise
    finally:
        pool.shutdown(wait=True)
        runner.kill_leftovers()  # nothing a scanner started outlives the scan


def _pr_skipped(scanner: Scanner, reason: str) -> ScanOutput:
    return ScanOutput(ToolRun(tool=scanner.name, status=Status.SKIPPED, reason=reason))


def _pr_tasks(pr: PrRun, config: Config, files: FileSet, task: _Task, scratch: Path, progress: Progress) -> list[_Task]:
    """PR mode: the head's task over its narrowed files, and the merge base's beside it (when it has one)."""
    head = replace(task.ctx, files=pr.head_files(task.scanner, files), partial=pr.partial(task.scanner),
                   path_hints=pr.path_hints(task.scanner))
    tasks = [_Task(task.stage, task.scanner, head)]
    base = pr.base_context(config, files, task.stage, task.scanner, head, scratch)
    if base is not None:
        label = f"{task.scanner.name} (base)"
        base.ctx = replace(base.ctx, note=partial(progress.note, task.stage, label))
        pr.bases.append(base)
        tasks.insert(0, _Task(task.stage, task.scanner, base.ctx, label))
    return tasks


def _stage_details(pr: PrRun | None, stage: str, runs: list[ToolRun], base_results: dict[tuple[str, str], ScanOutput],
                   redactor: Redactor) -> dict[str, Any]:
    """The stage report's details: the tools' notes, and in PR mode what was scanned and the base's findings."""
    notes = [n for r in runs for n in r.details.pop("notes", [])]
    details: dict[str, Any] = {}
    if pr is not None:
        pr_details = pr.finish_stage(stage, runs, {t: o for (s, t), o in base_results.items() if s == stage}, redactor)
        details[DETAILS_KEY] = pr_details
        notes.insert(0, pr_details["summary"])
    if notes:
        details["notes"] = notes
    return details


def run_stages(config: Config, stages: list[str], out_dir: Path, progress: Progress,
               cache: ResultCache | None = None, base_ref: str = "") -> list[StageResult]:
    """Run the stages; with ``base_ref``, in PR mode (pipeline/pr_mode.py): each scanner's files narrowed
    to what the change can affect, the merge base's counterparts scanned beside them."""
    files = FileSet(config.root, list(config.settings.paths), list(config.settings.exclude),
                    never=tuple(harness_outputs(config, out_dir)))
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    results: dict[str, list[ScanOutput]] = {name: [] for name in stages}
    base_results: dict[tuple[str, str], ScanOutput] = {}
    stage_started = time.monotonic()
    pr = PrRun.prepare(config, files, stages, base_ref) if base_ref else None
    with tempfile.TemporaryDirectory(prefix="secure-pipeline-") as scratch:
        tasks: list[_Task] = []
        for stage in stages:
            stage_cfg = config.stages[stage]
            for scanner in scanners_for(stage):
                if pr is not None and pr.skip(scanner):
                    results[stage].append(_pr_skipped(scanner, pr.skip(scanner)))
                    continue
                work = Path(scratch) / stage / scanner.name
                work.mkdir(parents=True)
                ctx = ScanContext(
                    root=config.root, stage=stage, stage_config=stage_cfg, files=files, work_dir=work,
                    timeout=stage_cfg.tool_settings(scanner.name).timeout,
                    artifacts_dir=out_dir / stage,
                    note=partial(progress.note, stage, scanner.name),
                    cache=cache,
                )
                tasks.extend(_pr_tasks(pr, config, files, _Task(stage, scanner, ctx), Path(scratch), progress)
                             if pr is not None else [_Task(stage, scanner, ctx)])
        progress.start([(t.stage, t.name) for t in tasks])
        workers = config.settings.max_parallel or max(1, len(tasks))
        # In a namespace, scanners cannot touch the reports, nor the result cache.
        with runner.hidden_from_scanners([out_dir, *([cache.folder] if cache else [])]):
            _run_all(tasks, workers, progress, results, base_results)
        progress.stop()
    if cache is not None:
        cache.prune()
    elapsed = time.monotonic() - stage_started

    # After every stage: the secrets stage locates the values that other stages' messages quote.
    redactor = Redactor.for_run(config.root, [f for outputs in results.values() for o in outputs for f in o.findings])
    stage_results: list[StageResult] = []
    for stage in stages:
        outputs = results[stage]
        runs = [redactor.run(o.run) for o in outputs]
        for output in outputs:
            redactor.write_artifacts(output.artifacts)
        findings = finding_pipeline.stage_findings(stage_spec(stage), scanners_for(stage),
                                                   [f for o in outputs for f in o.findings], config.root, redactor)
        # No status: the engine reports what ran and what it found; the policy decides what that means
        # (in PR mode, a base side that could not be scanned has made its tool run an error).
        details = _stage_details(pr, stage, runs, base_results, redactor)
        stage_results.append(StageResult(
            stage=stage, tools=runs, findings=findings,
            duration_s=round(max((r.duration_s for r in runs), default=elapsed), 3),
            started_at=started_at,
            details=details,
        ))
    if pr is not None:
        pr.close()
    return stage_results

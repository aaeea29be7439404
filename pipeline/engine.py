"""Runs the requested stages: every scanner of every stage concurrently, each in its own process
group, then merges, redacts and fingerprints what they found. Deciding what it means is policy's job."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import fingerprint, runner, sandbox
from .config import Config, ConfigError, stage_options
from .files import FileSet
from .merge import merge_same_problem
from .model import StageResult, Status, ToolRun
from .options import OptionError
from .progress import Progress
from .redact import Redactor
from .registry import scanners_for, stage_spec
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


def _run_task(task: _Task, progress: Progress) -> ScanOutput:
    progress.tool_started(task.stage, task.scanner.name)
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
    progress.tool_finished(task.stage, task.scanner.name, output.run, len(output.findings))
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


def _run_all(tasks: list[_Task], workers: int, progress: Progress, results: dict[str, list[ScanOutput]]) -> None:
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scanner")
    try:
        futures = [(t, pool.submit(_run_task, t, progress)) for t in tasks]
        for task, future in futures:
            results[task.stage].append(future.result())
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


def run_stages(config: Config, stages: list[str], out_dir: Path, progress: Progress) -> list[StageResult]:
    files = FileSet(config.root, list(config.settings.paths), list(config.settings.exclude),
                    never=tuple(harness_outputs(config, out_dir)))
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    results: dict[str, list[ScanOutput]] = {name: [] for name in stages}
    stage_started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="secure-pipeline-") as scratch:
        tasks: list[_Task] = []
        for stage in stages:
            stage_cfg = config.stages[stage]
            for scanner in scanners_for(stage):
                work = Path(scratch) / stage / scanner.name
                work.mkdir(parents=True)
                tasks.append(_Task(stage, scanner, ScanContext(
                    root=config.root, stage=stage, stage_config=stage_cfg, files=files, work_dir=work,
                    timeout=stage_cfg.tool_settings(scanner.name).timeout,
                    artifacts_dir=out_dir / stage,
                    note=partial(progress.note, stage, scanner.name),
                )))
        progress.start([(t.stage, t.scanner.name) for t in tasks])
        workers = config.settings.max_parallel or max(1, len(tasks))
        with runner.hidden_from_scanners([out_dir]):  # in a namespace, scanners cannot touch the reports
            _run_all(tasks, workers, progress, results)
        progress.stop()
    elapsed = time.monotonic() - stage_started

    # After every stage: the secrets stage locates the values that other stages' messages quote.
    redactor = Redactor.for_run(config.root, [f for outputs in results.values() for o in outputs for f in o.findings])
    stage_results: list[StageResult] = []
    for stage in stages:
        outputs = results[stage]
        runs = [redactor.run(o.run) for o in outputs]
        findings = [redactor.finding(f) for o in outputs for f in o.findings]
        for output in outputs:
            redactor.write_artifacts(output.artifacts)
        fingerprint.assign(findings, config.root)
        spec = stage_spec(stage)
        if spec.merge_same_problem:
            findings = merge_same_problem(findings, scanners_for(stage))
        findings = spec.merge(findings)
        if any(r.status is Status.ERROR for r in runs):
            status = Status.ERROR
        elif runs and all(r.status is Status.SKIPPED for r in runs):
            status = Status.SKIPPED
        else:
            status = Status.PASSED
        notes = [n for r in runs for n in r.details.pop("notes", [])]
        stage_results.append(StageResult(
            stage=stage, status=status, tools=runs, findings=findings,
            duration_s=round(max((r.duration_s for r in runs), default=elapsed), 3),
            reason="; ".join(r.error for r in runs if r.status is Status.ERROR)
            or ("; ".join(f"{r.tool}: {r.reason}" for r in runs) if status is Status.SKIPPED else ""),
            started_at=started_at,
            details={"notes": notes} if notes else {},
        ))
    return stage_results

"""The `pipeline` command (also `python -m pipeline`).

Exit codes: 0 passed, 1 failed on findings, 2 a stage could not run, 3 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import threading
import traceback
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from . import __version__, outdir, policy, policy_changes, provenance, report_io, result_cache, runner, suppressions
from . import baseline as baseline_mod
from . import config as config_mod
from .config import Config, ConfigError
from .errors import EXIT_CONFIG, EXIT_ERROR, HarnessError
from .model import StageResult, Status
from .output import emit
from .policy import PolicyReview, Verdict
from .redact import Redactor

DEBUG_ENV = "SECURE_PIPELINE_DEBUG"

DESCRIPTION = """\
secure-pipeline runs security scanners over a repository, normalises what they find into one model,
and decides one gated verdict for CI.

Typical use:
  pipeline run all                      run every configured stage concurrently, then the verdict
  pipeline run lint sast --out reports  run two stages, write reports/lint.json, reports/sast.json
  pipeline verdict reports/*.json       merge stage reports (e.g. from parallel CI jobs) into one verdict
  pipeline baseline update              accept the current findings so only new ones fail

Exit codes: 0 passed, 1 failed on findings, 2 a stage could not run, 3 bad configuration or usage.
Configuration: [tool.secure-pipeline] in the repository's pyproject.toml (see README).
"""


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; our contract says usage errors exit 3."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        emit(f"{self.prog}: error: {message}")
        sys.exit(EXIT_CONFIG)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=None, help="repository to scan (default: the current directory)")
    p.add_argument("--config", type=Path, default=None, help="configuration file (default: ROOT/pyproject.toml)")
    p.add_argument("--quiet", action="store_true", help="no progress lines and no console report")


def _add_policy_review(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", default=None, metavar="REF",
                   help="compare the policy with this base branch's and fail on any weakening (default: GITHUB_BASE_REF "
                        "in a pull_request event); `run` then also scans in PR mode: only what the change can affect, "
                        "gated on the findings it introduces relative to the merge base (--full: scan everything)")
    p.add_argument("--policy-approved", action="store_true",
                   help="the workflow confirms an approver (CODEOWNERS) accepted the policy changes "
                        "(or set SECURE_PIPELINE_POLICY_APPROVED=true)")


def _add_cache(p: argparse.ArgumentParser) -> None:
    # Only here and in the environment: the scanned repository's configuration never chooses it.
    p.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help=f"exact result cache folder (default: ${result_cache.ENV_FOLDER}, else "
                        "$XDG_CACHE_HOME/secure-pipeline, else ~/.cache/secure-pipeline)")
    p.add_argument("--no-cache", action="store_true", help="run every tool on every input, without the result cache")


def open_result_cache(args: argparse.Namespace, root: Path) -> result_cache.ResultCache | None:
    """The result cache the command line or environment names, or None (off, or unusable: said why)."""
    if getattr(args, "no_cache", False):
        return None
    folder = (args.cache or result_cache.default_folder(os.environ)).expanduser().absolute()
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        pass
    else:
        emit(f"pipeline: note: result cache off: {folder} is inside the scanned repository, which could ship forged entries")
        return None
    try:
        return result_cache.ResultCache.open(folder)
    except result_cache.CacheUnavailable as exc:
        emit(f"pipeline: note: result cache off: {exc}")
        return None


def build_parser() -> argparse.ArgumentParser:
    from .registry import STAGES

    stage_help = "\n".join(f"  {s.name:8s} {s.description}" for s in STAGES)
    parser = _Parser(prog="pipeline", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"secure-pipeline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run stages, write their reports, then the verdict",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description=f"Run stages concurrently (`all` = every configured stage), write REPORTS/<stage>.json,\n"
                                     f"then decide the verdict and write every report format to REPORTS/verdict/.\n\n"
                                     f"Stages:\n{stage_help}")
    run.add_argument("stages", nargs="+", metavar="STAGE", help="stage names, or `all`")
    _add_common(run)
    run.add_argument("--out", type=Path, default=None, help="report folder (default: reports_dir from the configuration)")
    run.add_argument("--set", dest="settings", action="append", default=[], metavar="STAGE.KEY=VALUE",
                     help="override a stage option for this run, e.g. --set sast.fail_severity=high")
    run.add_argument("--target", help="zap: scan this already-deployed URL instead of deploying the sample app")
    run.add_argument("--offline", action="store_true", help="deps: use a local advisory database only")
    run.add_argument("--advisory-db", help="deps: local advisory source (folder or zip of OSV records)")
    run.add_argument("--no-verdict", action="store_true", help="only write the stage reports")
    _add_cache(run)
    _add_policy_review(run)
    run.add_argument("--full", action="store_true",
                     help="scan the whole tree even with a base (--base, or a pull_request event's base): no PR mode")

    verdict = sub.add_parser("verdict", help="merge stage reports into the final verdict and write every report format",
                             description="Merge any set of stage reports into one verdict, re-applying the policy.")
    verdict.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="stage reports (reports/*.json)")
    _add_common(verdict)
    verdict.add_argument("--out", type=Path, default=None, help="verdict folder (default: REPORTS_DIR/verdict)")
    verdict.add_argument("--expect", default="", metavar="STAGES",
                         help="comma-separated stages that must have a report (besides every stage the configuration "
                              "runs); a missing or skipped one is an error")
    _add_policy_review(verdict)

    base = sub.add_parser("baseline", help="manage the baseline of accepted findings")
    base_sub = base.add_subparsers(dest="baseline_command", metavar="ACTION", parser_class=_Parser)
    update = base_sub.add_parser("update", help="accept the current findings (from reports, or by running the stages)",
                                 description="Write the baseline from the given stage reports, "
                                             "or run the configured stages first.")
    update.add_argument("reports", nargs="*", type=Path, metavar="REPORT")
    _add_common(update)

    try:
        from .advisories.cli import add_parser as add_advisories
    except ImportError:
        pass
    else:
        add_advisories(sub)
    from .comment_cli import add_parser as add_comment
    from .init import add_parser as add_init
    from .stage_list import add_parser as add_stages

    add_stages(sub)
    add_init(sub)
    add_comment(sub)
    return parser


def _settings(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    overrides: dict[str, dict[str, str]] = {}
    for item in args.settings:
        key, sep, value = item.partition("=")
        stage, dot, option = key.partition(".")
        if not sep or not dot or not stage or not option:
            raise ConfigError(f"command line: --set {item!r}: expected STAGE.KEY=VALUE")
        overrides.setdefault(stage, {})[option] = value
    if args.target:
        overrides.setdefault("zap", {})["target"] = args.target
    if args.offline:
        overrides.setdefault("deps", {})["offline"] = "true"
    if args.advisory_db:
        overrides.setdefault("deps", {})["advisory_db"] = args.advisory_db
    return overrides


def _load(args: argparse.Namespace) -> Config:
    return config_mod.load(args.root or Path.cwd(), args.config)


def _stages(config: Config, requested: list[str]) -> tuple[list[str], set[str]]:
    """The stages to run, and those of them the user asked for (a skip of one of those is an error).

    A stage named on the command line is asked for; ``all`` means the defaults (a stage that does not
    apply is then "not applicable"), unless the configuration's ``run`` list names stages explicitly.
    """
    from .registry import stage_names

    names: list[str] = []
    asked: set[str] = set()
    for name in requested:
        expanded = config.selected_stages if name == "all" else [name]
        if name != "all":
            asked.add(name)
        elif config.settings.run:
            asked.update(config.settings.run)
        for stage in expanded:
            if stage not in stage_names():
                raise ConfigError(f"command line: unknown stage {stage!r} (known: {', '.join(stage_names())}, all)")
            if stage not in names:
                names.append(stage)
    return names, asked


def load_suppressions(config: Config) -> list[suppressions.Suppression]:
    return suppressions.load(config.resolve(config.settings.suppressions_file), today=dt.date.today(),
                             max_days=config.settings.max_suppression_days)


def base_ref(args: argparse.Namespace, auto: bool = True) -> str:
    """The base branch: --base, else (when ``auto``) a pull_request event's base, else ''."""
    return str(args.base or (policy_changes.base_ref_from_env(dict(os.environ)) if auto else ""))


def policy_review(config: Config, args: argparse.Namespace, auto: bool = True) -> PolicyReview | None:
    """The comparison with the base branch: --base, else (when ``auto``) a pull_request event's base."""
    ref = base_ref(args, auto)
    if not ref:
        return None
    return policy_changes.review(config, ref, approved_flag=bool(args.policy_approved))


def pr_mode_base(args: argparse.Namespace) -> str:
    """The base ref PR mode measures the change against ('' for a full scan): --base, else a
    pull_request event's base branch, unless --full."""
    if args.full:
        return ""
    return str(args.base or policy_changes.base_ref_from_env(dict(os.environ)))


def decide(config: Config, results: list[StageResult], expected: list[str] | None = None, *,
           requested: set[str] | None = None, review: PolicyReview | None = None,
           prov: dict[str, str] | None = None) -> Verdict:
    from .acceptances import RepositoryAcceptances

    sups = load_suppressions(config)
    base = baseline_mod.load(config.resolve(config.settings.baseline_file))
    return policy.evaluate(results, config, sups, base, today=dt.date.today(), expected=expected,
                           requested=requested or set(), acceptance=RepositoryAcceptances(config),
                           review=review, provenance=prov)


def _report(config: Config, verdict: Verdict, out_dir: Path, quiet: bool, base: str = "") -> int:
    try:
        from .change_scope import for_verdict
        from .reporters import write_all
        from .reporters.base import ReportContext

        changes, why_not = for_verdict(config, base, verdict)  # once, for every reporter
        if why_not:
            verdict.notes.append(why_not)
        ctx = ReportContext(out_dir=out_dir, root=config.root, top_findings=config.settings.top_findings,
                            sarif_include_hints=config.settings.sarif_include_hints, changes=changes,
                            stdout=open(os.devnull, "w", encoding="utf-8") if quiet else sys.stdout)  # noqa: SIM115
        write_all(verdict, ctx)
    except Exception as exc:  # a reporter failure must not turn a failing verdict into a pass
        emit(f"pipeline: error: writing reports failed: {type(exc).__name__}: {exc}")
        return max(verdict.exit_code, EXIT_ERROR)
    return verdict.exit_code


def cmd_run(args: argparse.Namespace) -> int:
    from .engine import apply_overrides, run_stages, validate_stages
    from .progress import choose

    config = _load(args)
    prov = provenance.current(config)  # before --set: the hash is of the configuration file's policy
    apply_overrides(config, _settings(args))
    stages, asked = _stages(config, args.stages)
    validate_stages(config, stages)
    out_dir = (args.out or config.resolve(config.settings.reports_dir)).resolve()
    # Read suppressions, baseline and the base branch's policy before scanning: a typo there should
    # not cost a full scan. Stage-only jobs (--no-verdict) compare with the base only when told to.
    load_suppressions(config)
    baseline_mod.load(config.resolve(config.settings.baseline_file))
    review = policy_review(config, args, auto=not args.no_verdict)
    with outdir.claim(out_dir) as folder:  # exclusive for the whole run: two runs never mix reports
        if prov["run_id"].startswith("local-"):
            prov = {**prov, "run_id": folder.run_id}  # no CI run to bind to: the folder lock's id is this run's
        outdir.remove_stale(folder, stages)  # nothing of an earlier run can pass for this one's
        results = run_stages(config, stages, out_dir, choose(args.quiet), open_result_cache(args, config.root),
                             base_ref=pr_mode_base(args))
        # Every scanner process is dead now (run_stages kills what they left): only now write, after
        # removing again whatever a scanner may have planted where this run's reports go.
        outdir.remove_stale(folder, stages)
        verdict = decide(config, results, requested=asked, review=review, prov=prov)
        by_stage = {s.stage: s for s in verdict.stages}
        for result in results:
            # The report records what the policy decided (the verdict derives it again from the tool runs).
            decided = by_stage[result.stage]
            report_io.write_stage_report(replace(result, status=decided.status, reason=decided.reason or result.reason),
                                         out_dir, prov, requested=result.stage in asked)
        if args.no_verdict:
            return verdict.exit_code
        return _report(config, verdict, out_dir / "verdict", args.quiet, base_ref(args))


def _read_reports(paths: list[Path]) -> list[StageResult]:
    return [r.result for r in _read_stage_reports(paths)]


def _read_stage_reports(paths: list[Path]) -> list[report_io.StageReport]:
    results: dict[str, report_io.StageReport] = {}
    for path in paths:
        if not path.exists() and any(ch in str(path) for ch in "*?["):
            # An unexpanded shell glob: no report matched it (every stage job died). --expect turns
            # the missing stages into errors, so this must not stop the verdict from being written.
            emit(f"pipeline: note: no report matches {path}")
            continue
        report = report_io.read_report(path)
        if report is None:
            continue  # a verdict.json caught by a glob is not a stage report
        if report.result.stage in results:
            raise ConfigError(f"{path}: a second report for stage {report.result.stage!r}")
        results[report.result.stage] = report
    return list(results.values())


def cmd_verdict(args: argparse.Namespace) -> int:
    from .registry import stage_names
    from .report_checks import check_reports

    config = _load(args)
    reports = _read_stage_reports(args.reports)
    results = [r.result for r in reports]
    # Reports from other jobs: masked again with this job's credentials and the located values.
    redactor = Redactor.for_run(config.root, [f for r in results for f in r.findings])
    results = [redactor.stage(r) for r in results]
    unknown = [r.stage for r in results if r.stage not in stage_names()]
    if unknown:
        raise ConfigError(f"stage report for unknown stage {unknown[0]!r}")
    expect = [s.strip() for s in args.expect.split(",") if s.strip()]
    bad = [s for s in expect if s not in stage_names()]
    if bad:
        raise ConfigError(f"command line: --expect: unknown stage {bad[0]!r}")
    if not results and not expect:
        raise ConfigError("no stage reports given")
    prov = provenance.check([(r.path, r.provenance) for r in reports], config)
    check_reports(results, config)
    # Every stage the configuration runs must have a report, --expect or not; a stage is asked for
    # when --expect or an explicit `run` list names it, or when its own run was told to run it.
    expected = list(dict.fromkeys([*expect, *config.selected_stages]))
    asked = set(expect) | set(config.settings.run) | {r.result.stage for r in reports if r.requested}
    verdict = decide(config, results, expected, requested=asked, review=policy_review(config, args), prov=prov)
    out_dir = (args.out or config.resolve(config.settings.reports_dir) / "verdict").resolve()
    return _report(config, verdict, out_dir, args.quiet, base_ref(args))


def cmd_baseline_update(args: argparse.Namespace) -> int:
    config = _load(args)
    if args.reports:
        results = _read_reports(args.reports)
    else:
        from .engine import run_stages
        from .progress import choose

        results = run_stages(config, config.selected_stages, config.resolve(config.settings.reports_dir), choose(args.quiet))
    broken = [(r.stage, reason) for r in results for status, reason in [policy.tool_run_status(r)]
              if status is Status.ERROR]
    if broken:
        # A baseline taken from a scan that did not complete would silently accept less than it should.
        for stage, reason in broken:
            emit(f"pipeline: error: stage {stage} is in error, baseline not updated: {reason}")
        return EXIT_ERROR
    # Only what the suppressions file does not already cover, and what tools have not themselves accepted.
    from .acceptances import RepositoryAcceptances

    sups = load_suppressions(config)
    verdict = policy.evaluate(results, config, sups, baseline_mod.Baseline(), today=dt.date.today(),
                              acceptance=RepositoryAcceptances(config))
    accepted = {
        s.stage: [f.finding for f in s.findings if f.disposition.value == "new"] for s in verdict.stages
    }
    path = config.resolve(config.settings.baseline_file)
    new = baseline_mod.build(accepted, keep=baseline_mod.load(path))
    baseline_mod.save(new, path)
    total = sum(e.count for e in new.entries)
    emit(f"pipeline: baseline {path} now accepts {total} finding(s) in {len(new.entries)} entr(y/ies)", sys.stdout)
    return 0


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (BaseException, like KeyboardInterrupt: no `except Exception` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# If unwinding after an interruption ever stalls, the process still ends this many seconds later.
_INTERRUPT_DEADLINE_S = 10.0


_watchdogs: list[threading.Timer] = []


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    if runner.aborting():
        return  # already shutting down; a second Ctrl-C changes nothing
    runner.abort_all()  # first, so every scanner dies within seconds whatever the main thread does
    timer = threading.Timer(_INTERRUPT_DEADLINE_S, os._exit, args=(128 + signum,))
    timer.daemon = True
    timer.start()
    _watchdogs.append(timer)
    raise Interrupted(signum)


def _install_signal_handlers() -> list[tuple[int, Any]]:
    """Our handlers for SIGINT and SIGTERM; returns the previous ones (an in-process caller gets them back)."""
    if threading.current_thread() is not threading.main_thread():
        return []
    previous: list[tuple[int, Any]] = [(signum, signal.getsignal(signum)) for signum in (signal.SIGINT, signal.SIGTERM)]
    for signum, _handler in previous:
        signal.signal(signum, _on_signal)
    return previous


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        from .credentials import protect_process

        protect_process()  # the real command line: re-exec without credentials, before anything else
    parser = build_parser()
    args = parser.parse_args(argv)
    previous_handlers = _install_signal_handlers()
    try:
        return _dispatch(parser, args)
    finally:
        for signum, handler in previous_handlers:
            signal.signal(signum, handler)
        while _watchdogs:  # we got here in time: an in-process caller lives on
            _watchdogs.pop().cancel()
        runner.end_abort()


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "verdict":
            return cmd_verdict(args)
        if args.command == "baseline" and getattr(args, "baseline_command", None) == "update":
            return cmd_baseline_update(args)
        if args.command in ("advisories", "stages", "init", "comment") and hasattr(args, "func"):
            return int(args.func(args))
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:
        emit(f"pipeline: configuration error: {exc}")
        return EXIT_CONFIG
    except HarnessError as exc:  # a scan or verdict that cannot be trusted: exit 2, one line
        emit(f"pipeline: error: {exc}")
        return exc.exit_code
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        print(f"pipeline: interrupted by {name}: every scanner was killed; this run is incomplete and wrote no verdict",
              file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pipeline: interrupted: every scanner was killed; this run is incomplete and wrote no verdict", file=sys.stderr)
        return 130
    except Exception as exc:  # pylint: disable=broad-exception-caught  # a crash is an error, printed safely
        # One line (exit 2, never a traceback with exit 1). The traceback only on request: its lines
        # carry the exception's text raw (a file name, a URL with a token), so each goes through the
        # same redaction and escaping as every other line.
        if os.environ.get(DEBUG_ENV):
            for line in traceback.format_exc().rstrip().splitlines():
                emit(line)
        emit(f"pipeline: error: internal error: {type(exc).__name__}: {exc}"
             + ("" if os.environ.get(DEBUG_ENV) else f" (set {DEBUG_ENV}=1 for the traceback)"))
        return EXIT_ERROR

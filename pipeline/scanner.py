"""The one interface every scanner adapter implements, and the shared machinery behind it.

An adapter answers four questions, each in one method:

* ``plan(ctx) -> Plan``: what to run over which inputs (or why not to run at all);
* ``commands(plan) -> [Command]``: the argument lists (one, or several: pip-audit audits in layers);
* ``parse(plan, outcome) -> Parsed``: the findings *and* the tool's positive evidence of what it
  scanned (``Coverage``), or an explicit statement that the tool gives none. Output that cannot be
  trusted raises ScanError; a problem that leaves the findings real (one pin skipped) is returned
  as ``Parsed.error`` beside them, and the remaining commands still run;
* optionally ``finish(plan, parsed)``, checks that need every command's result.

Everything else lives here, once: finding the executable and its version, the timeout, the scrubbed
environment, turning crashes, hangs, garbage and unexpected exit codes into a named error, and the
coverage check (every input of the plan must show up as scanned). No adapter overrides ``scan``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import cached_scan, runner
from .cache_keys import InputDigests
from .errors import ScanError
from .files import FileSet
from .model import Finding, Status, ToolRun
from .options import NoSettings, StageConfig
from .result_cache import ResultCache

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")

__all__ = ["ScanError", "ScanContext", "ScanOutput", "Scanner", "CommandScanner", "Plan", "Command", "Outcome",
           "Coverage", "Parsed", "load_json", "require", "missing_from"]


@dataclass
class ScanContext:
    """Everything a scanner may read: the tree, its files, its settings and a private scratch folder."""

    root: Path
    stage: str
    stage_config: StageConfig  # the stage's validated settings and its scanners' (config.stage_config)
    files: FileSet
    work_dir: Path
    timeout: float
    artifacts_dir: Path  # where a stage may leave extra artifacts (reports/<stage>/)
    # Called with a short line to show progress beyond "started"/"finished" (optional).
    note: Callable[[str], None] = field(default=lambda _msg: None)
    # The exact result cache (pipeline/cached_scan.py), or None: every tool runs on every input.
    cache: ResultCache | None = None
    # PR mode: ``files`` is part of the tree, so checks that compare the whole tree with itself
    # (pylint's duplicate-code, cyclic-import) cannot be exact and are off (pipeline/pr_mode.py).
    partial: bool = False
    # PR mode, pylint: files of ``files`` handed over only so that the tool resolves imports as a full
    # scan would (one file per package root builds pylint's sys.path); not analysed, no coverage asked.
    path_hints: frozenset[str] = frozenset()

    def settings(self, kind: type[T]) -> T:
        """The typed settings of this type: the stage's (``DepsSettings``) or a scanner's (``ZapSettings``)."""
        return self.stage_config.of(kind)

    @property
    def options(self) -> Mapping[str, Any]:
        """Read-only ``{key: value}`` of the stage's options (transition: read ``settings(...)`` attributes)."""
        return self.stage_config.values


@dataclass
class ScanOutput:
    run: ToolRun
    findings: list[Finding] = field(default_factory=list)
    # JSON artifacts (path -> data) the engine writes once the run's redaction is known: a scanner
    # never writes raw tool data to the report folder itself.
    artifacts: dict[Path, Any] = field(default_factory=dict)


class Scanner(Protocol):
    """A scanner adapter. Register an instance in ``pipeline/registry.py``.

    Optionally it defines ``validate(root, stage_config)``, raising ConfigError for a bad configuration
    file of its own; the CLI calls it before any stage runs (exit code 3).
    """

    name: str
    stage: str
    distribution: str

    @property
    def settings_type(self) -> type[DataclassInstance]: ...  # read-only, so an adapter's own dataclass fits

    def scan(self, ctx: ScanContext) -> ScanOutput: ...


# --- the protocol's values -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One tool run decided before anything starts: the inputs it must cover, or why it does not run."""

    ctx: ScanContext
    # What the tool must show it scanned: repo-relative paths (or `name==version` pins for the deps tools).
    inputs: tuple[str, ...] = ()
    skip: str = ""  # non-empty: do not run, for this reason
    executable: str = ""  # filled in by the base class once the tool is found
    state: Any = None  # the adapter's own per-run data (instrumented copies, pins, a mirror URL...)

    @property
    def options(self) -> Mapping[str, Any]:  # transition: read plan.ctx.settings(...) attributes
        return self.ctx.options


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None  # default: the scanned root
    label: str = ""  # which part of the plan this is (pip-audit's "set 2 of 3")
    state: Any = None  # per-command data parse() needs (the pins of one layer)


@dataclass(frozen=True)
class Outcome:
    """A finished command: what ran and what it printed."""

    command: Command
    process: runner.ProcessOutcome

    @property
    def stdout(self) -> str:
        return self.process.stdout

    @property
    def stderr(self) -> str:
        return self.process.stderr

    @property
    def exit_code(self) -> int | None:
        return self.process.exit_code


@dataclass(frozen=True)
class Coverage:
    """A tool's positive evidence of what it scanned, or the explicit statement that it gives none."""

    scanned: frozenset[str] | None
    no_evidence: str = ""  # why this tool cannot show what it scanned (then ``scanned`` is None)

    @classmethod
    def of(cls, items: Iterable[str]) -> Coverage:
        return cls(frozenset(items))

    @classmethod
    def none(cls, why: str) -> Coverage:
        if not why.strip():
            raise ValueError("a tool without coverage evidence must say why")
        return cls(None, why)

    def union(self, other: Coverage) -> Coverage:
        if self.scanned is None or other.scanned is None:
            return self if self.scanned is None else other
        return Coverage(self.scanned | other.scanned)


@dataclass(frozen=True)
class Parsed:
    findings: list[Finding]
    covered: Coverage
    details: Mapping[str, Any] = field(default_factory=dict)
    # A problem found after the findings were established (finish()): the run is an error, and the
    # findings and details stay in the report beside it. An error adds; it never hides.
    error: str = ""

    def combine(self, other: Parsed) -> Parsed:
        details = dict(self.details)
        for key, value in other.details.items():
            if isinstance(value, list) and isinstance(details.get(key), list):
                details[key] = [*details[key], *value]
            elif isinstance(value, int) and isinstance(details.get(key), int) and not isinstance(value, bool):
                details[key] = details[key] + value
            else:
                details.setdefault(key, value)
        return Parsed([*self.findings, *other.findings], self.covered.union(other.covered), details,
                      "; ".join(filter(None, [self.error, other.error])))


# --- pinned versions ------------------------------------------------------------------------------

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)\s*;\s*extra\s*==\s*[\"']scanners[\"']")


def pinned_versions() -> dict[str, str]:
    """The scanner versions this harness pins (its ``scanners`` extra), by distribution name."""
    try:
        requires = metadata.requires("secure-pipeline") or []
    except metadata.PackageNotFoundError:
        return {}
    pins: dict[str, str] = {}
    for requirement in requires:
        match = _PIN.match(requirement)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def _version_from_metadata(dist: str, executable: str) -> str:
    """Read the version of the installed distribution when the executable belongs to this environment."""
    try:
        if Path(executable).resolve().parent == Path(sys.executable).resolve().parent or Path(
            executable
        ).parent == Path(sys.executable).parent:
            return metadata.version(dist)
    except (metadata.PackageNotFoundError, OSError):
        pass
    return ""


# --- what a crash looks like ------------------------------------------------------------------------

_TRACEBACK = "Traceback (most recent call last):"
_PANIC = re.compile(r"thread '[^']*' panicked at")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|Fault)\b.*|^[A-Za-z_][\w.]*: .+")


def crash_cause(stderr: str) -> str:
    """'crashed: ValueError: ...' when stderr holds a Python traceback or a Rust panic, else ''."""
    if _TRACEBACK in stderr:
        tail = stderr[stderr.rindex(_TRACEBACK):].splitlines()[1:]
        lines = [line.strip() for line in tail if line.strip() and not line.startswith((" ", "\t"))]
        exception = next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line)), lines[-1] if lines else "")
        return f"crashed with a Python traceback: {exception[:200] or 'no exception line'}"
    panic = _PANIC.search(stderr)
    if panic:
        rest = stderr[panic.start():].splitlines()
        reason = next((line.strip() for line in rest[1:] if line.strip()), rest[0])
        return f"crashed (panic): {reason[:200]}"
    return ""


class CommandScanner:
    """Base for adapters that run external commands and parse their output.

    Subclasses set ``name``, ``stage``, ``executable`` and ``distribution`` and implement ``plan``,
    ``argv`` (or ``commands``) and ``parse``. ``ok_exit_codes`` lists the exit codes the tool
    documents for a completed scan (with or without findings); anything else is an error.
    """

    name: str = ""
    stage: str = ""
    executable: str = ""
    distribution: str = ""  # the PyPI distribution, for its version and its pin
    ok_exit_codes: frozenset[int] = frozenset({0})
    env_passthrough: tuple[str, ...] = ()
    # The frozen dataclass of this scanner's own options (fields with setting(default, doc)).
    settings_type: type[DataclassInstance] = NoSettings
    # Seconds the `--version` probe may take; it also counts against the tool's own timeout.
    version_timeout: float = 30.0
    # A boolean option that must be true for the tool to run (an optional tool such as ruff), or "".
    enable_option: str = ""
    # How much CPU the tool usually takes next to the others (1 = the cheap ones): the engine starts
    # the costliest first.
    relative_cost: int = 1
    # How its results are cached (pipeline/cached_scan.py): "file" (one entry per input file), "run"
    # (one entry for the whole plan) or "" (never: a live target, data without an identity).
    cache_granularity: str = ""
    # For "file": whether the run over the misses still gets the hits, as path hints (pylint, whose
    # sys.path comes from every file it is given), instead of only the misses.
    cache_hits_as_path_hints: bool = False

    # --- what subclasses implement -------------------------------------------------------------
    def plan(self, ctx: ScanContext) -> Plan:
        raise NotImplementedError

    def problem(self, finding: Finding) -> str | None:
        """The tool-independent name of the problem a finding reports, for merging duplicates, or None."""
        return None

    def argv(self, plan: Plan) -> list[str]:
        raise NotImplementedError

    def commands(self, plan: Plan) -> list[Command]:
        return [Command(self.argv(plan), env=self.extra_env(plan))]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        """Findings plus coverage; raise ScanError when the output cannot be trusted."""
        raise NotImplementedError

    def finish(self, plan: Plan, parsed: Parsed) -> Parsed:
        """Checks over every command's result (default: none). Raise ScanError to fail closed."""
        return parsed

    @contextmanager
    def session(self, plan: Plan) -> Iterator[Plan]:
        """What must live while the commands run (pip-audit's local advisory mirror); default: nothing."""
        yield plan

    def extra_env(self, plan: Plan) -> dict[str, str]:
        return {}

    # --- what the result cache must know beyond the inputs' contents (pipeline/cached_scan.py) ---
    def cache_key_parts(self, plan: Plan) -> Mapping[str, str] | None:
        """What else this plan's results depend on (an advisory snapshot's digest), or None: do not cache this run."""
        return {}

    def cache_context(self, plan: Plan, path: str, digests: InputDigests) -> str | None:
        """For "file" caching: what else ``path``'s result depends on besides its own content ('' for nothing;
        None: not cacheable). A cross-module tool returns the digest of the modules it reads."""
        return ""

    def cache_files(self, plan: Plan) -> Iterable[str]:
        """For "run" caching: every file whose content the run's result may depend on."""
        return plan.ctx.files.all

    def crash_meaning(self, outcome: Outcome) -> str:
        """What a crash of this tool means, when the adapter knows its exceptions (pip-audit's service errors)."""
        return ""

    def exit_problem(self, outcome: Outcome) -> str:
        """Why this exit code means the scan did not complete, or ''."""
        if outcome.exit_code not in self.ok_exit_codes:
            return f"exited with code {outcome.exit_code}, which it uses for a crash or usage error"
        return ""

    # --- shared machinery ----------------------------------------------------------------------
    def resolve(self) -> str | None:
        """The executable from PATH, else from this interpreter's environment (a venv not on PATH)."""
        found = shutil.which(self.executable)
        if found is None:
            found = shutil.which(self.executable, path=str(Path(sys.executable).parent))
        return found

    def version(self, executable: str, timeout: float | None = None) -> str:
        found = _version_from_metadata(self.distribution or self.executable, executable)
        if found:
            return found
        limit = self.version_timeout if timeout is None else min(timeout, self.version_timeout)
        outcome = runner.run([executable, "--version"], cwd=Path.cwd(), timeout=max(limit, 1.0))
        text = (outcome.stdout or outcome.stderr).strip().splitlines()
        return text[0][:100] if text and outcome.exit_code == 0 else "unknown"

    def error(self, run: ToolRun, message: str, outcome: Outcome | None = None,
              findings: list[Finding] | None = None) -> ScanOutput:
        """An error run. Findings established before the error are kept: an error adds, never hides."""
        run.status = Status.ERROR
        run.error = f"{self.name}: {message}"
        if outcome is not None:
            run.stderr_tail = outcome.process.stderr_tail()
        return ScanOutput(run, findings or [])

    def _pin_note(self, run: ToolRun) -> None:
        pinned = pinned_versions().get((self.distribution or self.executable).lower())
        if pinned and run.version not in ("", "unknown") and pinned not in run.version:
            run.details.setdefault("notes", []).append(
                f"{self.name}: version {run.version} is not the pinned {pinned}; results may differ from CI's")

    def scan(self, ctx: ScanContext) -> ScanOutput:
        run = ToolRun(tool=self.name, status=Status.PASSED)
        started = time.monotonic()
        try:
            plan = self.plan(ctx)
        except ScanError as exc:
            return self.error(run, str(exc))
        if plan.skip:
            run.status = Status.SKIPPED
            run.reason = plan.skip
            return ScanOutput(run)
        executable = self.resolve()
        if executable is None:
            return self.error(run, f"`{self.executable}` is not installed (not found on PATH)")
        run.version = self.version(executable, ctx.timeout)
        self._pin_note(run)
        plan = replace(plan, executable=executable)
        cached = cached_scan.look_up(self, ctx.cache, plan, run.version)
        ran: Plan = plan
        if cached is not None and cached.hits and not cached.complete:
            narrowed = cached.plan_for_misses()
            if narrowed is None:
                cached.hits.clear()  # the adapter cannot plan the misses alone: scan everything
            else:
                ran = narrowed
        fresh: Parsed | None = None
        if cached is not None and cached.complete:
            parsed = cached.cached_parsed()
        else:
            result = self._run_plan(run, ran, started)
            if isinstance(result, ScanOutput):
                if cached is not None and cached.hits:
                    result.findings.extend(cached.cached_parsed().findings)  # an error adds, never hides
                self._cache_notes(run, cached)
                return result
            fresh = result
            parsed = cached.combine(fresh) if cached is not None and cached.hits else fresh
        run.duration_s = round(time.monotonic() - started, 3)
        gap = self._coverage_gap(plan, parsed.covered)
        if cached is not None and fresh is not None and not gap and not parsed.error:
            cached.store(ran, fresh)
        self._cache_notes(run, cached)
        return self._output(run, plan, parsed, gap)

    def _output(self, run: ToolRun, plan: Plan, parsed: Parsed, gap: str) -> ScanOutput:
        """The run's report: its details and notes, its findings in input order, or the error."""
        details = dict(parsed.details)
        details.pop(cached_scan.BY_INPUT, None)
        notes = list(details.pop("notes", []))
        run.details.setdefault("notes", []).extend(notes)
        if not run.details["notes"]:
            del run.details["notes"]
        run.details.update(details)
        if parsed.covered.scanned is None:
            run.details["coverage"] = f"no evidence: {parsed.covered.no_evidence}"
        findings = parsed.findings
        if self.cache_granularity == cached_scan.FILE:
            # One order whether the findings came from one run or from the cache and a run over the misses.
            findings = cached_scan.order_by_input(findings, plan.inputs)
        if parsed.error or gap:
            return self.error(run, "; ".join(filter(None, [gap, parsed.error])), None, findings)
        return ScanOutput(run, findings)

    def _run_plan(self, run: ToolRun, plan: Plan, started: float) -> Parsed | ScanOutput:
        """Run the plan's commands and parse them: the combined result, or the error output."""
        ctx = plan.ctx
        parsed: Parsed | None = None
        try:
            with self.session(plan) as plan:
                for command in self.commands(plan):
                    budget = ctx.timeout - (time.monotonic() - started)
                    if budget <= 0:
                        return self.error(run, f"timed out after {ctx.timeout:g}s (its whole budget)", None,
                                          parsed.findings if parsed else None)
                    outcome = self._execute(run, command, ctx, budget)
                    problem = self._problem(outcome, ctx)
                    if problem:
                        return self.error(run, problem, outcome, parsed.findings if parsed else None)
                    try:
                        part = self.parse(plan, outcome)
                    except ScanError as exc:
                        return self.error(run, str(exc), outcome, parsed.findings if parsed else None)
                    parsed = part if parsed is None else parsed.combine(part)
                if parsed is None:
                    return self.error(run, "the plan had no command to run (adapter bug)")
                return self.finish(plan, parsed)
        except ScanError as exc:
            return self.error(run, str(exc), None, parsed.findings if parsed else None)
        finally:
            run.duration_s = round(time.monotonic() - started, 3)

    def _cache_notes(self, run: ToolRun, cached: cached_scan.CachedPart | None) -> None:
        """Say how much came from the cache, and every entry it discarded."""
        if cached is None:
            return
        run.details["cache"] = cached.summary()
        lines = list(cached.notes)
        if cached.hits:
            lines.insert(0, f"{self.name}: {cached.summary()}")
            cached.plan.ctx.note(cached.summary())
        if lines:
            run.details.setdefault("notes", []).extend(lines)

    def _execute(self, run: ToolRun, command: Command, ctx: ScanContext, budget: float) -> Outcome:
        if not run.command:
            run.command = [Path(command.argv[0]).name, *command.argv[1:]]
        process = runner.run(
            command.argv,
            cwd=command.cwd or ctx.root,
            timeout=budget,
            passthrough_env=self.env_passthrough,
            extra_env=dict(command.env),
        )
        # The first exit code that is not 0 tells the most (findings, or the failure).
        if run.exit_code in (None, 0):
            run.exit_code = process.exit_code
        # What the tool cost the machine, summed over its commands (the benchmark and the summary show it).
        if process.cpu_s is not None:
            run.details["cpu_s"] = round(float(run.details.get("cpu_s", 0.0)) + process.cpu_s, 3)
        if process.max_rss_kb is not None:
            run.details["max_rss_kb"] = max(int(run.details.get("max_rss_kb", 0)), process.max_rss_kb)
        return Outcome(command, process)

    def _problem(self, outcome: Outcome, ctx: ScanContext) -> str:
        """Why this finished process cannot be trusted at all, or ''."""
        process = outcome.process
        label = f" ({outcome.command.label})" if outcome.command.label else ""
        if process.not_found:
            return f"could not start `{process.argv[0]}`"
        if process.timed_out:
            return f"timed out after {ctx.timeout:g}s{label}; its process group was killed"
        if process.killed_by_signal:
            return f"was killed by signal {process.killed_by_signal}{label}"
        crash = crash_cause(process.stderr)
        if crash:
            meaning = self.crash_meaning(outcome)
            return f"{meaning + ': ' if meaning else ''}{crash} (exit code {process.exit_code}){label}"
        problem = self.exit_problem(outcome)
        return f"{problem}{label}" if problem else ""

    def _coverage_gap(self, plan: Plan, covered: Coverage) -> str:
        """The inputs the tool did not show it scanned, as an error message ('' when all are covered)."""
        if covered.scanned is None:
            return ""
        missing = missing_from(plan.inputs, covered.scanned)
        if not missing:
            return ""
        count = len(set(plan.inputs) - covered.scanned)
        return f"did not scan {count} of the {len(set(plan.inputs))} input(s) it was given: {missing}"


def load_json(text: str, what: str) -> Any:
    """Parse a tool's JSON output or raise a ScanError that says what was wrong with it."""
    if not text.strip():
        raise ScanError(f"printed no {what} (empty output)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        snippet = text.strip()[:60].replace("\n", " ")
        raise ScanError(f"printed output that is not valid {what} ({exc.msg} at line {exc.lineno}; starts {snippet!r})") from exc


def require(condition: object, message: str) -> None:
    """Fail closed when output does not match the tool's documented shape."""
    if not condition:
        raise ScanError(message)


def missing_from(expected: Iterable[str], seen: Iterable[str], limit: int = 5) -> str:
    """A short list of expected items that the tool did not report having scanned ('' when none)."""
    missing = sorted(set(expected) - set(seen))
    if not missing:
        return ""
    shown = ", ".join(missing[:limit])
    more = f" and {len(missing) - limit} more" if len(missing) > limit else ""
    return f"{shown}{more}"

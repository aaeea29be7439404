"""The one interface every scanner adapter implements, and the shared machinery behind it.

An adapter says which command to run and how to read what it printed; everything else (finding the
executable, the timeout, the scrubbed environment, turning crashes, hangs, garbage and unexpected
exit codes into a named error) lives here, once.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from . import runner
from .files import FileSet
from .model import Finding, Status, ToolRun
from .options import Option


class ScanError(Exception):
    """The tool ran but its result cannot be trusted; the message says why, in one line."""


@dataclass
class ScanContext:
    """Everything a scanner may read: the tree, its files, its options and a private scratch folder."""

    root: Path
    stage: str
    options: dict[str, Any]
    files: FileSet
    work_dir: Path
    timeout: float
    artifacts_dir: Path  # where a stage may leave extra artifacts (reports/<stage>/)
    # Called with a short line to show progress beyond "started"/"finished" (optional).
    note: Callable[[str], None] = field(default=lambda _msg: None)


@dataclass
class ScanOutput:
    run: ToolRun
    findings: list[Finding] = field(default_factory=list)


class Scanner(Protocol):
    """A scanner adapter. Register an instance in ``pipeline/registry.py``.

    Optionally it defines ``validate(root, options)``, raising ConfigError for a bad configuration
    file of its own; the CLI calls it before any stage runs (exit code 3).
    """

    name: str
    stage: str
    options: tuple[Option, ...]

    def scan(self, ctx: ScanContext) -> ScanOutput: ...


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


class CommandScanner:
    """Base for adapters that run one external command and parse its output.

    Subclasses set ``name``, ``stage``, ``executable`` and ``distribution`` and implement
    :meth:`argv` and :meth:`parse`. ``ok_exit_codes`` lists the exit codes the tool documents for a
    completed scan (with or without findings); anything else is an error.
    """

    name: str = ""
    stage: str = ""
    executable: str = ""
    distribution: str = ""  # the PyPI distribution, for its version
    ok_exit_codes: frozenset[int] = frozenset({0})
    env_passthrough: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()

    # --- what subclasses implement -------------------------------------------------------------
    def skip_reason(self, ctx: ScanContext) -> str:
        """A reason not to run at all (nothing to scan, not configured), or '' to run."""
        return ""

    def argv(self, ctx: ScanContext, executable: str) -> list[str]:
        raise NotImplementedError

    def parse(self, outcome: runner.ProcessOutcome, ctx: ScanContext) -> tuple[list[Finding], dict[str, Any]]:
        """Findings plus JSON-safe details for the report; raise ScanError when the output cannot be trusted."""
        raise NotImplementedError

    def extra_env(self, ctx: ScanContext) -> dict[str, str]:
        return {}

    # --- shared machinery ----------------------------------------------------------------------
    def resolve(self) -> str | None:
        """The executable from PATH, else from this interpreter's environment (a venv not on PATH)."""
        found = shutil.which(self.executable)
        if found is None:
            found = shutil.which(self.executable, path=str(Path(sys.executable).parent))
        return found

    def version(self, executable: str, timeout: float = 30.0) -> str:
        found = _version_from_metadata(self.distribution or self.executable, executable)
        if found:
            return found
        outcome = runner.run([executable, "--version"], cwd=Path.cwd(), timeout=timeout)
        text = (outcome.stdout or outcome.stderr).strip().splitlines()
        return text[0][:100] if text and outcome.exit_code == 0 else "unknown"

    def error(self, run: ToolRun, message: str, outcome: runner.ProcessOutcome | None = None) -> ScanOutput:
        run.status = Status.ERROR
        run.error = f"{self.name}: {message}"
        if outcome is not None:
            run.stderr_tail = outcome.stderr_tail()
        return ScanOutput(run)

    def scan(self, ctx: ScanContext) -> ScanOutput:
        run = ToolRun(tool=self.name, status=Status.PASSED)
        reason = self.skip_reason(ctx)
        if reason:
            run.status = Status.SKIPPED
            run.reason = reason
            return ScanOutput(run)
        executable = self.resolve()
        if executable is None:
            return self.error(run, f"`{self.executable}` is not installed (not found on PATH)")
        budget_started = time.monotonic()  # the --version probe spends the tool's own budget
        run.version = self.version(executable, timeout=min(30.0, ctx.timeout))
        try:
            argv = self.argv(ctx, executable)
        except ScanError as exc:
            return self.error(run, str(exc))
        run.command = [Path(argv[0]).name, *argv[1:]]
        started = time.monotonic()
        outcome = runner.run(
            argv,
            cwd=ctx.root,
            timeout=max(0.1, ctx.timeout - (time.monotonic() - budget_started)),
            passthrough_env=self.env_passthrough,
            extra_env=self.extra_env(ctx),
        )
        run.duration_s = round(time.monotonic() - started, 3)
        run.exit_code = outcome.exit_code
        return self.interpret(run, outcome, ctx)

    def interpret(self, run: ToolRun, outcome: runner.ProcessOutcome, ctx: ScanContext) -> ScanOutput:
        """Turn a finished process into a trusted result or a named error."""
        if outcome.not_found:
            return self.error(run, f"could not start `{outcome.argv[0]}`", outcome)
        if outcome.timed_out:
            return self.error(run, f"timed out after {ctx.timeout:g}s; its process group was killed", outcome)
        if outcome.killed_by_signal:
            return self.error(run, f"was killed by signal {outcome.killed_by_signal}", outcome)
        if outcome.exit_code not in self.ok_exit_codes:
            return self.error(run, f"exited with code {outcome.exit_code}, which it uses for a crash or usage error", outcome)
        try:
            findings, details = self.parse(outcome, ctx)
        except ScanError as exc:
            return self.error(run, str(exc), outcome)
        run.details.update(details)
        for finding in findings:
            finding.found_by = finding.found_by or (self.name,)
        return ScanOutput(run, findings)


def load_json(text: str, what: str) -> Any:
    """Parse a tool's JSON output or raise a ScanError that says what was wrong with it."""
    if not text.strip():
        raise ScanError(f"printed no {what} (empty output)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        snippet = text.strip()[:60].replace("\n", " ")
        raise ScanError(f"printed output that is not valid {what} ({exc.msg} at line {exc.lineno}; starts {snippet!r})") from exc


def require(condition: bool, message: str) -> None:
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

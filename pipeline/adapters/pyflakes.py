"""pyflakes, which has no structured output: ``path:line:col: message`` on stdout, errors on stderr.

Paths may contain ``:``, so a line is attributed by matching it against the exact file list we
passed, not by splitting. The message kind (``UnusedImport``...) is recovered from pyflakes' own
message templates; flake8's F-codes are kept beside it. Anything pyflakes writes to stderr is a
file it could not check (syntax error, unreadable file), which fails closed. pyflakes is never
called without files, because then it silently lints standard input.

pyflakes prints nothing about a clean file, so it runs on instrumented copies (``evidence.canary``):
each copy ends with an unused canary import, and a file whose canary pyflakes did not report was
not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..evidence import canary
from ..model import Confidence, Finding, Location, Severity
from ..pr_mode import CHANGED
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError

# flake8's codes for pyflakes message classes (FLAKE8_PYFLAKES_CODES).
CODES = {
    "UnusedImport": "F401", "ImportShadowedByLoopVar": "F402", "ImportStarUsed": "F403",
    "LateFutureImport": "F404", "ImportStarUsage": "F405", "ImportStarNotPermitted": "F406",
    "FutureFeatureNotDefined": "F407", "PercentFormatInvalidFormat": "F501",
    "PercentFormatExpectedMapping": "F502", "PercentFormatExpectedSequence": "F503",
    "PercentFormatExtraNamedArguments": "F504", "PercentFormatMissingArgument": "F505",
    "PercentFormatMixedPositionalAndNamed": "F506", "PercentFormatPositionalCountMismatch": "F507",
    "PercentFormatStarRequiresSequence": "F508", "PercentFormatUnsupportedFormatCharacter": "F509",
    "StringDotFormatInvalidFormat": "F521", "StringDotFormatExtraNamedArguments": "F522",
    "StringDotFormatExtraPositionalArguments": "F523", "StringDotFormatMissingArgument": "F524",
    "StringDotFormatMixingAutomatic": "F525", "FStringMissingPlaceholders": "F541",
    "TStringMissingPlaceholders": "F542", "MultiValueRepeatedKeyLiteral": "F601",
    "MultiValueRepeatedKeyVariable": "F602", "TooManyExpressionsInStarredAssignment": "F621",
    "TwoStarredExpressions": "F622", "AssertTuple": "F631", "IsLiteral": "F632",
    "InvalidPrintSyntax": "F633", "IfTuple": "F634", "BreakOutsideLoop": "F701",
    "ContinueOutsideLoop": "F702", "YieldOutsideFunction": "F704", "ReturnOutsideFunction": "F706",
    "DefaultExceptNotLast": "F707", "DoctestSyntaxError": "F721", "ForwardAnnotationSyntaxError": "F722",
    "RedefinedWhileUnused": "F811", "UndefinedName": "F821", "UndefinedExport": "F822",
    "UndefinedLocal": "F823", "UnusedIndirectAssignment": "F824", "DuplicateArgument": "F831",
    "UnusedVariable": "F841", "UnusedAnnotation": "F842", "RaiseNotImplemented": "F901",
}
# Kinds that are certain runtime failures, not just dead code.
HIGH_KINDS = {"UndefinedName", "UndefinedLocal", "UndefinedExport", "ReturnOutsideFunction", "YieldOutsideFunction",
         "BreakOutsideLoop", "ContinueOutsideLoop", "DuplicateArgument", "TwoStarredExpressions"}
_POSITION = re.compile(r":(\d+):(?:(\d+):)? (.*)$")


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching what pyflakes prints for one message template.

    Templates are printf-style (``%r``, ``%s``, ``%d``, ``%(name)r``; ``%%`` is a literal percent
    sign), and UndefinedLocal fills a ``{0}`` slot with ``str.format`` before that.
    """
    parts = re.split(r"(%%|%(?:\(\w+\))?[rsd]|\{0\})", template)
    regex = "".join("%" if part == "%%" else ".+?" if part.startswith(("%", "{")) and part != "%" else re.escape(part)
                    for part in parts)
    return re.compile(f"^{regex}$", re.S)


def message_classes() -> dict[str, str]:
    """pyflakes' own message classes and their templates, by class name."""
    try:
        from pyflakes import messages
    except ImportError:  # the harness can run without pyflakes importable; kinds then stay generic
        return {}
    found = {}
    for name in dir(messages):
        cls = getattr(messages, name)
        template = getattr(cls, "message", None)
        if isinstance(cls, type) and issubclass(cls, messages.Message) and isinstance(template, str) and template:
            found[name] = template
    return found


def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Regexes built from pyflakes' own message classes, most specific first."""
    found = [(_pattern(template), name) for name, template in message_classes().items()]
    found.sort(key=lambda item: -len(item[0].pattern))
    return found


_TEMPLATES = _templates()


def message_kind(text: str) -> str:
    for pattern, name in _TEMPLATES:
        if pattern.match(text):
            return name
    return "PyflakesMessage"


def _attribute(line: str, paths: list[str]) -> tuple[str, re.Match[str]] | None:
    """Which of our files a pyflakes line is about, by longest exact path prefix."""
    for path in paths:
        if line.startswith(path + ":"):
            match = _POSITION.match(line[len(path):])
            if match:
                return path, match
    return None


class Pyflakes(CommandScanner):
    name = "pyflakes"
    stage = "lint"
    # pyflakes checks one file at a time, never reading its imports: PR mode scans the changed files only.
    pr_scope = CHANGED
    executable = "pyflakes"
    distribution = "pyflakes"
    ok_exit_codes = frozenset({0, 1})  # 1 = messages (or a file it could not check, seen on stderr)
    cache_granularity = "file"  # a file's results depend on that file alone (and the configuration)

    def problem(self, finding: Finding) -> str | None:
        # pyflakes' message classes are the lint stage's vocabulary of problems.
        return finding.rule_name if finding.rule_name in CODES else None

    def plan(self, ctx: ScanContext) -> Plan:
        if not ctx.files.python:
            return Plan(ctx, skip="no Python files to check")
        name = f"secure_pipeline_canary_{canary.token()}"
        copies = canary.make(ctx.root, ctx.files.python, ctx.work_dir / "copies", f"import {name}")
        return Plan(ctx, inputs=tuple(ctx.files.python), state=_PyflakesState(copies, f"{name!r} imported but unused"))

    def commands(self, plan: Plan) -> list[Command]:
        state: _PyflakesState = plan.state
        # Run in the copies' folder, so pyflakes prints the same repository-relative paths.
        return [Command([plan.executable, *plan.inputs], cwd=state.copies.folder)]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        state: _PyflakesState = plan.state
        paths = sorted(plan.inputs, key=len, reverse=True)
        problems = []
        for line in outcome.stderr.splitlines():
            hit = _attribute(line, paths)
            if hit:
                problems.append(f"{hit[0]}: {hit[1].group(3)}")
            elif any(line.startswith(p + ": ") for p in paths):
                problems.append(line)
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise ScanError(f"could not check {len(problems)} file(s): {'; '.join(problems[:3])}{more}")
        if outcome.stderr.strip():
            first = outcome.stderr.strip().splitlines()[0]
            raise ScanError(f"wrote unexpected output to stderr: {first[:160]!r}")
        findings: list[Finding] = []
        canaries: list[tuple[str, int]] = []
        for line in outcome.stdout.splitlines():
            if not line.strip():
                continue
            hit = _attribute(line, paths)
            if hit is None:
                raise ScanError(f"printed a line that is not `file:line:col: message` for a file it was given: {line[:80]!r}")
            path, match = hit
            text = match.group(3)
            if text == state.canary_message:
                canaries.append((path, int(match.group(1))))
                continue
            kind = message_kind(text)
            # A class flake8 has no code for yet (pyflakes 4.1's lazy-import checks) keeps its own name as
            # its rule id, so it can still be suppressed by rule; only unrecognised text is F999.
            code = CODES.get(kind) or (kind if kind != "PyflakesMessage" else "F999")
            findings.append(Finding(
                tool=self.name,
                rule_id=code,
                rule_name=kind,
                title=f"{kind} ({code})",
                severity=Severity.HIGH if kind in HIGH_KINDS else Severity.MEDIUM,
                tool_severity="error",
                confidence=Confidence.HIGH,
                location=Location(path=path, line=int(match.group(1)), column=int(match.group(2)) if match.group(2) else None),
                message=text,
                help_uri="https://flake8.pycqa.org/en/latest/user/error-codes.html",
            ))
        # Every copy carries a canary, so a completed run always has messages and exits 1.
        if outcome.exit_code == 0:
            raise ScanError("exited 0 although every file it was given carries a defect it must report")
        covered = canary.confirmed(state.copies, canaries)
        return Parsed(findings, Coverage.of(covered), {"files_scanned": len(covered)})


@dataclass(frozen=True)
class _PyflakesState:
    copies: canary.Copies
    canary_message: str  # what pyflakes prints for the canary import appended to every copy

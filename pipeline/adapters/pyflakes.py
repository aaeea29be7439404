"""pyflakes, which has no structured output: ``path:line:col: message`` on stdout, errors on stderr.

Paths may contain ``:``, so a line is attributed by matching it against the exact file list we
passed, not by splitting. The message kind (``UnusedImport``...) is recovered from pyflakes' own
message templates; flake8's F-codes are kept beside it. Anything pyflakes writes to stderr is a
file it could not check (syntax error, unreadable file), which fails closed. pyflakes is never
called without files, because then it silently lints standard input.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Confidence, Finding, Location, Severity
from ..runner import ProcessOutcome
from ..scanner import CommandScanner, ScanContext, ScanError

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
_HIGH = {"UndefinedName", "UndefinedLocal", "UndefinedExport", "ReturnOutsideFunction", "YieldOutsideFunction",
         "BreakOutsideLoop", "ContinueOutsideLoop", "DuplicateArgument", "TwoStarredExpressions"}
_POSITION = re.compile(r":(\d+):(?:(\d+):)? (.*)$")


def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Regexes built from pyflakes' own message classes, most specific first."""
    try:
        from pyflakes import messages
    except ImportError:  # the harness can run without pyflakes importable; kinds then stay generic
        return []
    found = []
    for name in dir(messages):
        cls = getattr(messages, name)
        template = getattr(cls, "message", None)
        if isinstance(cls, type) and issubclass(cls, messages.Message) and isinstance(template, str) and template:
            pattern = re.escape(template)
            pattern = re.sub(r"%\\?\(\w+\\?\)[rsd]|%[rsd]", ".+?", pattern)
            found.append((re.compile(f"^{pattern}$", re.S), name))
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
    executable = "pyflakes"
    distribution = "pyflakes"
    ok_exit_codes = frozenset({0, 1})  # 1 = messages (or a file it could not check, seen on stderr)

    def skip_reason(self, ctx: ScanContext) -> str:
        return "" if ctx.files.python else "no Python files to check"

    def argv(self, ctx: ScanContext, executable: str) -> list[str]:
        return [executable, *ctx.files.python]

    def parse(self, outcome: ProcessOutcome, ctx: ScanContext) -> tuple[list[Finding], dict[str, Any]]:
        paths = sorted(ctx.files.python, key=len, reverse=True)
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
            raise ScanError("wrote unexpected output to stderr")
        findings: list[Finding] = []
        for line in outcome.stdout.splitlines():
            if not line.strip():
                continue
            hit = _attribute(line, paths)
            if hit is None:
                raise ScanError(f"printed a line that is not `file:line:col: message` for a file it was given: {line[:80]!r}")
            path, match = hit
            text = match.group(3)
            kind = message_kind(text)
            code = CODES.get(kind, "F999")
            findings.append(Finding(
                tool=self.name,
                rule_id=code,
                rule_name=kind,
                title=f"{kind} ({code})",
                severity=Severity.HIGH if kind in _HIGH else Severity.MEDIUM,
                tool_severity="error",
                confidence=Confidence.HIGH,
                location=Location(path=path, line=int(match.group(1)), column=int(match.group(2)) if match.group(2) else None),
                message=text,
                help_uri="https://flake8.pycqa.org/en/latest/user/error-codes.html",
            ))
        if outcome.exit_code == 1 and not findings:
            raise ScanError("exited 1 (findings) but reported none")
        if outcome.exit_code == 0 and findings:
            raise ScanError("exited 0 but printed findings; output cannot be trusted")
        return findings, {"files_scanned": len(paths)}

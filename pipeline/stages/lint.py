"""The lint stage: pylint and pyflakes, merged so one problem both report counts once."""

from __future__ import annotations

from collections import defaultdict

from ..model import Finding
from ..stage import StageSpec

# pylint symbol -> pyflakes message kind, for the problems both tools detect.
SAME_PROBLEM = {
    "unused-import": "UnusedImport",
    "undefined-variable": "UndefinedName",
    "unused-variable": "UnusedVariable",
    "undefined-all-variable": "UndefinedExport",
    "used-before-assignment": "UndefinedLocal",
    "reimported": "RedefinedWhileUnused",
    "function-redefined": "RedefinedWhileUnused",
    "f-string-without-interpolation": "FStringMissingPlaceholders",
    "wildcard-import": "ImportStarUsed",
    "duplicate-key": "MultiValueRepeatedKeyLiteral",
    "return-outside-function": "ReturnOutsideFunction",
    "yield-outside-function": "YieldOutsideFunction",
    "not-in-loop": "BreakOutsideLoop",
    "duplicate-argument-name": "DuplicateArgument",
    "raising-non-exception": "RaiseNotImplemented",
    "notimplemented-raised": "RaiseNotImplemented",
    "assert-on-tuple": "AssertTuple",
    "literal-comparison": "IsLiteral",
}


def _problem_key(finding: Finding) -> tuple[str, int, str] | None:
    kind = SAME_PROBLEM.get(finding.rule_name) if finding.tool == "pylint" else finding.rule_name
    if finding.tool not in ("pylint", "pyflakes") or kind not in SAME_PROBLEM.values():
        return None
    return (finding.location.path or "", finding.location.line or 0, kind)


def merge_duplicates(findings: list[Finding]) -> list[Finding]:
    """Pair pylint and pyflakes reports of the same problem on the same line, by count.

    `import os, sys` gives two reports from each tool on one line: they pair up two by two,
    so two problems stay two findings, each found by both tools.
    """
    by_key: dict[tuple[str, int, str], dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    merged: list[Finding] = []
    for finding in findings:
        key = _problem_key(finding)
        if key is None:
            merged.append(finding)
        else:
            by_key[key][finding.tool].append(finding)
    for groups in by_key.values():
        pylint_hits = sorted(groups.get("pylint", []), key=lambda f: (f.location.column or 0, f.message))
        pyflakes_hits = sorted(groups.get("pyflakes", []), key=lambda f: (f.location.column or 0, f.message))
        for i in range(max(len(pylint_hits), len(pyflakes_hits))):
            primary = pylint_hits[i] if i < len(pylint_hits) else None
            other = pyflakes_hits[i] if i < len(pyflakes_hits) else None
            if primary and other:
                primary.found_by = ("pylint", "pyflakes")
                primary.severity = max(primary.severity, other.severity)
                primary.properties = {**primary.properties, "also": {"pyflakes": f"{other.rule_id} {other.rule_name}"}}
            merged.append(primary or other)
    return merged


SPEC = StageSpec(
    name="lint",
    description="pylint (JSON) and pyflakes, merged; fails on pyflakes findings and pylint errors, reports conventions.",
    defaults={"fail_severity": "high"},
    # Every pyflakes finding is a real defect (dead import, undefined name), so any of them fails.
    tool_defaults={"pyflakes": {"fail_severity": "low"}},
    merge=merge_duplicates,
)

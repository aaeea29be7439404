"""One problem, several tools: findings of one stage that report the same problem on the same line.

Each adapter names the problem its finding reports (``problem()``, in a vocabulary the stage's tools
share); findings with the same (file, line, problem) pair up by count, in the registry's order of
the tools, so `import os, sys` reported twice by each of two tools stays two findings, each found by
both. The first tool's finding is kept, with the highest severity of the group and every tool in
``found_by``. Generic over any number of tools: adding one that reports the same problems merges
without a line here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .model import Finding

Key = tuple[str, int, str]


def _problem(scanners: dict[str, Any], finding: Finding) -> str | None:
    scanner = scanners.get(finding.tool)
    problem = getattr(scanner, "problem", None)
    return problem(finding) if callable(problem) else None


def merge_same_problem(findings: list[Finding], scanners: Sequence[Any]) -> list[Finding]:
    by_name = {s.name: s for s in scanners}
    order = {s.name: i for i, s in enumerate(scanners)}
    keyed: dict[Key, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    merged: list[Finding] = []
    for finding in findings:
        problem = _problem(by_name, finding)
        if problem is None or not finding.location.path:
            merged.append(finding)
        else:
            keyed[(finding.location.path, finding.location.line or 0, problem)][finding.tool].append(finding)
    for groups in keyed.values():
        tools = sorted(groups, key=lambda t: order.get(t, len(order)))
        hits = {t: sorted(groups[t], key=lambda f: (f.location.column or 0, f.message)) for t in tools}
        for i in range(max(len(h) for h in hits.values())):
            same = [hits[t][i] for t in tools if i < len(hits[t])]
            primary = same[0]
            if len(same) > 1:
                found_by: list[str] = []
                for other in same:
                    for tool in other.found_by or (other.tool,):
                        if tool not in found_by:
                            found_by.append(tool)
                primary = replace(primary, found_by=tuple(found_by), severity=max(f.severity for f in same),
                                  properties={**primary.properties,
                                              "also": {f.tool: f"{f.rule_id} {f.rule_name}" for f in same[1:]}})
            merged.append(primary)
    return merged

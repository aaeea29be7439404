"""JUnit XML, ``junit.xml``, for CI test reporters: one testsuite per stage.

Each stage has a test case that errors when the stage could not run (with its cause) and is skipped
(message "not applicable: ...") when the stage does not apply here; each rule with blocking findings
is a failing test case listing them. A policy review against the base branch is one more suite,
``policy``, with a failing case per unapproved weakening.
Text goes through xml.etree (which escapes markup) after characters XML 1.0 cannot carry are removed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..model import Status
from ..policy import EvaluatedFinding, StageVerdict, Verdict
from .base import ReportContext
from .common import (
    StageProblem,
    clean,
    one_line,
    rule_label,
    stage_problems,
    status_label,
    tail,
    weakening_lines,
    where,
    write_text_atomic,
)

FILE_NAME = "junit.xml"
MAX_FINDINGS_LISTED = 200  # per failing rule; the rest are counted
# Characters outside XML 1.0's Char production (a parser rejects the file if any appears).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", clean(value))


def _attr(value: object, limit: int = 500) -> str:
    return _NOT_XML.sub("", one_line(value, limit))


def _finding_line(item: EvaluatedFinding) -> str:
    f = item.finding
    line = f"[{f.severity.label}] {where(f)}: {one_line(f.message or f.title, 500)}"
    if f.fix_hint:
        line += f" (fix: {one_line(f.fix_hint, 200)})"
    return line + f" [fingerprint {f.fingerprint}]"


def _stage_case(suite: ET.Element, stage: StageVerdict, problem: StageProblem | None) -> tuple[int, int]:
    """The stage's own test case; returns (errors, skipped)."""
    case = ET.SubElement(suite, "testcase", name=_attr(f"stage {stage.stage}"), classname=_attr(f"secure-pipeline.{stage.stage}"),
                         time=f"{stage.duration_s:.3f}")
    if problem is not None:
        cause = problem.reason
        details = [f"{stage.stage}: {cause}" + ("" if stage.required else " (stage not required: reported, does not gate)")]
        details.extend(problem.other_errors)
        for tool in problem.tools:
            stderr = tail(tool.stderr_tail)
            if stderr:
                details.append(f"stderr tail of {tool.tool}:\n{stderr}")
        error = ET.SubElement(case, "error", message=_attr(cause), type=_attr(status_label(stage)))
        error.text = _text("\n".join(details))
        return 1, 0
    if stage.status in (Status.SKIPPED, Status.NOT_APPLICABLE):
        reason = stage.reason or "; ".join(one_line(t.reason) for t in stage.tools if t.reason) or stage.status.label
        ET.SubElement(case, "skipped", message=_attr(reason))
        return 0, 1
    return 0, 0


def _rule_cases(suite: ET.Element, stage: StageVerdict) -> int:
    """One failing test case per rule with blocking findings; returns how many."""
    by_rule: dict[tuple[str, str], list[EvaluatedFinding]] = {}
    for item in stage.findings:
        if item.blocking:
            by_rule.setdefault((item.finding.tool, item.finding.rule_id), []).append(item)
    for (tool, rule_id), items in sorted(by_rule.items()):
        first = items[0].finding
        case = ET.SubElement(suite, "testcase", name=_attr(f"{rule_label(first)}: {first.title}"),
                             classname=_attr(f"secure-pipeline.{stage.stage}.{tool}"), time="0")
        lines = [_finding_line(i) for i in items[:MAX_FINDINGS_LISTED]]
        if len(items) > MAX_FINDINGS_LISTED:
            lines.append(f"... and {len(items) - MAX_FINDINGS_LISTED} more (see verdict.json)")
        failure = ET.SubElement(case, "failure", message=_attr(f"{len(items)} blocking finding(s) of {tool} {rule_id}"),
                                type=_attr(max(i.finding.severity for i in items).label))
        failure.text = _text("\n".join(lines))
    return len(by_rule)


def build(verdict: Verdict) -> ET.Element:
    root = ET.Element("testsuites", name="secure-pipeline")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    problems = {p.stage: p for p in stage_problems(verdict)}
    for stage in sorted(verdict.stages, key=lambda s: s.stage):
        suite = ET.SubElement(root, "testsuite", name=_attr(stage.stage))
        errors, skipped = _stage_case(suite, stage, problems.get(stage.stage))
        failures = _rule_cases(suite, stage)
        counts = {"tests": 1 + failures, "failures": failures, "errors": errors, "skipped": skipped}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{stage.duration_s:.3f}")
    review = verdict.policy_review
    if review is not None:
        suite = ET.SubElement(root, "testsuite", name="policy")
        case = ET.SubElement(suite, "testcase", name=_attr(f"policy compared with {review.base_ref}"),
                             classname="secure-pipeline.policy", time="0")
        failures = 0
        if review.blocking:
            failure = ET.SubElement(case, "failure", message=_attr(f"{len(review.weakenings)} unapproved policy weakening(s)"),
                                    type="policy")
            failure.text = _text("\n".join(weakening_lines(verdict)))
            failures = 1
        elif review.weakenings:
            ET.SubElement(case, "system-out").text = _text("\n".join(weakening_lines(verdict)))
        counts = {"tests": 1, "failures": failures, "errors": 0, "skipped": 0}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return root


class JunitReporter:
    name = "junit"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        tree = build(verdict)
        ET.indent(tree)
        text = ET.tostring(tree, encoding="unicode", xml_declaration=False)
        return write_text_atomic(ctx.out_dir / FILE_NAME, '<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n")

"""GitHub workflow-command annotations (``::error file=...,line=...::message``), only under GitHub Actions.

GitHub shows at most 10 error and 10 warning annotations per step, so only what blocks is an error
(required stages that could not run, unapproved policy weakenings, blocking findings by severity)
and every hint is a warning; the rest are counted in one ``::notice``. Values are escaped exactly
as @actions/core does (``escapeData`` / ``escapeProperty``), and other control characters are
dropped, so a hostile file name or message cannot end the command or start a new one.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..model import Disposition
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import clean, one_line, rule_label, stage_problems, weakening_lines, where

MAX_ERRORS = 10
MAX_WARNINGS = 10
MAX_MESSAGE = 2000


def escape_data(value: str) -> str:
    """@actions/core ``escapeData``: the message part of a workflow command."""
    return clean(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """@actions/core ``escapeProperty``: a ``key=value`` property of a workflow command."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: object) -> str:
    """One workflow command line; properties with empty values are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value not in (None, "", 0)
    )
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def stop_commands(text: str, token: str | None = None) -> str:
    """Wrap untrusted text so the runner treats any ``::command::`` inside it as plain output."""
    body = text.rstrip("\n")
    token = token or secrets.token_hex(16)
    while token in body:  # a 128-bit random token will not be in the text, but never assume it
        token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{body}\n::{token}::\n"


@dataclass(frozen=True)
class Annotation:
    level: str  # error | warning | notice
    title: str
    message: str
    file: str = ""
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_col: int | None = None

    def render(self) -> str:
        single_line = self.line is not None and (self.end_line in (None, self.line))
        return workflow_command(
            self.level, self.message,
            file=self.file, line=self.line, endLine=self.end_line,
            # GitHub only honours columns on a single-line annotation.
            col=self.col if single_line else None, endColumn=self.end_col if single_line else None,
            title=self.title,
        )


def _from_finding(item: EvaluatedFinding, level: str) -> Annotation:
    f = item.finding
    loc = f.location
    gate = "blocking" if item.blocking else "new, not blocking"
    title = one_line(f"[{f.severity.label}] {rule_label(f)}: {f.title}", 250)
    lines = [one_line(f.message or f.title, MAX_MESSAGE)]
    if not loc.path:
        lines.append(f"Where: {where(f)}")
    if f.fix_hint:
        lines.append(f"Fix: {one_line(f.fix_hint, 500)}")
    lines.append(f"Stage {item.stage}, {gate}; fingerprint {f.fingerprint}")
    return Annotation(
        level=level, title=title, message="\n".join(lines),
        file=clean(loc.path or ""), line=loc.line, end_line=loc.end_line, col=loc.column, end_col=loc.end_column,
    )


def plan(verdict: Verdict) -> tuple[list[Annotation], int, int]:
    """The annotations to print, and how many errors and warnings did not fit GitHub's per-step budget.

    Errors are only what keeps the gate closed: required stages that could not run, unapproved policy
    weakenings, blocking findings. Everything that does not gate (an optional stage's error, an
    approved weakening, a new finding below the thresholds) is a warning, so a hint can never take
    one of the ten error slots from a blocking finding.
    """
    errors: list[Annotation] = []
    warnings: list[Annotation] = []
    for p in stage_problems(verdict):
        title = one_line(f"secure-pipeline: stage {p.stage} could not run" + ("" if p.required else " (not required)"), 250)
        (errors if p.required else warnings).append(
            Annotation(level="error" if p.required else "warning", title=title, message=one_line(p.reason, MAX_MESSAGE)))
    review = verdict.policy_review
    if review is not None and review.weakenings:
        level = "warning" if review.approved else "error"
        (warnings if review.approved else errors).extend(
            Annotation(level=level, title=one_line(f"secure-pipeline: policy weakened vs {review.base_ref}", 250),
                       message=one_line(line, MAX_MESSAGE))
            for line in weakening_lines(verdict))
    for item in verdict.findings:  # already ranked: blocking first, most severe first
        if item.blocking:
            errors.append(_from_finding(item, "error"))
        elif item.disposition is Disposition.NEW:
            warnings.append(_from_finding(item, "warning"))
    shown = errors[:MAX_ERRORS] + warnings[:MAX_WARNINGS]
    return shown, max(len(errors) - MAX_ERRORS, 0), max(len(warnings) - MAX_WARNINGS, 0)


class AnnotationsReporter:
    name = "annotations"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path | None:
        if not ctx.in_github_actions:
            return None
        out: TextIO = ctx.stdout or sys.stdout
        shown, more_errors, more_warnings = plan(verdict)
        lines = [a.render() for a in shown]
        if more_errors or more_warnings:
            lines.append(workflow_command(
                "notice",
                f"{more_errors} more error(s) and {more_warnings} more warning(s) are not shown as annotations "
                f"(GitHub shows {MAX_ERRORS} errors and {MAX_WARNINGS} warnings per step); "
                f"see the verdict reports in {ctx.out_dir.name}/ (summary.md, report.html, secure-pipeline.sarif)",
                title="secure-pipeline: more findings than annotations",
            ))
        if lines:
            out.write("\n".join(lines) + "\n")
            out.flush()
        return None

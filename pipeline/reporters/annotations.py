"""GitHub workflow-command annotations (``::error file=...,line=...::message``), only under GitHub Actions.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job), so only what blocks
is an error (required stages that could not run, unapproved policy weakenings, blocking findings by
severity) and every hint is a warning; the rest are counted in one ``::notice``. On a pull request
GitHub shows an annotation in "Files changed" only on a line of the diff, so blocking findings on
changed lines come first; blocking findings elsewhere take the error slots left (they still show on
the run's page), and those that do not fit are listed in one error annotation, never dropped. Values are escaped exactly
as @actions/core does (``escapeData`` / ``escapeProperty``), and other control characters are
dropped, so a hostile file name or message cannot end the command or start a new one.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..change_scope import on_changed_lines
from ..changes import ChangeSet
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


OUTSIDE = " (outside this pull request's changes)"
MAX_LISTED = 30  # locations named in the one annotation for blocking findings that got no slot


def _from_finding(item: EvaluatedFinding, level: str, outside: bool = False) -> Annotation:
    f = item.finding
    loc = f.location
    gate = "blocking" if item.blocking else "new, not blocking"
    title = one_line(f"[{f.severity.label}] {rule_label(f)}: {f.title}", 250 - len(OUTSIDE)) + (OUTSIDE if outside else "")
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


def _unplaced(items: list[EvaluatedFinding]) -> Annotation:
    """One error annotation naming the blocking findings outside the change that got no slot of their own."""
    listed = [one_line(f"{where(i.finding)} {rule_label(i.finding)}: {i.finding.title}", 150) for i in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        listed.append(f"and {len(items) - MAX_LISTED} more")
    return Annotation(level="error", title=f"secure-pipeline: {len(items)} more blocking finding(s){OUTSIDE}",
                      message="\n".join(listed)[:MAX_MESSAGE])


def _blocking(items: list[EvaluatedFinding], changes: ChangeSet | None, room: int) -> tuple[list[Annotation], int]:
    """Error annotations for blocking findings in ``room`` slots, and how many were left out entirely.

    Without a change (not a pull request) it is simply the most severe first. On a pull request the
    findings on changed lines come first; the others take what is left, and when they do not all
    fit, the last slot lists them, so a blocking finding the diff does not show is never silent.
    """
    if changes is None:
        return [_from_finding(i, "error") for i in items[:room]], max(len(items) - room, 0)
    inside = [i for i in items if on_changed_lines(i.finding, changes)]
    outside = [i for i in items if not on_changed_lines(i.finding, changes)]
    if not outside:
        return [_from_finding(i, "error") for i in inside[:room]], max(len(inside) - room, 0)
    if room <= 0:
        return [], len(items)
    shown = [_from_finding(i, "error") for i in inside[:room - 1]]
    left = room - len(shown)
    if len(outside) <= left:
        shown += [_from_finding(i, "error", outside=True) for i in outside]
    else:
        shown += [_from_finding(i, "error", outside=True) for i in outside[:left - 1]]
        shown.append(_unplaced(outside[left - 1:]))
    return shown, max(len(inside) - (room - 1), 0)


def plan(verdict: Verdict, changes: ChangeSet | None = None) -> tuple[list[Annotation], int, int]:
    """The annotations to print, and how many errors and warnings did not fit GitHub's per-step budget.

    Errors are only what keeps the gate closed: required stages that could not run, unapproved policy
    weakenings, blocking findings. Everything that does not gate (an optional stage's error, an
    approved weakening, a new finding below the thresholds) is a warning, so a hint can never take
    one of the ten error slots from a blocking finding. ``changes`` (a pull request's) puts what is on
    its changed lines first (pipeline/change_scope.py).
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
    # verdict.findings is already ranked: blocking first, most severe first.
    blocking = [i for i in verdict.findings if i.blocking]
    hints = [i for i in verdict.findings if not i.blocking and i.disposition is Disposition.NEW]
    if changes is not None:  # stable: within each group the policy's ranking stays
        hints.sort(key=lambda i: not on_changed_lines(i.finding, changes))
    placed, more_blocking = _blocking(blocking, changes, MAX_ERRORS - len(errors))
    more_errors = max(len(errors) - MAX_ERRORS, 0) + more_blocking
    warnings += [_from_finding(i, "warning") for i in hints]
    shown = (errors + placed)[:MAX_ERRORS] + warnings[:MAX_WARNINGS]
    return shown, more_errors, max(len(warnings) - MAX_WARNINGS, 0)


class AnnotationsReporter:
    name = "annotations"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path | None:
        if not ctx.in_github_actions:
            return None
        out: TextIO = ctx.stdout or sys.stdout
        shown, more_errors, more_warnings = plan(verdict, ctx.changes)
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

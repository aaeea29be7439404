"""The console summary: the stage table, errors with their stderr tail, the top findings, then the headline.

Rendered with rich, colours only on a terminal; in a CI log it is plain text at a fixed width. All
finding and scanner text is passed as ``rich.text.Text`` (never parsed as markup). Under GitHub
Actions the whole block is wrapped in ``::stop-commands::`` because it echoes scanner output
(stderr tails, messages) that could otherwise issue workflow commands; off a terminal no line of it
starts with ``::`` either (a wrapped cell could put a file name's ``::error`` there).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model import Status
from ..output import guard_line_starts
from ..policy import Verdict
from .annotations import stop_commands
from .base import ReportContext
from .common import (
    SEVERITY_ORDER, disposition_label, expired_lines, finding_detail, fixed_lines, one_line, policy_summary, rule_label,
    stage_problems, stage_rows, stale_lines, status_key, tail, weakening_lines, where,
)

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "bold red", "skipped": "yellow", "not applicable": "dim"}
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
STDERR_LINES = 12
CI_WIDTH = 140


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _width(env: dict[str, str], tty: bool) -> int | None:
    if tty:
        return None  # rich measures the terminal
    try:
        return max(int(env.get("COLUMNS", "")), 80)
    except ValueError:
        return CI_WIDTH


def _stage_table(verdict: Verdict) -> Table:
    table = Table(title="secure-pipeline verdict", box=box.ASCII2, title_justify="left", show_lines=False)
    table.add_column("Stage")
    table.add_column("Status")
    for sev in SEVERITY_ORDER:
        table.add_column(sev.label.capitalize(), justify="right")
    for name in ("New", "Baselined", "Suppressed", "Fixed", "Blocking"):
        table.add_column(name, justify="right")
    table.add_column("Duration", justify="right")
    for row in stage_rows(verdict):
        table.add_row(
            Text(row.stage),
            Text(row.status, style=STATUS_STYLE.get(status_key(row.status), "")),
            *(Text(str(row.by_severity[s.label])) for s in SEVERITY_ORDER),
            *(Text(str(n)) for n in (row.new, row.baselined, row.suppressed, row.fixed, row.blocking)),
            Text(f"{row.duration_s:.1f}s"),
        )
    return table


def _findings_table(verdict: Verdict, limit: int) -> Table | None:
    items = verdict.findings[:limit]
    if not items:
        return None
    total = len(verdict.findings)
    title = f"Top {len(items)} of {total} finding(s)" if total > len(items) else f"{total} finding(s)"
    table = Table(title=title, box=box.ASCII2, title_justify="left", show_lines=False)
    for name in ("#", "Severity", "Gate", "Rule", "Where", "Finding"):
        table.add_column(name, overflow="fold")
    for i, item in enumerate(items, start=1):
        f = item.finding
        text, message, extras = finding_detail(f, one_line, title_limit=200, message_limit=300,
                                               property_limit=None, fix_limit=200)
        if message:
            text += " - " + message
        if extras:
            text += " (" + "; ".join(extras) + ")"
        table.add_row(
            Text(str(i)), Text(f.severity.label, style=SEVERITY_STYLE[f.severity.label]),
            Text(disposition_label(item)), Text(rule_label(f)), Text(where(f)), Text(text),
        )
    return table


def render(verdict: Verdict, ctx: ReportContext, tty: bool = False) -> str:
    """The console report as text (ANSI colours only when ``tty``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=tty, no_color=not tty, width=_width(ctx.env, tty), highlight=False,
        markup=False, emoji=False, soft_wrap=False,
    )
    console.print(_stage_table(verdict))

    problems = stage_problems(verdict)
    if problems:
        console.print(Text("Stages that could not run:", style="bold red"))
        for problem in problems:
            suffix = "" if problem.required else " (not required: reported, does not gate)"
            console.print(Text(f"  - {problem.stage}: {problem.reason}{suffix}"))
            for error in problem.other_errors:
                console.print(Text(f"    {error}"))
            for tool in problem.tools:
                stderr = tail(tool.stderr_tail, STDERR_LINES)
                if stderr:
                    console.print(Text(f"    stderr of {tool.tool} (last {STDERR_LINES} lines):"))
                    console.print(Text("\n".join("      | " + line for line in stderr.splitlines())))

    findings = _findings_table(verdict, max(ctx.top_findings, 0))
    if findings is not None:
        console.print(findings)

    summary = policy_summary(verdict)
    sections = (
        ("Policy changes against the base branch:", weakening_lines(verdict) or ([summary] if summary else [])),
        ("Expired suppressions (no longer suppress):", expired_lines(verdict)),
        ("Stale suppressions (match nothing):", stale_lines(verdict)),
        ("Stale baseline entries (fixed):", fixed_lines(verdict)),
        ("Notes:", [one_line(n) for n in verdict.notes]),
    )
    for heading, lines in sections:
        if lines:
            console.print(Text(heading, style="bold"))
            for line in lines:
                console.print(Text(f"  - {line}"))

    style = {Status.PASSED: "bold green", Status.FAILED: "bold red"}.get(verdict.status, "bold red")
    console.print(Text(f"{verdict.headline} (exit code {verdict.exit_code})", style=style))
    return buffer.getvalue()


class ConsoleReporter:
    name = "console"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path | None:
        out: TextIO = ctx.stdout or sys.stdout
        tty = _is_tty(out)
        text = render(verdict, ctx, tty=tty and "NO_COLOR" not in ctx.env)
        if not tty:
            # A CI log (GitHub's runner reads it even when the variable did not reach us).
            text = guard_line_starts(text)
        if ctx.in_github_actions:
            text = stop_commands(text)
        out.write(text)
        out.flush()
        return None


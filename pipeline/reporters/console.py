"""The console summary: one ``path:line:col: RULE message`` line per finding (blocking first), the stage
table, errors with their stderr tail, the paths of the reports written, then the headline.

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

from ..model import Disposition, Status
from ..output import guard_line_starts
from ..policy import EvaluatedFinding, Verdict
from .annotations import stop_commands
from .base import ReportContext
from .common import (
    disposition_label,
    expired_lines,
    fixed_lines,
    one_line,
    policy_summary,
    stage_problems,
    stage_rows,
    stale_lines,
    status_key,
    tail,
    weakening_lines,
    where,
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
    table.add_column("Status", no_wrap=True)  # "not applicable" on one line, as greps and people read it
    for name in ("Blocking", "New", "Baselined/suppressed/fixed"):
        table.add_column(name, justify="right")
    table.add_column("By severity")
    table.add_column("Time", justify="right")
    for row in stage_rows(verdict):
        severities = ", ".join(f"{n} {label}" for label, n in row.by_severity.items() if n) or "0"
        table.add_row(
            Text(row.stage),
            Text(row.status, style=STATUS_STYLE.get(status_key(row.status), "")),
            Text(str(row.blocking), style="bold red" if row.blocking else ""), Text(str(row.new)),
            Text(f"{row.baselined}/{row.suppressed}/{row.fixed}"), Text(severities), Text(f"{row.duration_s:.1f}s"),
        )
    return table


def finding_line(item: EvaluatedFinding) -> Text:
    """``path:line:col: RULE [tool severity, gate] message``: the shape editors and terminals link; the
    message once (the title only when there is no message)."""
    f = item.finding
    message = one_line(f.message or f.title, 300)
    tools = "+".join(f.found_by or (f.tool,))
    line = Text(f"{where(f)}: ")
    line.append(one_line(f.rule_id, 100), style="bold")
    line.append(" [")
    line.append(f"{one_line(tools, 60)} {f.severity.label}", style=SEVERITY_STYLE[f.severity.label])
    line.append(f", {disposition_label(item)}] {message}")
    return line


def _finding_lines(verdict: Verdict, limit: int) -> tuple[list[Text], str]:
    """Every blocking finding, then up to ``limit`` other new ones; and a line saying what was left out."""
    blocking = [i for i in verdict.findings if i.blocking]
    others = [i for i in verdict.findings if not i.blocking and i.disposition is Disposition.NEW]
    shown = others[:limit]
    accepted = len(verdict.findings) - len(blocking) - len(others)
    heading = (f"{len(verdict.findings)} finding(s): {len(blocking)} blocking (all listed first), "
               f"{len(shown)} of {len(others)} new non-blocking (top_findings={limit})"
               + (f", {accepted} baselined or suppressed (not listed)" if accepted else ""))
    return [finding_line(i) for i in blocking + shown], heading


def _report_paths(ctx: ReportContext) -> list[str]:
    paths = []
    for path in ctx.written:
        try:
            paths.append(str(path.resolve().relative_to(Path.cwd().resolve())))
        except ValueError:
            paths.append(str(path))
    return paths


def render(verdict: Verdict, ctx: ReportContext, tty: bool = False) -> str:
    """The console report as text (ANSI colours only when ``tty``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=tty, no_color=not tty, width=_width(ctx.env, tty), highlight=False,
        markup=False, emoji=False, soft_wrap=False,
    )
    lines, heading = _finding_lines(verdict, max(ctx.top_findings, 0))
    if verdict.findings:
        console.print(Text(heading, style="bold"))
        for line in lines:
            # soft_wrap: one finding stays one line in a log, so "path:line:col:" is at its start.
            console.print(line, soft_wrap=True)
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

    summary = policy_summary(verdict)
    sections = (
        ("Policy changes against the base branch:", weakening_lines(verdict) or ([summary] if summary else [])),
        ("Expired suppressions (no longer suppress):", expired_lines(verdict)),
        ("Stale suppressions (match nothing):", stale_lines(verdict)),
        ("Stale baseline entries (fixed):", fixed_lines(verdict)),
        ("Notes:", [one_line(n) for n in verdict.notes]),
        ("Reports written:", _report_paths(ctx)),
    )
    for heading, section in sections:
        if section:
            console.print(Text(heading, style="bold"))
            for entry in section:
                console.print(Text(f"  - {entry}"))

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


"""Markdown for ``$GITHUB_STEP_SUMMARY``, ``summary.md``: verdict first, then the table, then top findings.

GitHub renders the summary as GitHub-flavoured Markdown with HTML, so every finding text is one line
with every ASCII punctuation character backslash-escaped (no table cell break, no link, no HTML tag,
no emphasis), links are only http(s) URLs, and stderr goes in ``<pre>`` with HTML escaping. The
summary stays under a byte budget (GitHub rejects step summaries over 1 MiB) and says when it cut.
When ``GITHUB_STEP_SUMMARY`` is set the summary is also appended to that file.
"""

from __future__ import annotations

import html
import string
from pathlib import Path

from ..model import Status
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import (
    SEVERITY_ORDER, code_url, disposition_label, expired_lines, finding_detail, fixed_lines, one_line, policy_summary,
    rule_label, safe_http_url, stage_problems, stage_rows, stale_lines, status_key, tail, weakening_lines, where,
    write_text_atomic,
)

FILE_NAME = "summary.md"
BUDGET_BYTES = 1_000_000  # GitHub's limit is 1 MiB per step; stay under it with room to spare
STDERR_LINES = 15
_ESCAPE = {c: "\\" + c for c in string.punctuation}
STATUS_ICON = {"passed": "✅", "failed": "❌", "error": "⛔", "skipped": "⏭️", "not applicable": "➖"}


def md(text: object, limit: int | None = 500) -> str:
    """Inline Markdown for untrusted text: one line, every ASCII punctuation character escaped."""
    return "".join(_ESCAPE.get(c, c) for c in one_line(text, limit))


def link(label: str, url: str | None) -> str:
    """``[label](url)`` for a safe http(s) URL; the (already escaped) label alone otherwise."""
    safe = safe_http_url(url or "")
    return f"[{label}]({safe})" if safe else label


def pre(text: str) -> str:
    """A <pre> block: a CommonMark HTML block that only ``</pre>`` ends, and html.escape keeps that out."""
    return f"<pre>{html.escape(text)}</pre>"


class _Budget:
    """Collects blocks until the next one would not fit, keeping room for the truncation notice."""

    RESERVE = 2_000

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.cut = False

    def add(self, block: str) -> bool:
        if self.cut:
            return False
        size = len((block + "\n").encode("utf-8"))
        if self.size + size > self.limit - self.RESERVE:
            self.cut = True
            return False
        self.parts.append(block)
        self.size += size
        return True

    def text(self) -> str:
        return "\n".join(self.parts) + "\n"


def _table(verdict: Verdict) -> str:
    head = ["Stage", "Status", *(s.label.capitalize() for s in SEVERITY_ORDER),
            "New", "Baselined", "Suppressed", "Fixed", "Blocking", "Duration"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for row in stage_rows(verdict):
        cells = [md(row.stage), f"{STATUS_ICON.get(status_key(row.status), '')} {md(row.status)}",
                 *(str(row.by_severity[s.label]) for s in SEVERITY_ORDER),
                 *(str(n) for n in (row.new, row.baselined, row.suppressed, row.fixed, row.blocking)),
                 f"{row.duration_s:.1f}s"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _finding_row(n: int, item: EvaluatedFinding, env: dict[str, str]) -> str:
    f = item.finding
    text, message, extras = finding_detail(f, md, title_limit=200, message_limit=400, property_limit=200, fix_limit=300)
    if message:
        text += " — " + message
    if extras:
        text += "<br>" + "; ".join(extras)
    cells = [str(n), md(f.severity.label), md(disposition_label(item)), link(md(rule_label(f)), f.help_uri),
             link(md(where(f)), code_url(f, env)), text]
    return "| " + " | ".join(cells) + " |"


def render(verdict: Verdict, ctx: ReportContext, budget: int = BUDGET_BYTES) -> str:
    out = _Budget(budget)
    icon = STATUS_ICON.get(verdict.status.value, "")
    out.add(f"## {icon} secure-pipeline: {md(verdict.headline, None)}\n")
    t = verdict.totals()
    out.add(f"Exit code **{verdict.exit_code}** · {t['blocking']} blocking · {t['new']} new · {t['baselined']} baselined · "
            f"{t['suppressed']} suppressed · {t['fixed']} fixed\n")
    out.add(_table(verdict) + "\n")

    summary = policy_summary(verdict)
    if summary:
        out.add(f"### Policy changes\n\n{md(summary, 1000)}\n")
        for line in weakening_lines(verdict):
            if not out.add(f"- {md(line, 1000)}"):
                break
        out.add("")

    problems = stage_problems(verdict)
    if problems:
        out.add("### Stages that could not run\n")
        for problem in problems:
            suffix = "" if problem.required else " \\(not required: reported, does not gate\\)"
            out.add(f"- **{md(problem.stage)}**: {md(problem.reason, 1000)}{suffix}")
            for error in problem.other_errors:
                out.add(f"  - {md(error, 1000)}")
            out.add("")
            for tool in problem.tools:
                stderr = tail(tool.stderr_tail, STDERR_LINES)
                if stderr:
                    out.add(f"stderr of {md(tool.tool)} \\(last {STDERR_LINES} lines\\):\n\n{pre(stderr)}\n")

    items = verdict.findings
    top = items[: max(ctx.top_findings, 0)]
    if top:
        shown = 0
        heading = f"### Top {len(top)} of {len(items)} findings\n" if len(items) > len(top) else f"### Findings ({len(items)})\n"
        out.add(heading)
        out.add("| # | Severity | Gate | Rule | Where | Finding |\n|---:|---|---|---|---|---|")
        for n, item in enumerate(top, start=1):
            if not out.add(_finding_row(n, item, ctx.env)):
                break
            shown += 1
        out.add("")
        if shown < len(items) and not out.cut:
            out.add(f"{len(items) - shown} more finding(s) are in the verdict reports \\(verdict\\.json, report\\.html, "
                    "secure\\-pipeline\\.sarif\\)\\.\n")

    for heading, lines in (
        ("Expired suppressions (no longer suppress)", expired_lines(verdict)),
        ("Stale suppressions (match nothing)", stale_lines(verdict)),
        ("Stale baseline entries (fixed)", fixed_lines(verdict)),
        ("Notes", [one_line(n) for n in verdict.notes]),
    ):
        if lines and out.add(f"### {md(heading, None)}\n"):
            for line in lines:
                if not out.add(f"- {md(line, 1000)}"):
                    break
            out.add("")

    text = out.text()
    if out.cut:
        text += (f"\n> **Truncated**: this summary stopped at {out.size:,} bytes to stay under GitHub's step-summary limit "
                 f"\\({budget:,} bytes\\); the full results are in verdict\\.json and report\\.html\\.\n")
    if verdict.status is not Status.PASSED:
        text += f"\n**{md(verdict.headline, None)}**\n"
    return text


class MarkdownReporter:
    name = "markdown"

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self.budget = budget

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        path = write_text_atomic(ctx.out_dir / FILE_NAME, render(verdict, ctx, self.budget))
        summary_file = ctx.env.get("GITHUB_STEP_SUMMARY", "")
        if summary_file:
            target = Path(summary_file)
            # The limit is per step: what earlier commands of this step wrote counts too.
            used = target.stat().st_size if target.exists() else 0
            text = render(verdict, ctx, max(self.budget - used, _Budget.RESERVE * 2))
            with target.open("a", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        return path

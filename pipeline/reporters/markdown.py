"""Markdown for ``$GITHUB_STEP_SUMMARY``, ``summary.md``: the verdict, a compact stage table, what blocks, then
every other finding and fact inside collapsed ``<details>`` sections.

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

from ..model import Disposition, Status
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import (
    code_url,
    disposition_label,
    expired_lines,
    finding_detail,
    fixed_lines,
    one_line,
    policy_summary,
    rule_label,
    safe_http_url,
    stage_problems,
    stage_rows,
    stale_lines,
    status_key,
    tail,
    weakening_lines,
    where,
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


def summary_text(text: object) -> str:
    """Text for a ``<summary>``: inside an HTML block Markdown escapes are not read, HTML escapes are."""
    return html.escape(one_line(text, 300), quote=True)


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

    def room(self) -> int:
        """Bytes left before the reserve."""
        return self.limit - self.RESERVE - self.size

    def text(self) -> str:
        return "\n".join(self.parts) + "\n"


def _severity_cell(counts: dict[str, int]) -> str:
    shown = [f"{n} {label}" for label, n in counts.items() if n]
    return ", ".join(shown) or "0"


def _table(verdict: Verdict) -> str:
    """One compact line per stage: what blocks, what is new, what was accepted, by severity."""
    lines = ["| Stage | Status | Blocking | New | Baselined / suppressed / fixed | By severity | Time |",
             "|---|---|---:|---:|---:|---|---:|"]
    for row in stage_rows(verdict):
        accepted = f"{row.baselined} / {row.suppressed} / {row.fixed}"
        blocking = f"**{row.blocking}**" if row.blocking else "0"
        cells = [md(row.stage), f"{STATUS_ICON.get(status_key(row.status), '')} {md(row.status)}", blocking,
                 str(row.new), accepted, _severity_cell(row.by_severity), f"{row.duration_s:.1f}s"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


FINDINGS_HEAD = "| # | Severity | Gate | Rule | Where | Finding |\n|---:|---|---|---|---|---|"


def _finding_row(n: int, item: EvaluatedFinding, env: dict[str, str], seen_rules: set[tuple[str, str]]) -> str:
    f = item.finding
    text, message, extras = finding_detail(f, md, title_limit=200, message_limit=400, property_limit=200, fix_limit=300)
    rule = (f.tool, f.rule_id)
    if rule in seen_rules and f.fix_hint:
        extras = extras[:-1]  # the fix text is shown once per rule, on its first finding
    seen_rules.add(rule)
    if message:
        text += " — " + message
    if extras:
        text += "<br>" + "; ".join(extras)
    cells = [str(n), md(f.severity.label), md(disposition_label(item)), link(md(rule_label(f)), f.help_uri),
             link(md(where(f)), code_url(f, env)), text]
    return "| " + " | ".join(cells) + " |"


def _table_block(out: _Budget, rows: list[str], before: str, after: str, more: str) -> None:
    """A findings table with as many rows as fit the budget; the rest is counted in ``more``."""
    kept: list[str] = []
    room = out.room() - len((before + FINDINGS_HEAD + after + more).encode("utf-8")) - 200
    for row in rows:
        size = len((row + "\n").encode("utf-8"))
        if size > room:
            break
        kept.append(row)
        room -= size
    if not kept:
        out.cut = out.cut or bool(rows)
        return
    left = len(rows) - len(kept)
    note = f"\n{left} more finding\\(s\\) of this kind {more}\n" if left else ""
    out.add(before + FINDINGS_HEAD + "\n" + "\n".join(kept) + "\n" + note + after)
    if left:
        out.cut = True


def _not_run(verdict: Verdict) -> list[str]:
    """Stages that were skipped or had nothing to scan: why (their reason says how to make them run)."""
    lines = []
    for s in verdict.stages:
        if s.status not in (Status.SKIPPED, Status.NOT_APPLICABLE):
            continue
        reason = s.reason or "no reason given"
        if not reason.lower().startswith(s.status.label):
            reason = f"{s.status.label}: {reason}"
        lines.append(f"- **{md(s.stage)}**: {md(reason, 1000)}")
    return lines


def _problems(out: _Budget, verdict: Verdict) -> None:
    problems = stage_problems(verdict)
    if not problems:
        return
    out.add("### ⛔ Stages that could not run\n")
    for problem in problems:
        suffix = "" if problem.required else " \\(not required: reported, does not gate\\)"
        out.add(f"- **{md(problem.stage)}**: {md(problem.reason, 1000)}{suffix}")
        for error in problem.other_errors:
            out.add(f"  - {md(error, 1000)}")
        if problem.tools:
            out.add(f"  - How to fix: read the scanner's stderr below, run `pipeline run --stage {md(problem.stage)}` "
                    "locally to reproduce; the gate stays closed until the stage runs")
    out.add("")
    for problem in problems:
        for tool in problem.tools:
            stderr = tail(tool.stderr_tail, STDERR_LINES)
            if stderr:
                out.add(f"<details><summary>stderr of {summary_text(tool.tool)} (last {STDERR_LINES} lines)"
                        f"</summary>\n\n{pre(stderr)}\n\n</details>\n")


def _collapsed(out: _Budget, title: str, lines: list[str]) -> None:
    if not lines:
        return
    body = "\n".join(f"- {md(line, 1000)}" for line in lines)
    if not out.add(f"<details><summary>{summary_text(title)} ({len(lines)})</summary>\n\n{body}\n\n</details>\n"):
        out.add(f"{md(title, None)}: {len(lines)}, see report\\.html\n")


def render(verdict: Verdict, ctx: ReportContext, budget: int = BUDGET_BYTES) -> str:
    out = _Budget(budget)
    icon = STATUS_ICON.get(verdict.status.value, "")
    out.add(f"## {icon} secure-pipeline: {md(verdict.headline, None)}\n")
    t = verdict.totals()
    out.add(f"Exit code **{verdict.exit_code}** · {t['blocking']} blocking · {t['new']} new · {t['baselined']} baselined · "
            f"{t['suppressed']} suppressed · {t['fixed']} fixed\n")
    out.add(_table(verdict) + "\n")
    _problems(out, verdict)

    review = verdict.policy_review
    summary = policy_summary(verdict)
    if summary and review is not None and review.blocking:
        out.add(f"### ❌ Policy changes\n\n{md(summary, 1000)}\n")
        out.add("\n".join(f"- {md(line, 1000)}" for line in weakening_lines(verdict)) + "\n")

    items = verdict.findings
    numbered = list(enumerate(items, start=1))
    seen: set[tuple[str, str]] = set()
    blocking = [_finding_row(n, i, ctx.env, seen) for n, i in numbered if i.blocking]
    first = max(ctx.top_findings, 1)
    where_rest = "are in report\\.html and verdict\\.json"
    if blocking:
        _table_block(out, blocking[:first], f"### ❌ Blocking findings ({len(blocking)})\n\n", "", where_rest)
        if len(blocking) > first:
            _table_block(out, blocking[first:], f"<details><summary>{len(blocking) - first} more blocking finding(s)"
                         "</summary>\n\n", "\n</details>\n", where_rest)
    elif items:
        out.add("### ✅ Nothing blocks\n")
    others = (
        ("New, not blocking", [i for i in numbered if not i[1].blocking and i[1].disposition is Disposition.NEW]),
        ("Baselined", [i for i in numbered if i[1].disposition is Disposition.BASELINED]),
        ("Suppressed", [i for i in numbered if i[1].disposition is Disposition.SUPPRESSED]),
    )
    for title, group in others:
        if group:
            rows = [_finding_row(n, i, ctx.env, seen) for n, i in group]
            _table_block(out, rows, f"<details><summary>{title} ({len(group)})</summary>\n\n", "\n</details>\n",
                         where_rest)

    if summary and not (review is not None and review.blocking):
        _collapsed(out, f"Policy changes: {summary}", weakening_lines(verdict))
    not_run = _not_run(verdict)
    if not_run:
        out.add("<details><summary>Stages that did not run</summary>\n\n" + "\n".join(not_run) + "\n\n</details>\n")
    _collapsed(out, "Expired suppressions (no longer suppress)", expired_lines(verdict))
    _collapsed(out, "Stale suppressions (match nothing)", stale_lines(verdict))
    _collapsed(out, "Stale baseline entries (fixed)", fixed_lines(verdict))
    _collapsed(out, "Notes", [one_line(n) for n in verdict.notes])

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

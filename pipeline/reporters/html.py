"""One self-contained HTML report for people, ``report.html``: inline CSS, no script, no external resource.

Every text from a finding or a scanner goes through html.escape (quotes included); links are only
http(s) URLs, and a Content-Security-Policy forbids scripts and remote loads should anything slip.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import (
    SEVERITY_ORDER, code_url, disposition_label, expired_lines, finding_detail, fixed_lines, one_line, policy_summary,
    rule_label, safe_http_url, stage_problems, stage_rows, stale_lines, status_key, tail, weakening_lines, where,
    write_text_atomic,
)

FILE_NAME = "report.html"
MAX_FINDINGS = 5_000  # beyond this the page gets unusable in a browser; the rest is stated, and in verdict.json
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa}td.n{text-align:right}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.passed{color:#1a7f37}.failed,.error{color:#cf222e;font-weight:bold}.skipped{color:#9a6700}.not-applicable{color:#57606a}
.critical,.high{color:#cf222e;font-weight:bold}.medium{color:#9a6700}.low{color:#0969da}.info{color:#57606a}
.headline{font-size:1.2rem;padding:.6rem;border-radius:6px;background:#f6f8fa}
.small{color:#57606a;font-size:.85rem}
"""


def e(text: object, limit: int | None = None) -> str:
    return html.escape(one_line(text, limit), quote=True)


def a(label_html: str, url: str | None) -> str:
    safe = safe_http_url(url or "")
    if not safe:
        return label_html
    return f'<a href="{html.escape(safe, quote=True)}" rel="noopener noreferrer nofollow">{label_html}</a>'


def _stage_table(verdict: Verdict) -> str:
    head = ["Stage", "Status", *(s.label.capitalize() for s in SEVERITY_ORDER),
            "New", "Baselined", "Suppressed", "Fixed", "Blocking", "Duration"]
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for row in stage_rows(verdict):
        nums = [*(row.by_severity[s.label] for s in SEVERITY_ORDER), row.new, row.baselined, row.suppressed,
                row.fixed, row.blocking]
        rows.append(
            f"<tr><td>{e(row.stage)}</td><td class=\"{e(status_key(row.status).replace(' ', '-'))}\">{e(row.status)}</td>"
            + "".join(f'<td class="n">{n}</td>' for n in nums)
            + f'<td class="n">{row.duration_s:.1f}s</td></tr>'
        )
    return "<table>" + "".join(rows) + "</table>"


def _finding_row(n: int, item: EvaluatedFinding, ctx: ReportContext) -> str:
    f = item.finding
    title, message, extras = finding_detail(f, e, title_limit=300, message_limit=2000, property_limit=None, fix_limit=500)
    body = f"<strong>{title}</strong>"
    if message:
        body += f"<br>{message}"
    if item.because:
        extras.append(f"{e(item.disposition.value)} because: {e(item.because, 500)}")
    extras.append(f"fingerprint {e(f.fingerprint)}")
    body += '<div class="small">' + "<br>".join(extras) + "</div>"
    return (
        f'<tr><td class="n">{n}</td><td class="{e(f.severity.label)}">{e(f.severity.label)}</td>'
        f"<td>{e(disposition_label(item))}</td><td>{e(item.stage)}</td>"
        f"<td>{a(e(rule_label(f)), f.help_uri)}</td><td>{a(e(where(f)), code_url(f, ctx.env))}</td><td>{body}</td></tr>"
    )


def _list(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    return f"<h2>{e(title)}</h2><ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"


def render(verdict: Verdict, ctx: ReportContext, max_findings: int = MAX_FINDINGS) -> str:
    t = verdict.totals()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>secure-pipeline: {e(verdict.status.value)}</title><style>{CSS}</style></head><body>",
        "<h1>secure-pipeline verdict</h1>",
        f'<p class="headline {e(verdict.status.value)}">{e(verdict.headline)}</p>',
        f'<p>Exit code {verdict.exit_code} · {t["blocking"]} blocking · {t["new"]} new · {t["baselined"]} baselined · '
        f'{t["suppressed"]} suppressed · {t["fixed"]} fixed · generated {e(verdict.generated_at)}</p>',
        "<h2>Stages</h2>", _stage_table(verdict),
    ]
    summary = policy_summary(verdict)
    if summary:
        parts.append(f"<h2>Policy changes</h2><p>{e(summary)}</p>")
        lines = weakening_lines(verdict)
        if lines:
            parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
    problems = stage_problems(verdict)
    if problems:
        parts.append("<h2>Stages that could not run</h2>")
        for problem in problems:
            note = "" if problem.required else " (not required: reported, does not gate)"
            parts.append(f"<p><strong>{e(problem.stage)}</strong>: {e(problem.reason)}{e(note)}</p>")
            parts.extend(f"<p>{e(error)}</p>" for error in problem.other_errors)
            for tool in problem.tools:
                stderr = tail(tool.stderr_tail)
                if stderr:
                    parts.append(f"<p>stderr of {e(tool.tool)}:</p><pre>{html.escape(stderr, quote=True)}</pre>")

    items = verdict.findings
    shown = items[:max_findings]
    parts.append(f"<h2>Findings ({len(items)})</h2>")
    if len(shown) < len(items):
        parts.append(f"<p><strong>Truncated:</strong> showing the {len(shown)} highest-ranked of {len(items)} findings; "
                     "every finding is in verdict.json.</p>")
    if shown:
        parts.append("<table><tr><th>#</th><th>Severity</th><th>Gate</th><th>Stage</th><th>Rule</th><th>Where</th>"
                     "<th>Finding</th></tr>")
        parts.extend(_finding_row(n, item, ctx) for n, item in enumerate(shown, start=1))
        parts.append("</table>")
    else:
        parts.append("<p>No findings.</p>")

    parts.append(_list("Expired suppressions (no longer suppress)", expired_lines(verdict)))
    parts.append(_list("Stale suppressions (match nothing)", stale_lines(verdict)))
    parts.append(_list("Stale baseline entries (fixed)", fixed_lines(verdict)))
    parts.append(_list("Notes", list(verdict.notes)))
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


class HtmlReporter:
    name = "html"

    def __init__(self, max_findings: int = MAX_FINDINGS) -> None:
        self.max_findings = max_findings

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        return write_text_atomic(ctx.out_dir / FILE_NAME, render(verdict, ctx, self.max_findings))

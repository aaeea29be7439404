"""One self-contained HTML report for people, ``report.html``: works offline and from an artifact download.

The first screen is server-rendered and works without script: the verdict, what blocks (stage
errors, unapproved policy weakenings, blocking findings with links to their lines), the stage table
and a small chart. Below it a findings explorer (filters, grouping, search, sorting) is built by one
inline script from a JSON island. Every text from a finding or a scanner is either html.escape'd
here or put into the page with textContent by the script; the island escapes ``<``, ``>`` and ``&``
so no finding can end it. The page's own Content-Security-Policy allows exactly its one script and
one style (by hash), nothing remote, so anything that slipped through would still not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..model import Finding
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import (
    SEVERITY_ORDER,
    clean,
    code_url,
    display_properties,
    disposition_label,
    expired_lines,
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

FILE_NAME = "report.html"
MAX_FINDINGS = 5_000  # beyond this the page gets unusable in a browser; the rest is stated, and in verdict.json
FIRST_SCREEN_BLOCKING = 15  # blocking findings listed at the top; the explorer has them all
_ASSETS = Path(__file__).resolve().parent.parent / "data"
SCRIPT = (_ASSETS / "report.js").read_text(encoding="utf-8")
CSS = (_ASSETS / "report.css").read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(CSS)}; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def e(text: object, limit: int | None = None) -> str:
    return html.escape(one_line(text, limit), quote=True)


def a(label_html: str, url: str | None) -> str:
    safe = safe_http_url(url or "") or _relative(url)
    if not safe:
        return label_html
    return f'<a href="{html.escape(safe, quote=True)}" rel="noopener noreferrer nofollow">{label_html}</a>'


def _relative(url: str | None) -> str | None:
    """A relative file link this module built itself (``./`` or ``../``), never a scheme."""
    value = url or ""
    return value if value.startswith(("./", "../")) and ":" not in value else None


def location_url(finding: Finding, ctx: ReportContext) -> str | None:
    """The GitHub blob URL at the scanned commit in Actions; else a link relative to the report's folder."""
    remote = code_url(finding, ctx.env)
    if remote or not finding.location.path:
        return remote
    path = clean(finding.location.path)
    if path.startswith("/") or "\\" in path:
        return None  # an absolute or Windows-style path is not a file of the scanned repository
    rel = os.path.relpath(ctx.root / path, ctx.out_dir)
    if not rel.startswith("../"):
        rel = "./" + rel
    # Every character but "/" and "." is percent-encoded, so a file name cannot make a scheme or a query.
    url = quote(rel, safe="/.")
    anchor = f"#L{finding.location.line}" if finding.location.line else ""
    return url + anchor


def _rule_key(f: Finding) -> str:
    return f"{f.tool}\x00{f.rule_id}"


def _fix_version(f: Finding) -> str:
    fixes = f.properties.get("fix_versions") or f.properties.get("fixed_versions") or []
    if isinstance(fixes, (list, tuple)):
        return one_line(", ".join(str(v) for v in fixes), 200)
    return one_line(fixes, 200)


def _finding_data(n: int, item: EvaluatedFinding, ctx: ReportContext, anchors: dict[str, str]) -> dict[str, Any]:
    f = item.finding
    loc = f.location
    title = one_line(f.title, 300)
    message = one_line(f.message, 2000) if f.message and f.message != f.title else ""
    props = [[k, v] for k, v in display_properties(f).items() if k not in ("fix_versions", "fixed_versions")]
    data: dict[str, Any] = {
        "id": n, "rank": n, "stage": item.stage, "tools": list(f.found_by or (f.tool,)),
        "rule": one_line(f.rule_id, 200), "rule_label": rule_label(f), "rule_anchor": anchors.get(_rule_key(f), ""),
        "severity": f.severity.label, "severity_rank": int(f.severity), "gate": disposition_label(item),
        "disposition": item.disposition.value, "blocking": item.blocking, "title": title, "message": message,
        "where": where(f), "file": one_line(loc.path or "", 400), "href": location_url(f, ctx),
        "because": one_line(item.because, 500), "fingerprint": one_line(f.fingerprint, 200), "properties": props,
    }
    if loc.package:
        data["dependency"] = {"package": one_line(loc.package, 200), "version": one_line(loc.version or "", 100),
                              "fix": _fix_version(f)}
    if loc.url:
        # ZAP's evidence is the matched response excerpt (already through the redaction pass); shown short.
        evidence = f.properties.get("evidence", "") if f.tool == "zap" else ""
        data["web"] = {"method": one_line(loc.method or "GET", 20), "url": one_line(loc.url, 1000),
                       "param": one_line(loc.param or "", 200), "evidence": one_line(evidence, 300)}
    data["haystack"] = " ".join(str(v) for v in (title, message, data["where"], data["rule_label"], item.stage,
                                                 data["fingerprint"], *(p[1] for p in props))).lower()
    return data


def _fixed_data(start: int, verdict: Verdict) -> list[dict[str, Any]]:
    """Baseline entries no longer found, as rows of their own disposition ("fixed")."""
    rows: list[dict[str, Any]] = []
    for s in verdict.stages:
        for entry in s.fixed:
            n = start + len(rows)
            label = one_line(f"{entry.tool} {entry.rule_id}", 200)
            rows.append({
                "id": n, "rank": n, "stage": s.stage, "tools": [entry.tool], "rule": one_line(entry.rule_id, 200),
                "rule_label": label, "rule_anchor": "", "severity": "", "severity_rank": -1, "gate": "fixed",
                "disposition": "fixed", "blocking": False, "title": one_line(entry.title, 300),
                "message": f"in the baseline ({entry.count}x) but no longer found", "where": one_line(entry.where, 400),
                "file": one_line(entry.where, 400), "href": None, "because": "", "fingerprint": "", "properties": [],
                "haystack": " ".join((label, one_line(entry.title), one_line(entry.where), s.stage)).lower(),
            })
    return rows


def _rules(items: list[EvaluatedFinding]) -> tuple[dict[str, str], list[tuple[str, Finding, int]]]:
    """One anchor per rule, and per rule its first finding (for the texts) and how many it has."""
    anchors: dict[str, str] = {}
    first: dict[str, Finding] = {}
    counts: dict[str, int] = {}
    for item in items:
        key = _rule_key(item.finding)
        if key not in anchors:
            anchors[key] = f"rule-{len(anchors) + 1}"
            first[key] = item.finding
        counts[key] = counts.get(key, 0) + 1
    return anchors, [(anchor, first[k], counts[k]) for k, anchor in anchors.items()]


def island(payload: dict[str, Any]) -> str:
    """JSON for a <script type="application/json"> element: no "<", ">" or "&" can end or confuse it."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _stage_table(verdict: Verdict) -> str:
    head = ["Stage", "Status", *(s.label.capitalize() for s in SEVERITY_ORDER),
            "New", "Baselined", "Suppressed", "Fixed", "Blocking", "Duration"]
    rows = ["<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for row in stage_rows(verdict):
        nums = [*(row.by_severity[s.label] for s in SEVERITY_ORDER), row.new, row.baselined, row.suppressed,
                row.fixed, row.blocking]
        rows.append(
            f"<tr><td>{e(row.stage)}</td><td class=\"{e(status_key(row.status).replace(' ', '-'))}\">{e(row.status)}</td>"
            + "".join(f'<td class="n">{n}</td>' for n in nums)
            + f'<td class="n">{row.duration_s:.1f}s</td></tr>'
        )
    return '<div class="scroll"><table class="stages">' + "".join(rows) + "</tbody></table></div>"


def chart(verdict: Verdict) -> str:
    """Stacked bars of findings by stage and severity (suppressed left out, as in the stage table)."""
    rows = [r for r in stage_rows(verdict) if sum(r.by_severity.values())]
    if not rows:
        return ""
    widest = max(sum(r.by_severity.values()) for r in rows)
    label_w, bar_w, row_h = 110, 440, 22
    height = row_h * len(rows) + 30
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {label_w + bar_w + 60} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>Findings by stage and severity</title>']
    for i, row in enumerate(rows):
        y = i * row_h
        parts.append(f'<text x="0" y="{y + 15}">{e(row.stage, 16)}</text>')
        x = float(label_w)
        for sev in SEVERITY_ORDER:
            count = row.by_severity[sev.label]
            if not count:
                continue
            w = bar_w * count / widest
            parts.append(f'<rect class="bar-{sev.label}" x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="16">'
                         f"<title>{e(row.stage)}: {count} {sev.label}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}">{sum(row.by_severity.values())}</text>')
    x = 0
    for sev in SEVERITY_ORDER:
        parts.append(f'<rect class="bar-{sev.label}" x="{x}" y="{height - 14}" width="10" height="10"></rect>'
                     f'<text x="{x + 14}" y="{height - 5}">{sev.label}</text>')
        x += 80
    parts.append("</svg>")
    return "".join(parts)


def _blocks(verdict: Verdict, ctx: ReportContext) -> str:
    """What keeps the gate from passing, first: stage errors, unapproved weakenings, blocking findings."""
    lines = [f"<li><strong class=\"error\">stage {e(p.stage)} could not run</strong>: {e(p.reason)}</li>"
             for p in stage_problems(verdict) if p.required]
    review = verdict.policy_review
    if review is not None and review.blocking:
        lines += [f"<li><strong class=\"error\">policy</strong>: {e(line)}</li>" for line in weakening_lines(verdict)]
    blocking = [item for item in verdict.findings if item.blocking]
    for item in blocking[:FIRST_SCREEN_BLOCKING]:
        f = item.finding
        lines.append(f'<li><span class="{e(f.severity.label)}">{e(f.severity.label)}</span> '
                     f'{a(e(where(f)), location_url(f, ctx))} '
                     f"<strong>{e(rule_label(f))}</strong>: {e(f.message or f.title, 300)}</li>")
    if len(blocking) > FIRST_SCREEN_BLOCKING:
        lines.append(f"<li>… and {len(blocking) - FIRST_SCREEN_BLOCKING} more blocking finding(s): "
                     "choose “blocking” in the Disposition filter below.</li>")
    if not lines:
        return "<h2>What blocks</h2><p>Nothing blocks this change.</p>"
    return '<h2>What blocks</h2><ul class="blocks">' + "".join(lines) + "</ul>"


def _list(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    return f"<h2>{e(title)}</h2><ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"


def _problems(verdict: Verdict) -> list[str]:
    problems = stage_problems(verdict)
    if not problems:
        return []
    parts = ["<h2>Stages that could not run</h2>"]
    for problem in problems:
        note = "" if problem.required else " (not required: reported, does not gate)"
        parts.append(f"<p><strong>{e(problem.stage)}</strong>: {e(problem.reason)}{e(note)}</p>")
        parts.extend(f"<p>{e(error)}</p>" for error in problem.other_errors)
        for tool in problem.tools:
            stderr = tail(tool.stderr_tail)
            if stderr:
                parts.append(f"<p>stderr of {e(tool.tool)}:</p><pre>{html.escape(stderr, quote=True)}</pre>")
    return parts


def _rule_docs(rules: list[tuple[str, Finding, int]]) -> str:
    if not rules:
        return ""
    parts = [f"<h2>Rules ({len(rules)}): fix and documentation, once per rule</h2>"]
    for anchor, f, count in rules:
        facts = [f"{count} finding(s)"]
        if f.cwe:
            facts.append(", ".join(f"CWE-{int(c)}" for c in f.cwe))
        parts.append(f'<div class="rule-doc" id="{anchor}"><h3>{a(e(rule_label(f)), f.help_uri)}: {e(f.title, 300)}</h3>'
                     f'<p class="small">{e(" · ".join(facts))}</p>')
        if f.fix_hint:
            parts.append(f"<p>Fix: {e(f.fix_hint, 1000)}</p>")
        parts.append("</div>")
    return "".join(parts)


_EXPLORER = """<section id="explorer" hidden>
<div class="filters" role="search">
<label>Stage<select id="f-stage"><option value="">all</option></select></label>
<label>Tool<select id="f-tool"><option value="">all</option></select></label>
<label>Severity<select id="f-severity"><option value="">all</option></select></label>
<label>Disposition<select id="f-disposition"><option value="">all</option><option value="blocking">blocking</option>
<option value="new">new</option><option value="baselined">baselined</option><option value="suppressed">suppressed</option>
<option value="fixed">fixed</option></select></label>
<label>Group by<select id="f-group"><option value="stage">stage</option><option value="rule">rule</option>
<option value="file">file</option><option value="none">nothing</option></select></label>
<label>Search<input id="f-q" type="search" placeholder="text, path, rule, fingerprint"></label>
</div>
<p id="shown" class="small"></p>
<div id="groups"></div>
</section>
<noscript><p>The findings explorer needs JavaScript; every finding is also in verdict.json.</p></noscript>"""


def render(verdict: Verdict, ctx: ReportContext, max_findings: int = MAX_FINDINGS) -> str:
    t = verdict.totals()
    items = verdict.findings
    shown = items[:max_findings]
    anchors, rules = _rules(shown)
    findings = [_finding_data(n, item, ctx, anchors) for n, item in enumerate(shown, start=1)]
    findings += _fixed_data(len(findings) + 1, verdict)
    rule_texts = {anchor: {"fix": one_line(f.fix_hint, 1000)} for anchor, f, _ in rules}
    facets = {
        "stage": sorted({s.stage for s in verdict.stages}),
        "tool": sorted({tool for row in findings for tool in row["tools"]}),
        "severity": [s.label for s in SEVERITY_ORDER],
    }
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>secure-pipeline: {e(verdict.status.value)}</title><style>{CSS}</style></head><body>",
        "<h1>secure-pipeline verdict</h1>",
        f'<p class="headline {e(verdict.status.value)}">{e(verdict.headline)}</p>',
        f'<p class="small">Exit code {verdict.exit_code} · {t["blocking"]} blocking · {t["new"]} new · '
        f'{t["baselined"]} baselined · {t["suppressed"]} suppressed · {t["fixed"]} fixed · '
        f"generated {e(verdict.generated_at)}</p>",
        _blocks(verdict, ctx),
        "<h2>Stages</h2>", _stage_table(verdict), chart(verdict),
    ]
    summary = policy_summary(verdict)
    if summary:
        parts.append(f"<h2>Policy changes</h2><p>{e(summary)}</p>")
        lines = weakening_lines(verdict)
        if lines:
            parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
    parts.extend(_problems(verdict))

    parts.append(f"<h2>Findings ({len(items)})</h2>")
    if len(shown) < len(items):
        parts.append(f"<p><strong>Truncated:</strong> showing the {len(shown)} highest-ranked of {len(items)} findings; "
                     "every finding is in verdict.json.</p>")
    parts.append(_EXPLORER if findings else "<p>No findings.</p>")
    parts.append(_rule_docs(rules))
    parts.append(_list("Expired suppressions (no longer suppress)", expired_lines(verdict)))
    parts.append(_list("Stale suppressions (match nothing)", stale_lines(verdict)))
    parts.append(_list("Stale baseline entries (fixed)", fixed_lines(verdict)))
    parts.append(_list("Notes", list(verdict.notes)))
    if findings:
        payload = {"findings": findings, "rules": rule_texts, "facets": facets}
        parts.append(f'<script type="application/json" id="report-data">{island(payload)}</script>')
        parts.append(f"<script>{SCRIPT}</script>")
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


class HtmlReporter:
    name = "html"

    def __init__(self, max_findings: int = MAX_FINDINGS) -> None:
        self.max_findings = max_findings

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        return write_text_atomic(ctx.out_dir / FILE_NAME, render(verdict, ctx, self.max_findings))

"""The step summary: verdict first, safe Markdown, links, byte budget, appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from pipeline.model import Severity, Status
from pipeline.reporters.markdown import MarkdownReporter, md

from .conftest import finding, run, stage

GH_ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "0123abc"}


def _unescaped(text: str, char: str) -> int:
    return len(re.findall(r"(?<!\\)" + re.escape(char), text))


def test_verdict_first_then_table_then_findings(rich_verdict, make_ctx):
    path = MarkdownReporter().write(rich_verdict, make_ctx(GH_ENV))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("## ") and "ERROR" in lines[0]
    assert text.index("| Stage | Status |") < text.index("| # | Severity |")
    assert "[bandit B602](https://bandit.readthedocs.io/b602.html)" in text
    assert "(https://github.com/acme/shop/blob/0123abc/app/main.py#L10)" in text
    assert "<pre>Traceback (most recent call last):" in text
    assert "Expired suppressions" in text and "Stale baseline entries" in text


def test_hostile_text_cannot_break_the_table_or_inject(hostile_verdict, make_ctx):
    text = MarkdownReporter().write(hostile_verdict, make_ctx(GH_ENV)).read_text(encoding="utf-8")
    header = "| # | Severity | Gate | Rule | Where | Finding |"
    rows = [line for line in text.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert len(rows) == 2
    for row in rows:
        assert _unescaped(row, "|") == _unescaped(header, "|")
    # The only raw tags are the report's own; every "<" from a finding is backslash-escaped.
    # (issue 15: the summary now also collapses sections in <details><summary>.)
    assert set(re.findall(r"(?<!\\)<(/?[A-Za-z]+)", text)) <= {"br", "pre", "/pre", "details", "/details", "summary", "/summary"}
    assert "](javascript" not in text and "\\[click\\]\\(javascript\\:alert" in text
    assert "&lt;/pre&gt;&lt;script&gt;" in text, "stderr is HTML-escaped inside <pre>"
    assert text.count("<pre>") == text.count("</pre>") == 1


def test_escape_covers_markdown_and_html():
    assert md("a|b`c<d>[e](f)*g_h\nnext") == "a\\|b\\`c\\<d\\>\\[e\\]\\(f\\)\\*g\\_h next"


def test_budget_truncates_and_says_so(make_verdict, make_ctx):
    findings = [finding("bandit", f"B{n}", line=n + 1, message="x" * 400) for n in range(60)]
    verdict = make_verdict([stage("sast", [run("bandit")], findings)])
    text = MarkdownReporter(budget=12_000).write(verdict, make_ctx(top_findings=60)).read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 12_000
    assert "**Truncated**" in text and text.startswith("## ")


def test_appends_to_github_step_summary(rich_verdict, make_ctx, tmp_path: Path):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier output of this step\n", encoding="utf-8")
    path = MarkdownReporter().write(rich_verdict, make_ctx({"GITHUB_STEP_SUMMARY": str(summary)}))
    content = summary.read_text(encoding="utf-8")
    assert content.startswith("earlier output of this step\n")
    assert content.endswith(path.read_text(encoding="utf-8"))


def _rendered(text: str) -> str:
    """The summary as a CommonMark renderer with GFM tables and raw HTML (as GitHub's) turns it into HTML."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


class _Where(HTMLParser):
    """For each row of a findings table (headed "#"), its number and whether it sits inside a <details>."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.header: str | None = None
        self.first_cell = False
        self.cell: list[str] | None = None
        self.rows: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "details"
        if tag == "table":
            self.header = None
        if tag == "tr":
            self.first_cell = True
        if tag in ("td", "th") and self.first_cell:
            self.cell, self.first_cell = [], False

    def handle_endtag(self, tag):
        self.depth -= tag == "details"
        if tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            if tag == "th" and self.header is None:
                self.header = text
            elif tag == "td" and self.header == "#":
                self.rows.append((text, self.depth > 0))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _nit_verdict(make_verdict, nits: int = 60):
    blocking = [finding("bandit", "B602", severity=Severity.HIGH, line=n + 1, fix_hint="Pass an argument list")
                for n in range(3)]
    lint = [finding("pylint", f"C0{n % 9}", severity=Severity.LOW, path=f"app/v{n}.py", line=n + 1) for n in range(nits)]
    return make_verdict([stage("sast", [run("bandit")], blocking), stage("lint", [run("pylint")], lint),
                         stage("harden", [run("zizmor", Status.SKIPPED, reason="no workflow files")], [],
                               status=Status.SKIPPED, reason="no workflow files")])


def test_blocking_findings_first_everything_else_collapsed(make_verdict, make_ctx):
    verdict = _nit_verdict(make_verdict)
    text = MarkdownReporter().write(verdict, make_ctx(GH_ENV)).read_text(encoding="utf-8")
    parser = _Where()
    parser.feed(_rendered(text))
    visible = [n for n, collapsed in parser.rows if not collapsed]
    hidden = [n for n, collapsed in parser.rows if collapsed]
    assert visible == ["1", "2", "3"], "only the blocking findings are open"
    assert len(hidden) == 60 and "New, not blocking (60)" in text
    assert text.index("Blocking findings (3)") < text.index("<details>")
    assert text.count("fix: Pass an argument list") == 1, "the fix text is shown once per rule"
    assert "(https://github.com/acme/shop/blob/0123abc/app/main.py#L1)" in text
    assert "**harden**: not applicable here\\: zizmor\\: no workflow files" in text, "what did not run says why"


def test_within_githubs_limit_with_thousands_of_findings(make_verdict, make_ctx):
    findings = [finding("bandit", f"B{n}", severity=Severity.HIGH if n % 10 == 0 else Severity.LOW, line=n + 1,
                        message="m" * 400) for n in range(4000)]
    verdict = make_verdict([stage("sast", [run("bandit")], findings)])
    text = MarkdownReporter().write(verdict, make_ctx(top_findings=20)).read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 1_000_000 < 1024 * 1024
    assert "**Truncated**" in text
    assert text.count("<details>") == text.count("</details>")
    first_other = text.index("<details><summary>New, not blocking") if "New, not blocking" in text else len(text)
    assert text.index("Blocking findings (400)") < text.index("<details>") <= first_other

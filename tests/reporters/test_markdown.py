"""The step summary: verdict first, safe Markdown, links, byte budget, appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import re
from pathlib import Path

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
    assert set(re.findall(r"(?<!\\)<(/?[A-Za-z]+)", text)) <= {"br", "pre", "/pre"}
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

"""The HTML report: self-contained, every text escaped, capped with the cut stated."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipeline.reporters.html import HtmlReporter

from .conftest import finding, run, stage


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _parse(text: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def test_self_contained_with_everything(rich_verdict, make_ctx):
    text = HtmlReporter().write(rich_verdict, make_ctx()).read_text(encoding="utf-8")
    tags = _parse(text)
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object")]
    assert all("src" not in attrs for _, attrs in tags)
    assert rich_verdict.headline in text and "B602" in text and "RuntimeError: x" in text
    assert "suppression #3" in text and "Stale baseline" in text
    assert 'href="https://bandit.readthedocs.io/b602.html"' in text


def test_hostile_content_is_escaped(hostile_verdict, make_ctx):
    text = HtmlReporter().write(hostile_verdict, make_ctx()).read_text(encoding="utf-8")
    tags = {t for t, _ in _parse(text)}
    assert not tags & {"script", "img", "b"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert not re.search(r'href="javascript', text, re.I)
    assert "\x00" not in text and "\x1b" not in text


def test_caps_findings_and_says_so(make_verdict, make_ctx):
    verdict = make_verdict([stage("sast", [run("bandit")], [finding("bandit", f"B{n}", line=n + 1) for n in range(30)])])
    text = HtmlReporter(max_findings=10).write(verdict, make_ctx()).read_text(encoding="utf-8")
    assert "showing the 10 highest-ranked of 30 findings" in text
    assert text.count('<tr><td class="n">') == 10

"""The HTML report: self-contained, every text escaped, capped with the cut stated."""

from __future__ import annotations

import base64
import hashlib
import json
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


def _csp(text: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)


def test_self_contained_with_everything(rich_verdict, make_ctx):
    text = HtmlReporter().write(rich_verdict, make_ctx()).read_text(encoding="utf-8")
    tags = _parse(text)
    # Changed with issue 15: one inline script (the explorer) and one JSON island, nothing loaded.
    assert [attrs.get("type") for t, attrs in tags if t == "script"] == ["application/json", None]
    assert not [t for t, _ in tags if t in ("link", "img", "iframe", "object")]
    assert all("src" not in attrs for _, attrs in tags)
    assert rich_verdict.headline in text and "B602" in text and "RuntimeError: x" in text
    assert "suppression #3" in text and "Stale baseline" in text
    assert 'href="https://bandit.readthedocs.io/b602.html"' in text


def test_hostile_content_is_escaped(hostile_verdict, make_ctx):
    text = HtmlReporter().write(hostile_verdict, make_ctx()).read_text(encoding="utf-8")
    tags = [t for t, _ in _parse(text)]
    assert tags.count("script") == 2 and not set(tags) & {"img", "b"}, "only the report's own two scripts"
    island = text[text.index('id="report-data">'):]
    island = island[:island.index("</script>")]
    assert "<" not in island[len('id="report-data">'):] and "\\u003cscript\\u003e" in island
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert not re.search(r'href="javascript', text, re.I)
    assert "\x00" not in text and "\x1b" not in text


def test_caps_findings_and_says_so(make_verdict, make_ctx):
    verdict = make_verdict([stage("sast", [run("bandit")], [finding("bandit", f"B{n}", line=n + 1) for n in range(30)])])
    text = HtmlReporter(max_findings=10).write(verdict, make_ctx()).read_text(encoding="utf-8")
    assert "showing the 10 highest-ranked of 30 findings" in text
    island = text[text.index('id="report-data">') + len('id="report-data">'):]
    data = json.loads(island[:island.index("</script>")])
    assert len(data["findings"]) == 10


def test_csp_allows_exactly_the_inline_script_and_style(rich_verdict, make_ctx):
    text = HtmlReporter().write(rich_verdict, make_ctx()).read_text(encoding="utf-8")
    csp = _csp(text)
    script = text[text.rindex("<script>") + 8:text.rindex("</script>")]
    style = text[text.index("<style>") + 7:text.index("</style>")]
    for body, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}';" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_location_links(make_verdict, make_ctx, tmp_path):
    verdict = make_verdict([stage("sast", [run("bandit")], [finding(path="app/a b#c?.py", line=3),
                                                             finding(rule_id="B1", path="/etc/passwd", line=1)])])
    local = HtmlReporter().write(verdict, make_ctx()).read_text(encoding="utf-8")
    assert 'href="../../app/a%20b%23c%3F.py#L3"' in local
    assert "/etc/passwd" in local and 'href="/etc' not in local and "etc/passwd#L1" not in local
    remote = HtmlReporter().write(verdict, make_ctx({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop",
                                                      "GITHUB_SHA": "0123abc"})).read_text(encoding="utf-8")
    assert 'href="https://github.com/acme/shop/blob/0123abc/app/a%20b%23c%3F.py#L3"' in remote

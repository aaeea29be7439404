"""Human-readable reports show only whitelisted finding properties, never raw tool extras."""

from __future__ import annotations

import pytest

from pipeline.reporters import REPORTERS, write_all

from .conftest import PLANTED, finding, run, stage

DISPLAY_FORMATS = ["secure-pipeline.sarif", "junit.xml", "report.html", "summary.md", "pr-comment.md"]


@pytest.fixture
def planted_verdict(make_verdict):
    leaky = finding("detect-secrets", "Secret Keyword", line=3,
                    properties={"hashed_secret": "f" * 40, "evidence": PLANTED, "raw_line": f"password = '{PLANTED}'",
                                "nested": {"value": PLANTED}})
    return make_verdict([stage("secrets", [run("detect-secrets")], [leaky])])


@pytest.mark.parametrize("name", DISPLAY_FORMATS)
def test_no_non_display_property_in_files(planted_verdict, make_ctx, name):
    ctx = make_ctx({"GITHUB_ACTIONS": "true"})
    write_all(planted_verdict, ctx)
    text = (ctx.out_dir / name).read_text(encoding="utf-8")
    assert PLANTED not in text
    if name != "junit.xml":
        assert "f" * 40 in text, "whitelisted properties (the hashed secret) are shown"


def test_no_non_display_property_on_stdout(planted_verdict, make_ctx):
    ctx = make_ctx({"GITHUB_ACTIONS": "true"})
    write_all(planted_verdict, ctx, [r for r in REPORTERS if r.name in ("console", "annotations")])
    out = ctx.stdout.getvalue()
    assert PLANTED not in out and "Secret Keyword" in out


def test_control_sequences_are_shown_as_escapes_in_every_format(make_verdict, make_ctx):
    # A file named to repaint a terminal ("ALL PASSED" in green over a cleared screen).
    painted = finding("pylint", "W0611", path="app/ansi\x1b[2J\x1b[32mALL PASSED.py", message="Unused import os \x1b]0;title\x07")
    verdict = make_verdict([stage("lint", [run("pylint")], [painted])])
    ctx = make_ctx({"GITHUB_ACTIONS": "true"})
    write_all(verdict, ctx)
    texts = {name: (ctx.out_dir / name).read_text(encoding="utf-8") for name in DISPLAY_FORMATS}
    texts["stdout"] = ctx.stdout.getvalue()
    for name, text in texts.items():
        assert "\x1b" not in text and "\x07" not in text, name
    for name in ("report.html", "stdout"):
        assert "\\x1b[2J\\x1b[32mALL PASSED" in texts[name], name

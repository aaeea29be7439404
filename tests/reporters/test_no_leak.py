"""Human-readable reports show only whitelisted finding properties, never raw tool extras."""

from __future__ import annotations

import pytest

from pipeline.reporters import REPORTERS, write_all

from .conftest import PLANTED, finding, run, stage

DISPLAY_FORMATS = ["secure-pipeline.sarif", "junit.xml", "report.html", "summary.md"]


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

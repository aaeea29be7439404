"""write_all: every reporter runs, and a failing one is reported, never dropped."""

from __future__ import annotations

import pytest

from pipeline.reporters import REPORTERS, ReportWriteError, write_all

EXPECTED_FILES = {"secure-pipeline.sarif", "verdict.json", "junit.xml", "report.html", "summary.md", "pr-comment.md"}


def test_writes_every_report_file(rich_verdict, make_ctx):
    ctx = make_ctx()
    written = write_all(rich_verdict, ctx)
    assert {p.name for p in written} == EXPECTED_FILES
    assert all(p.parent == ctx.out_dir and p.stat().st_size > 0 for p in written)
    assert rich_verdict.headline in ctx.stdout.getvalue()


def test_reporter_names_are_unique():
    names = [r.name for r in REPORTERS]
    assert len(names) == len(set(names)) == 8


class _Broken:
    name = "broken"

    def write(self, verdict, ctx):
        raise OSError("disk full")


def test_one_failing_reporter_does_not_stop_the_others(rich_verdict, make_ctx):
    ctx = make_ctx()
    reporters = [_Broken(), *REPORTERS]
    with pytest.raises(ReportWriteError) as info:
        write_all(rich_verdict, ctx, reporters)
    assert "broken reporter failed: OSError: disk full" in str(info.value)
    assert [name for name, _ in info.value.failures] == ["broken"]
    assert {p.name for p in info.value.written} == EXPECTED_FILES
    assert all((ctx.out_dir / name).is_file() for name in EXPECTED_FILES)

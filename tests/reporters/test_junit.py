"""JUnit XML: a suite per stage, a case per stage and per failing rule, valid for hostile content."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pipeline.model import Status
from pipeline.reporters.junit import JunitReporter

from .conftest import HOSTILE_MESSAGE, run, stage


def _tree(verdict, ctx) -> ET.Element:
    return ET.fromstring(JunitReporter().write(verdict, ctx).read_bytes())


def test_suites_cases_errors_and_failures(rich_verdict, make_ctx):
    root = _tree(rich_verdict, make_ctx())
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert sorted(suites) == ["deps", "lint", "sast", "secrets"]
    lint_error = suites["lint"].find("testcase/error")
    assert lint_error is not None and "pyflakes: exited 2 without output" in lint_error.get("message")
    assert "RuntimeError: x" in lint_error.text
    assert "no report for stage 'deps'" in suites["deps"].find("testcase/error").get("message")
    failing = [c for c in suites["sast"].iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == ["bandit B602: bandit B602 problem"]
    assert "app/main.py:10:5" in failing[0].find("failure").text
    assert suites["sast"].get("failures") == "1" and suites["sast"].get("tests") == "2"
    assert suites["secrets"].find("testcase/failure") is None, "suppressed findings do not fail"
    # lint fails too: the merged unused import is blocking through pyflakes' own threshold.
    assert root.get("errors") == "2" and root.get("failures") == "2"


def test_not_applicable_stage_is_a_skipped_case(make_verdict, make_ctx):
    # Changed deliberately (issue 9 item 1): a default stage with nothing to scan is "not applicable",
    # and its reason comes from the tool runs, not from what the report claimed.
    verdict = make_verdict([stage("sast", [run("bandit", Status.SKIPPED, reason="no Python files")], [],
                                  Status.SKIPPED, reason="no Python files to scan")])
    assert verdict.stages[0].status is Status.NOT_APPLICABLE and verdict.exit_code == 0
    skipped = _tree(verdict, make_ctx()).find("testsuite/testcase/skipped")
    assert skipped is not None and skipped.get("message") == "not applicable here: bandit: no Python files"


def test_hostile_content_is_well_formed(hostile_verdict, make_ctx):
    path = JunitReporter().write(hostile_verdict, make_ctx())
    raw = path.read_text(encoding="utf-8")
    root = ET.fromstring(raw.encode("utf-8"))  # raises on any invalid character or broken markup
    assert "<script>" not in raw and "\x00" not in raw and "\x1b" not in raw
    failure = root.find(".//failure")
    assert "<script>alert(1)</script>" in failure.text  # shown as text, escaped in the file
    assert "::warning::injected" in failure.text and HOSTILE_MESSAGE not in failure.text

"""GitHub workflow-command annotations: toolkit escaping, ranking and the per-step budget."""

from __future__ import annotations

import re

from pipeline.baseline import Baseline
from pipeline.config import from_mapping
from pipeline.model import Severity, Status
from pipeline.policy import evaluate
from pipeline.reporters.annotations import (
    MAX_ERRORS, MAX_WARNINGS, AnnotationsReporter, escape_data, escape_property, stop_commands,
)

from .conftest import HOSTILE_PATH, TODAY, finding, run, stage

GH = {"GITHUB_ACTIONS": "true"}
COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def _lines(verdict, ctx) -> list[str]:
    AnnotationsReporter().write(verdict, ctx)
    return ctx.stdout.getvalue().splitlines()


def test_escaping_matches_actions_toolkit():
    assert escape_data("100% done\r\nnext") == "100%25 done%0Anext"
    assert escape_data("a\rb\nc%") == "a%0Ab%0Ac%25"
    assert escape_property("C:\\x,y\nz%") == "C%3A\\x%2Cy%0Az%25"


def test_nothing_outside_github_actions(rich_verdict, make_ctx):
    ctx = make_ctx({})
    assert AnnotationsReporter().write(rich_verdict, ctx) is None
    assert ctx.stdout.getvalue() == ""


def test_stage_errors_then_blocking_then_warnings(rich_verdict, make_ctx):
    lines = _lines(rich_verdict, make_ctx(GH))
    levels = [COMMAND.match(line).group(1) for line in lines]
    assert levels == sorted(levels, key=["error", "warning", "notice"].index)
    assert "stage deps could not run" in lines[0] or "stage deps could not run" in lines[1]
    blocking = next(line for line in lines if "B602" in line)
    assert blocking.startswith("::error file=app/main.py,line=10,col=5,title=[high] bandit B602%3A ")
    assert not any("B105" in line for line in lines), "suppressed findings are not annotated"
    assert any(line.startswith("::warning ") and "C0114" in line for line in lines)


def test_budget_ten_errors_ten_warnings_then_one_notice(make_verdict, make_ctx):
    findings = [finding("bandit", f"B{n}", severity=Severity.HIGH, line=n + 1) for n in range(15)]
    findings += [finding("pylint", f"C{n}", severity=Severity.LOW, line=n + 1) for n in range(12)]
    findings.append(finding("bandit", "B999", severity=Severity.CRITICAL, line=99))
    verdict = make_verdict([stage("sast", [run("bandit")], findings[:15] + findings[-1:]),
                            stage("lint", [run("pylint")], findings[15:27])])
    lines = _lines(verdict, make_ctx(GH))
    kinds = [COMMAND.match(line).group(1) for line in lines]
    assert kinds.count("error") == MAX_ERRORS and kinds.count("warning") == MAX_WARNINGS and kinds.count("notice") == 1
    assert "B999" in lines[0], "the most severe finding comes first"
    assert "6 more error(s) and 2 more warning(s)" in lines[-1]


def test_hostile_values_cannot_start_a_command(hostile_verdict, make_ctx):
    lines = _lines(hostile_verdict, make_ctx(GH))
    assert lines and all(COMMAND.match(line) for line in lines)
    hostile = next(line for line in lines if "evil" in line)
    # The runner ends the command and its properties at the first "::" after the name; the rest is data.
    command = hostile[2:hostile.index("::", 2)]
    assert command.startswith(f"error file={escape_property(HOSTILE_PATH)},line=10,")
    assert "\n" not in hostile and "\x1b" not in hostile and "\x00" not in hostile


def test_stop_commands_wraps_with_a_fresh_token():
    text = "::error::pwned\n::add-mask::x"
    one, two = stop_commands(text), stop_commands(text)
    token = one.splitlines()[0].removeprefix("::stop-commands::")
    assert len(token) >= 32 and one.splitlines()[-1] == f"::{token}::" and token not in text
    assert one != two


def test_hints_never_take_an_error_slot_from_a_blocking_finding(make_ctx, tmp_path):
    # An optional stage in error and twelve blocking findings: the ten error slots go to blocking
    # findings, the optional stage's error is a warning (it does not gate).
    config = from_mapping(tmp_path, {"stages": {"harden": {"required": False}}}, None)
    blocking = [finding("bandit", f"B{n}", severity=Severity.HIGH, line=n + 1) for n in range(12)]
    hints = [finding("pylint", f"C{n}", severity=Severity.LOW, line=n + 1) for n in range(3)]
    broken = stage("harden", [run("zizmor", Status.ERROR, error="zizmor: crashed")], [], status=Status.ERROR,
                   reason="zizmor: crashed")
    verdict = evaluate([stage("sast", [run("bandit")], blocking), stage("lint", [run("pylint")], hints), broken],
                       config, [], Baseline(), today=TODAY, generated_at="2026-01-15T12:00:00+00:00")
    lines = _lines(verdict, make_ctx(GH))
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == MAX_ERRORS and all("bandit B" in line for line in errors)
    assert [line for line in warnings if "stage harden could not run (not required)" in line]
    assert len([line for line in warnings if "pylint C" in line]) == 3
    assert "2 more error(s) and 0 more warning(s)" in lines[-1]

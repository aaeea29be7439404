"""The console report: readable in a CI log, no markup injection, raw scanner text fenced under Actions."""

from __future__ import annotations

import io

import re

from pipeline.model import Severity, Status
from pipeline.reporters import write_all
from pipeline.reporters.console import ConsoleReporter

from .conftest import finding, run, stage


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_table_errors_findings_and_headline(rich_verdict, make_ctx):
    ctx = make_ctx({}, top_findings=3)
    ConsoleReporter().write(rich_verdict, ctx)
    out = ctx.stdout.getvalue()
    assert "\x1b[" not in out, "no ANSI colours outside a terminal"
    for needle in ("lint", "sast", "secrets", "deps", "error", "failed",
                   "pyflakes: exited 2 without output", "RuntimeError: x",
                   # issue 15 changed the findings heading (was "Top 3 of 7 finding(s)"):
                   "7 finding(s): 2 blocking (all listed first), 2 of 2 new non-blocking (top_findings=3)",
                   "suppression #2", "matched nothing", "B303", rich_verdict.headline):
        assert needle in out, needle
    assert out.rstrip().splitlines()[-1].startswith(rich_verdict.headline)
    assert "::stop-commands::" not in out


def test_colours_on_a_terminal(rich_verdict, make_ctx):
    ctx = make_ctx({})
    ctx.stdout = _Tty()
    ConsoleReporter().write(rich_verdict, ctx)
    assert "\x1b[" in ctx.stdout.getvalue()


def test_scanner_text_is_fenced_under_github_actions(hostile_verdict, make_ctx):
    ctx = make_ctx({"GITHUB_ACTIONS": "true"})
    ConsoleReporter().write(hostile_verdict, ctx)
    lines = ctx.stdout.getvalue().splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[0].startswith("::stop-commands::") and len(token) >= 32
    assert lines[-1] == f"::{token}::"
    body = "\n".join(lines[1:-1])
    assert "::error file=a::pwned" in body  # the stderr tail is shown, inside the fence


def test_markup_in_findings_is_printed_literally(make_verdict, make_ctx):
    verdict = make_verdict([stage("sast", [run("bandit")], [
        finding(message="[bold red]x[/bold red] :smile: [link=https://evil.example]y[/link]")])])
    ctx = make_ctx({})
    ConsoleReporter().write(verdict, ctx)
    out = ctx.stdout.getvalue()
    assert "[bold red]x[/bold red]" in out and ":smile:" in out and "[link=https://evil.example]" in out


def test_off_a_terminal_no_wrapped_line_starts_a_workflow_command(make_verdict, make_ctx):
    # GitHub's runner reads the log even when GITHUB_ACTIONS did not reach the harness (a container
    # step): a long reason that wraps right before a file name's "::error" must not start a line.
    name = "x" * 134 + " ::error title=INJECTED::x.py"  # wraps right before "::error" at 140 columns
    verdict = make_verdict([stage("sast", [run("bandit", Status.ERROR, error=f"bandit: could not scan {name}")], [],
                                  status=Status.ERROR, reason=f"bandit: could not scan {name}")])
    ctx = make_ctx({})
    ConsoleReporter().write(verdict, ctx)
    out = ctx.stdout.getvalue()
    assert "title=INJECTED" in out
    assert not any(line.lstrip().startswith("::") for line in out.splitlines()), out


def test_one_editor_line_per_finding_blocking_first_message_once(make_verdict, make_ctx):
    nits = [finding("pylint", f"C0{n}", severity=Severity.LOW, line=n + 1, title="Missing docstring",
                    message=f"Missing module docstring {n}", fix_hint="add a docstring") for n in range(5)]
    secret = finding("detect-secrets", "GitHub Token", severity=Severity.HIGH, path="settings.py", line=3,
                     title="Potential secret: GitHub Token", message="GitHub Token in settings.py:3",
                     properties={"hashed_secret": "e" * 40}, fix_hint="rotate it")
    verdict = make_verdict([stage("lint", [run("pylint")], nits), stage("secrets", [run("detect-secrets")], [secret])])
    ctx = make_ctx({}, top_findings=2)
    ConsoleReporter().write(verdict, ctx)
    lines = ctx.stdout.getvalue().splitlines()
    editor = [line for line in lines if re.match(r"^[\w./-]+:\d+:\d+: ", line)]
    assert editor[0] == "settings.py:3:5: GitHub Token [detect-secrets high, blocking] GitHub Token in settings.py:3"
    assert editor[1:] == ["app/main.py:1:5: C00 [pylint low, new] Missing module docstring 0",
                          "app/main.py:2:5: C01 [pylint low, new] Missing module docstring 1"]
    out = "\n".join(lines)
    assert "Potential secret" not in out and "e" * 40 not in out and "rotate it" not in out, "the message once, nothing else"
    assert "2 of 5 new non-blocking" in out


def test_paths_of_the_reports_written_come_at_the_end(rich_verdict, make_ctx):
    ctx = make_ctx({})
    written = write_all(rich_verdict, ctx)
    lines = ctx.stdout.getvalue().rstrip().splitlines()
    start = lines.index("Reports written:")
    listed = [line.removeprefix("  - ") for line in lines[start + 1:-1]]
    assert sorted(listed) == sorted(str(p) for p in written) and len(listed) == 6
    assert lines[-1].startswith(rich_verdict.headline)

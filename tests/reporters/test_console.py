"""The console report: readable in a CI log, no markup injection, raw scanner text fenced under Actions."""

from __future__ import annotations

import io

from pipeline.reporters.console import ConsoleReporter

from pipeline.model import Status

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
                   "pyflakes: exited 2 without output", "RuntimeError: x", "Top 3 of 7 finding(s)",
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

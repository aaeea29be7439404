"""Verdicts for the reporter tests, built by the real policy over hand-made stage results."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from pipeline.baseline import Baseline, BaselineEntry
from pipeline.config import from_mapping
from pipeline.options import GlobalSettings
from pipeline.model import Acceptance, Confidence, Disposition, Finding, Location, Severity, StageResult, Status, ToolRun
from pipeline.policy import Verdict, evaluate
from pipeline.reporters import ReportContext
from pipeline.suppressions import Suppression

TODAY = dt.date(2026, 1, 15)
DATA = Path(__file__).parent / "data"
# A value a scanner might put in a non-display property; no human-readable report may show it.
PLANTED = "PLANTED-not-for-display-7Q2xZ"
# Text built to break every format it lands in.
HOSTILE_PATH = "app/evil\n::error file=x::owned%0A,name:`<b>|x|</b>`.py"
HOSTILE_MESSAGE = (
    "msg | cell ` tick ``` <script>alert(1)</script></script> [click](javascript:alert(1)) "
    "\r\n::warning::injected\n# heading *em* _u_ @team &amp; \x1b[31mred\x1b[0m \x00\x07 ]]> <!-- ::set-output name=x::y"
)


def finding(tool: str = "bandit", rule_id: str = "B602", *, severity: Severity = Severity.HIGH, path: str | None = "app/main.py",
            line: int | None = 10, fingerprint: str = "", message: str = "", title: str = "", **kwargs) -> Finding:
    location = kwargs.pop("location", None) or Location(path=path, line=line, column=5 if line else None)
    return Finding(
        tool=tool, rule_id=rule_id, title=title or f"{tool} {rule_id} problem", severity=severity, location=location,
        message=message or f"{rule_id} found something", confidence=kwargs.pop("confidence", Confidence.HIGH),
        fingerprint=fingerprint or f"{tool}-{rule_id}-{path}-{line}", **kwargs,
    )


def run(tool: str, status: Status = Status.PASSED, **kwargs) -> ToolRun:
    kwargs.setdefault("version", "1.0.0")
    kwargs.setdefault("command", [tool, "--json", "."])
    kwargs.setdefault("duration_s", 1.25)
    # Every adapter states what it scanned; the policy treats a pass without it as an error.
    kwargs.setdefault("details", {"files_scanned": 4})
    return ToolRun(tool=tool, status=status, **kwargs)


def stage(name: str, tools: list[ToolRun], findings: list[Finding], status: Status = Status.PASSED, reason: str = "") -> StageResult:
    return StageResult(stage=name, status=status, tools=tools, findings=findings, duration_s=2.5, reason=reason)


def suppression(index: int, *, expires: dt.date = dt.date(2027, 1, 1), **match) -> Suppression:
    return Suppression(index=index, owner="appsec@example.com", reason=f"reason {index}", expires=expires, **match)


@pytest.fixture
def config(tmp_path: Path):
    return from_mapping(tmp_path, {}, None)


@pytest.fixture
def make_verdict(config):
    def make(results: list[StageResult], suppressions: list[Suppression] | None = None,
             baseline: Baseline | None = None, expected: list[str] | None = None) -> Verdict:
        return evaluate(results, config, suppressions or [], baseline or Baseline(), today=TODAY,
                        expected=expected, generated_at="2026-01-15T12:00:00+00:00")
    return make


@pytest.fixture
def make_ctx(tmp_path: Path):
    def make(env: dict[str, str] | None = None, top_findings: int = GlobalSettings().top_findings) -> ReportContext:
        return ReportContext(out_dir=tmp_path / "reports" / "verdict", root=tmp_path, top_findings=top_findings,
                             stdout=io.StringIO(), env=dict(env or {}))
    return make


@pytest.fixture
def rich_verdict(make_verdict) -> Verdict:
    """Every kind of fact a verdict can hold: blocking, new, baselined, suppressed (own and file), an
    expired and a stale suppression, a stale baseline entry, a tool in error, a skipped tool, a missing stage."""
    sast = stage("sast", [run("bandit")], [
        finding("bandit", "B602", severity=Severity.HIGH, cwe=(78,), help_uri="https://bandit.readthedocs.io/b602.html",
                fix_hint="Pass an argument list", line=10),
        finding("bandit", "B101", severity=Severity.LOW, line=20, fingerprint="dup"),
        finding("bandit", "B101", severity=Severity.LOW, line=30, fingerprint="dup"),
        finding("bandit", "B105", severity=Severity.MEDIUM, line=40, confidence=Confidence.MEDIUM),
    ])
    lint = stage("lint", [run("pylint"), run("pyflakes", Status.ERROR, error="pyflakes: exited 2 without output",
                                              stderr_tail="Traceback (most recent call last):\n  boom\nRuntimeError: x")], [
        finding("pylint", "W0611", severity=Severity.MEDIUM, rule_name="unused-import", found_by=("pylint", "pyflakes"),
                line=1),
        finding("pylint", "C0114", severity=Severity.LOW, line=1),
    ])
    secrets = stage("secrets", [run("detect-secrets")], [
        finding("detect-secrets", "Secret Keyword", severity=Severity.HIGH, line=5,
                properties={"hashed_secret": "a" * 40},
                accepted_by=Acceptance(Disposition.SUPPRESSED, ".secrets.baseline: audited as a false positive")),
    ])
    baseline = Baseline([
        BaselineEntry("sast", "dup", "bandit", "B101", "app/main.py", "assert used", 1),
        BaselineEntry("sast", "gone", "bandit", "B303", "app/old.py", "md5 used", 2),
    ])
    sups = [
        suppression(1, tool="bandit", rule="B105"),
        suppression(2, rule="B999", expires=dt.date(2025, 1, 1)),
        suppression(3, tool="bandit", rule="B404"),
    ]
    return make_verdict([sast, lint, secrets], sups, baseline, expected=["lint", "sast", "secrets", "deps"])


@pytest.fixture
def hostile_verdict(make_verdict) -> Verdict:
    hostile = finding("bandit", "B602<x>|`", severity=Severity.CRITICAL, path=HOSTILE_PATH, message=HOSTILE_MESSAGE,
                      title="title <img src=x onerror=alert(1)> | [a](javascript:x) \n::error::t",
                      fix_hint="fix ::notice::x\n<script>", help_uri="javascript:alert(1)",
                      properties={"evidence": PLANTED, "manifest": "requirements.txt"})
    web = finding("zap", "10021", severity=Severity.MEDIUM, message="X-Content-Type-Options <missing>",
                  location=Location(url="http://localhost:5000/lo gin?next=<script>", method="POST", param="q|x"))
    error_run = run("bandit", Status.ERROR, error="bandit: crashed ::error::x",
                    stderr_tail="line1\n::error file=a::pwned\n::add-mask::x\n</pre><script>alert(1)</script>\n\n```\n| a | b |")
    return make_verdict([stage("sast", [error_run], [hostile]), stage("secrets", [run("zap")], [web])])

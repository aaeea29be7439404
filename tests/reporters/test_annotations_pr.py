"""Annotations on a pull request: blocking findings on the changed lines first, the rest still annotated.

The change is the real one: a git repository with a base branch and a feature branch, read by
pipeline/changes.py through pipeline/change_scope.py, exactly as the CLI does once per verdict.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.change_scope import for_verdict, on_changed_lines
from pipeline.config import from_mapping
from pipeline.model import Location, Severity
from pipeline.reporters.annotations import MAX_ERRORS, MAX_WARNINGS, OUTSIDE, AnnotationsReporter
from tests.support import git as _git
from tests.support import feature_branch, run_cli, write_tree

from .conftest import finding, run, stage

GH = {"GITHUB_ACTIONS": "true"}
COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")
BASE_LINES = [f"x{n} = {n}" for n in range(1, 41)]


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    """main has app/main.py (40 lines) and app/other.py; the feature branch rewrites lines 3 and 4 of main.py."""
    root = write_tree(tmp_path / "repo", {"app/main.py": "\n".join(BASE_LINES) + "\n", "app/other.py": "y = 1\n"})
    feature_branch(root)
    lines = list(BASE_LINES)
    lines[2:4] = ["import subprocess", "subprocess.call(cmd, shell=True)"]
    (root / "app/main.py").write_text("\n".join(lines) + "\n")
    _git(root, "commit", "-qam", "feature")
    return root


def _verdict(make_verdict):
    # Twelve HIGH blocking findings on lines the branch did not touch, two MEDIUM blocking findings on
    # the changed lines (ranked after the HIGH ones by the policy), and hints on both kinds of line.
    outside = [finding("bandit", f"B{n}", severity=Severity.HIGH, line=10 + n) for n in range(12)]
    inside = [finding("bandit", "B602", severity=Severity.MEDIUM, line=4),
              finding("bandit", "B404", severity=Severity.MEDIUM, line=3)]
    hints = [finding("pylint", f"C{n}", severity=Severity.LOW, line=20 + n) for n in range(12)]
    hints.append(finding("pylint", "W0611", severity=Severity.LOW, line=3, title="unused import on the changed line"))
    return make_verdict([stage("sast", [run("bandit")], outside + inside), stage("lint", [run("pylint")], hints)])


def _annotate(verdict, ctx) -> list[str]:
    AnnotationsReporter().write(verdict, ctx)
    return ctx.stdout.getvalue().splitlines()


def test_blocking_findings_on_changed_lines_come_first_and_none_is_silent(pr_repo, make_verdict, make_ctx):
    verdict = _verdict(make_verdict)
    changes, why_not = for_verdict(from_mapping(pr_repo, {}, None), "main", verdict)
    assert why_not == "" and changes is not None and changes.lines("app/main.py") == {3, 4}
    ctx = make_ctx(GH)
    ctx.changes = changes
    lines = _annotate(verdict, ctx)
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]

    assert len(errors) == MAX_ERRORS
    assert errors[0].startswith("::error file=app/main.py,line=3,") and "B404" in errors[0]
    assert errors[1].startswith("::error file=app/main.py,line=4,") and "B602" in errors[1]
    # The twelve outside the diff: seven keep a line annotation (the run's page shows them), the
    # last slot names the other five; nothing blocking goes unmentioned.
    assert all(OUTSIDE.replace("'", "") in line.replace("'", "") for line in errors[2:])
    summary = errors[-1]
    assert "5 more blocking finding(s)" in summary and "file=" not in summary
    assert all(f"app/main.py:{10 + n}" in summary for n in range(7, 12))
    # A hint never takes an error slot, and the one on a changed line is the first warning.
    assert len(warnings) == MAX_WARNINGS and "W0611" in warnings[0]
    assert not any("pylint" in line for line in errors)
    assert "0 more error(s) and 3 more warning(s)" in lines[-1]


def test_without_a_pull_request_the_ranking_is_by_severity_alone(pr_repo, make_verdict, make_ctx):
    # The same verdict outside a pull request: the changed-line findings would not get a slot, which
    # is what a pull request's "Files changed" view showed before (nothing on the diff).
    lines = _annotate(_verdict(make_verdict), make_ctx(GH))
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == MAX_ERRORS and not any("B602" in line or "B404" in line for line in errors)
    assert "4 more error(s)" in lines[-1]


def test_changed_line_ranges_and_file_level_findings(pr_repo, make_verdict):
    verdict = _verdict(make_verdict)
    changes, _ = for_verdict(from_mapping(pr_repo, {}, None), "main", verdict)
    assert changes is not None
    spanning = finding("bandit", "B1", location=Location(path="app/main.py", line=1, end_line=5))
    assert on_changed_lines(spanning, changes)
    assert not on_changed_lines(finding("bandit", "B1", line=5), changes)
    assert on_changed_lines(finding("pip-audit", "PYSEC-1", path="app/main.py", line=None), changes)
    assert not on_changed_lines(finding("pip-audit", "PYSEC-1", path="app/other.py", line=None), changes)


def test_a_base_git_cannot_diff_against_costs_the_placement_with_a_note(pr_repo, make_verdict):
    changes, why_not = for_verdict(from_mapping(pr_repo, {}, None), "no-such-branch", _verdict(make_verdict))
    assert changes is None and "no-such-branch" in why_not and "fetch-depth: 0" in why_not


def test_the_cli_places_a_real_bandit_finding_on_the_changed_line_first(tmp_path):
    # Real bandit over a real branch: B602 on line 4 is old, the branch adds the same call on line 9.
    # By rank alone line 4 comes first; on the pull request the changed line 9 does.
    old = "import subprocess\n\ncmd = input()\nsubprocess.call(cmd, shell=True)\n"
    root = write_tree(tmp_path / "repo", {"pkg/run.py": old, "pyproject.toml": '[tool.secure-pipeline]\nrun = ["sast"]\n'})
    feature_branch(root)
    (root / "pkg/run.py").write_text(old + "\n\n\n\nsubprocess.call(cmd, shell=True)\n")
    _git(root, "commit", "-qam", "feature")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop",
           "GITHUB_SHA": "f" * 40}
    # --full: both findings stay blocking (PR mode would accept the one the base has; tests/core/test_pr_mode.py).
    proc = run_cli(["run", "sast", "--base", "main", "--full", "--out", str(tmp_path / "reports")], cwd=root, env=env)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ") and "B602" in line]
    assert [e.split(",", 2)[:2] for e in errors] == [["::error file=pkg/run.py", "line=9"],
                                                      ["::error file=pkg/run.py", "line=4"]]
    assert OUTSIDE.replace("'", "") in errors[1].replace("'", "") and OUTSIDE.replace("'", "") not in errors[0].replace("'", "")
    comment = (tmp_path / "reports" / "verdict" / "pr-comment.md").read_text(encoding="utf-8")
    assert comment.index("pkg\\/run\\.py\\:9") < comment.index("pkg\\/run\\.py\\:4") and "changed here" in comment

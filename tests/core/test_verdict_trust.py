"""`pipeline verdict` trusts nothing a stage report says that it can derive itself (issue 9 item 7).

Each test starts from real reports written by `pipeline run` on a real git repository, then forges
them the way an attacker with the artifact (or a broken job) would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from core_helpers import run_cli

RUN = {"SECURE_PIPELINE_RUN_ID": "ci-7"}


def commit_all(root: Path, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


@pytest.fixture
def repo(planted_repo: Path) -> Path:
    (planted_repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["lint", "sast"]\n')
    commit_all(planted_repo, "configure")
    return planted_repo


@pytest.fixture
def reports(repo: Path, tmp_path: Path) -> Path:
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=repo, env=RUN)
    assert proc.returncode == 1, proc.stderr  # the planted code has blocking findings
    return out


def verdict(repo: Path, out: Path, *paths: Path, expect: str = "") -> subprocess.CompletedProcess:
    args = ["verdict", *map(str, paths), "--out", str(out / "verdict"), "--quiet"]
    if expect:
        args += ["--expect", expect]
    return run_cli(args, cwd=repo)


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_untouched_reports_give_the_real_verdict(repo, reports):
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json", expect="lint,sast")
    assert proc.returncode == 1, proc.stderr
    data = json.loads((reports / "verdict" / "verdict.json").read_text())
    assert data["provenance"]["run_id"] == "ci-7" and len(data["provenance"]["commit"]) == 40


def test_a_one_line_report_is_rejected(repo, reports, tmp_path):
    forged = tmp_path / "sast.json"
    forged.write_text(json.dumps({"schema": "secure-pipeline/stage-report", "schema_version": 1,
                                  "stage": "sast", "status": "passed"}))
    proc = verdict(repo, reports, reports / "lint.json", forged, expect="sast")
    assert proc.returncode == 3
    assert "incomplete or invalid stage report" in proc.stderr and str(forged) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_extra_field_is_rejected(repo, reports):
    edit(reports / "sast.json", lambda d: d.update(verdict="passed"))
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 3 and "Additional properties are not allowed" in proc.stderr


def test_status_skipped_does_not_satisfy_expect(repo, reports):
    def skip(data):
        data["status"] = "skipped"
        data["findings"] = []
        for tool in data["tools"]:
            tool.update(status="skipped", reason="no Python files to scan", details={})
    edit(reports / "sast.json", skip)
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json", expect="sast")
    assert proc.returncode == 2, proc.stderr
    stage = next(s for s in json.loads((reports / "verdict" / "verdict.json").read_text())["stages"] if s["stage"] == "sast")
    assert stage["status"] == "error"
    assert "bandit: the report says it was skipped" in stage["reason"] and "has files for it" in stage["reason"]


def test_a_reported_pass_is_not_believed(repo, reports):
    # The report says passed; its findings say otherwise, and the verdict listens to the findings.
    edit(reports / "sast.json", lambda d: d.update(status="passed"))
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 1, proc.stderr


def test_forged_suppressed_by_and_gate_are_not_honoured(repo, reports):
    def forge(data):
        assert data["findings"], "the planted code must give sast findings"
        for finding in data["findings"]:
            finding["properties"].update(suppressed_by=".secrets.baseline: audited as a false positive",
                                         baselined_by="baseline", gate="ignore")
    edit(reports / "sast.json", forge)
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads((reports / "verdict" / "verdict.json").read_text())
    sast = [f for f in data["findings"] if f["stage"] == "sast"]
    assert all(f["disposition"] == "new" for f in sast)
    assert any(f["blocking"] and f["finding"]["rule_id"] == "B602" for f in sast)


def test_a_missing_stage_is_an_error_without_expect(repo, reports):
    proc = verdict(repo, reports, reports / "lint.json")
    assert proc.returncode == 2, proc.stderr
    data = json.loads((reports / "verdict" / "verdict.json").read_text())
    assert data["missing_stages"] == ["sast"]


def test_a_tool_without_coverage_evidence_is_an_error(repo, reports):
    def strip(data):
        data["findings"] = []
        for tool in data["tools"]:
            tool["details"] = {}
    edit(reports / "sast.json", strip)
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 2, proc.stderr
    stage = next(s for s in json.loads((reports / "verdict" / "verdict.json").read_text())["stages"] if s["stage"] == "sast")
    assert "bandit: reports passed but gives no evidence of what it scanned" in stage["reason"]


def test_zero_tools_or_a_dropped_tool_is_an_error(repo, reports):
    edit(reports / "lint.json", lambda d: d.update(tools=[t for t in d["tools"] if t["tool"] != "pyflakes"],
                                                   findings=[]))
    edit(reports / "sast.json", lambda d: d.update(tools=[], findings=[]))
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 2, proc.stderr
    stages = {s["stage"]: s for s in json.loads((reports / "verdict" / "verdict.json").read_text())["stages"]}
    assert "pyflakes: the lint report has no run of it" in stages["lint"]["reason"]
    assert stages["sast"]["status"] == "error" and "bandit: the sast report has no run of it" in stages["sast"]["reason"]


def test_reports_of_another_commit_are_refused(repo, reports):
    (repo / "pkg" / "new.py").write_text("VALUE = 1\n")
    commit_all(repo, "a later commit")
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 2
    assert "the reports are of commit" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_reports_of_different_commits_are_refused(repo, reports, tmp_path):
    (repo / "pkg" / "new.py").write_text("VALUE = 1\n")
    commit_all(repo, "a later commit")
    later = tmp_path / "later"
    assert run_cli(["run", "sast", "--out", str(later), "--no-verdict", "--quiet"], cwd=repo, env=RUN).returncode == 1
    proc = verdict(repo, reports, reports / "lint.json", later / "sast.json")
    assert proc.returncode == 2 and "different commits" in proc.stderr, proc.stderr


def test_reports_made_with_another_configuration_are_refused(repo, reports):
    (repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["lint", "sast"]\n'
                                         '[tool.secure-pipeline.stages.sast]\nfail_severity = "high"\n')
    commit_all(repo, "another policy")
    edit(reports / "lint.json", lambda d: d["provenance"].update(commit=_head(repo)))
    edit(reports / "sast.json", lambda d: d["provenance"].update(commit=_head(repo)))
    proc = verdict(repo, reports, reports / "lint.json", reports / "sast.json")
    assert proc.returncode == 2 and "another configuration" in proc.stderr, proc.stderr


def _head(root: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()

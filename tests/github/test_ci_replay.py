"""Replays ci.yml on this machine (see gh_helpers.replay_ci): the stage jobs each write their report in
their own checkout, the verdict job merges the downloaded artifacts with GITHUB_ACTIONS=true, and we
check its step summary, its outputs, its annotations and its exit code.

Replayed stages: lint, sast, secrets and harden, over a small fixture repository. deps and zap are
left out of `--expect` in the replay: deps asks pip-audit's online service in CI and zap deploys the
sample app on an embedded PostgreSQL; both have their own end-to-end tests (tests/deps, tests/zap),
and their matrix entries and nox sessions are checked in test_github_workflows.py.
"""

from __future__ import annotations

import json

import pytest
from gh_helpers import make_clean_repo, PLANTED_WORKFLOW, Replay, replay_ci, write_tree, git_init

STAGES = ["lint", "sast", "secrets", "harden"]
EXPECTED = ",".join(STAGES)


@pytest.fixture(scope="module")
def clean_replay(tmp_path_factory) -> Replay:
    work = tmp_path_factory.mktemp("replay-clean")
    repo = make_clean_repo(work / "repo")
    return replay_ci(repo, work, STAGES, EXPECTED)


def _annotations(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("::error", "::warning", "::notice"))]


def test_each_stage_job_writes_and_uploads_its_own_report(clean_replay):
    for stage in STAGES:
        step = clean_replay.step(f"stage-{stage}", f"Run the {stage} stage")
        assert step.exit_code == 0, (stage, step.stdout[-2000:], step.stderr[-2000:])
        artifact = clean_replay.artifacts[f"stage-report-{stage}"]
        report = json.loads((artifact / f"{stage}.json").read_text(encoding="utf-8"))
        assert report["stage"] == stage and report["status"] == "passed"
        # The stage jobs run with --no-verdict: no summary, no annotations of their own.
        assert not (artifact / "verdict").exists()
        assert not _annotations(step.stdout)


def test_clean_tree_passes_the_gate(clean_replay):
    assert clean_replay.verdict_exit == 0, clean_replay.verdict_stdout[-3000:]
    assert clean_replay.outputs == {"exit-code": "0", "status": "passed"}
    assert "PASSED" in clean_replay.summary.upper()
    for stage in STAGES:
        assert f"| {stage} |" in clean_replay.summary
    assert not [a for a in _annotations(clean_replay.verdict_stdout) if a.startswith("::error")]
    verdict_dir = clean_replay.verdict_workspace / "reports" / "verdict"
    # What the later steps upload exists: SARIF for code scanning, HTML for people.
    sarif = json.loads((verdict_dir / "secure-pipeline.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert (verdict_dir / "report.html").is_file()


def test_planted_finding_fails_the_gate_with_annotations_and_summary(tmp_path):
    repo = make_clean_repo(tmp_path / "repo")
    write_tree(repo, {".github/workflows/triage.yml": PLANTED_WORKFLOW})
    git_init(repo)
    replay = replay_ci(repo, tmp_path, STAGES, EXPECTED)
    harden = replay.step("stage-harden", "Run the harden stage")
    assert harden.exit_code == 1  # that stage's own job fails too
    assert replay.step("stage-lint", "Run the lint stage").exit_code == 0
    assert replay.verdict_exit == 1, replay.verdict_stdout[-3000:]
    assert replay.outputs == {"exit-code": "1", "status": "failed"}
    errors = [a for a in _annotations(replay.verdict_stdout) if a.startswith("::error")]
    injection = [a for a in errors if "template-injection" in a]
    assert injection and "file=.github/workflows/triage.yml" in injection[0] and "line=10" in injection[0]
    assert any("unpinned-uses" in a for a in errors)
    assert "FAILED" in replay.summary.upper() and "template-injection" in replay.summary.replace("\\", "")
    sarif = json.loads((replay.verdict_workspace / "reports" / "verdict" / "secure-pipeline.sarif").read_text(encoding="utf-8"))
    zizmor_runs = [r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "zizmor"]
    assert zizmor_runs and any(res["ruleId"] == "template-injection" for res in zizmor_runs[0]["results"])
    # One category per tool: each run has its own automation id, so one upload holds them all.
    ids = [r["automationDetails"]["id"] for r in sarif["runs"]]
    assert len(ids) == len(set(ids))


def test_missing_stage_report_makes_the_verdict_an_error(clean_replay, tmp_path):
    # The sast job "crashed before uploading": its artifact never reaches the verdict job.
    repo = make_clean_repo(tmp_path / "repo")
    replay = replay_ci(repo, tmp_path, STAGES, EXPECTED, drop_artifacts=("stage-report-sast",),
                       reuse_artifacts=clean_replay.artifacts)
    assert replay.verdict_exit == 2, replay.verdict_stdout[-3000:]
    assert replay.outputs == {"exit-code": "2", "status": "error"}
    assert "sast" in replay.summary and "ERROR" in replay.summary.upper()
    errors = [a for a in _annotations(replay.verdict_stdout) if a.startswith("::error")]
    assert any("sast" in a and "could not run" in a for a in errors)


def test_no_report_at_all_still_fails(clean_replay, tmp_path):
    repo = make_clean_repo(tmp_path / "repo")
    replay = replay_ci(repo, tmp_path, STAGES, EXPECTED, drop_artifacts=tuple(clean_replay.artifacts),
                       reuse_artifacts=clean_replay.artifacts)
    # Every stage expected, none reported: an error verdict (with its summary), not a usage error.
    assert replay.verdict_exit == 2
    assert replay.outputs["exit-code"] == "2"
    assert replay.outputs["status"] == "error"

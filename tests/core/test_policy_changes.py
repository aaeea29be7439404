"""A pull request that weakens the gate's own policy is shown and blocks unless approved from outside
the repository; some suppressions are rejected always (issue 9 item 8).

Each case is a real git repository: a base commit with a policy, then a pull-request commit that
changes it, compared with `--base`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from core_helpers import CLEAN_CODE, run_cli, write_tree
from pipeline import config as config_mod
from pipeline import policy_changes

SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()
LATER = (dt.date.today() + dt.timedelta(days=90)).isoformat()
PYPROJECT = '''[tool.secure-pipeline]
run = ["lint", "sast"]

[tool.secure-pipeline.stages.sast]
fail_severity = "medium"
'''
SUPPRESSIONS = f'''[[suppress]]
tool = "bandit"
rule = "B101"
path = "tests/**"
owner = "appsec@example.com"
reason = "asserts are how pytest works"
expires = {SOON}
'''
BASELINE = {"schema": "secure-pipeline/baseline", "version": 1, "findings": [
    {"stage": "sast", "fingerprint": "f" * 64, "tool": "bandit", "rule_id": "B105", "where": "pkg/ok.py",
     "title": "hardcoded password", "count": 1}]}
SECRETS = {"version": "1.5.0", "plugins_used": [], "filters_used": [], "results": {
    "conf.env": [{"type": "Secret Keyword", "filename": "conf.env", "hashed_secret": "a" * 40, "is_verified": False,
                  "line_number": 1}]}}
RULES = "10021\tFAIL\t(X-Content-Type-Options Header Missing)\n10038\tWARN\t(CSP)\n"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **GIT_ENV}, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The base branch `base`: a clean library with a full policy; HEAD starts equal to it."""
    root = write_tree(tmp_path / "repo", {
        **CLEAN_CODE, "pyproject.toml": PYPROJECT, ".secure-pipeline/suppressions.toml": SUPPRESSIONS,
        ".secure-pipeline/baseline.json": json.dumps(BASELINE), ".secrets.baseline": json.dumps(SECRETS),
        "zap-config/rules.tsv": RULES, "conf.env": "# placeholder\n",
    })
    git(root, "init", "-q", ".")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "branch", "base")
    return root


def pr(root: Path, changes: dict[str, str]) -> None:
    """The pull request's commit."""
    for rel, text in changes.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pull request")


def weakenings(root: Path) -> list:
    config = config_mod.load(root)
    return policy_changes.review(config, "base", env={}).weakenings


def _secrets_with(is_secret: bool | None) -> str:
    data = json.loads(json.dumps(SECRETS))
    if is_secret is not None:
        data["results"]["conf.env"][0]["is_secret"] = is_secret
    data["results"]["conf.env"].append({"type": "AWS Access Key", "filename": "conf.env", "hashed_secret": "b" * 40,
                                        "is_verified": False, "line_number": 2, "is_secret": False})
    return json.dumps(data)


CASES = [
    ("exclude-everything", {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\nexclude = ["*"]')},
     "exclude", "exclude '*' added"),
    ("severity-never", {"pyproject.toml": PYPROJECT.replace('fail_severity = "medium"', 'fail_severity = "never"')},
     "threshold", "sast: severity gate turned off"),
    ("severity-raised", {"pyproject.toml": PYPROJECT.replace('fail_severity = "medium"', 'fail_severity = "critical"')},
     "threshold", "sast: fails on critical instead of medium"),
    ("confidence-raised", {"pyproject.toml": PYPROJECT + 'fail_confidence = "high"\n'},
     "threshold", "needs high confidence instead of"),
    ("tool-threshold", {"pyproject.toml": PYPROJECT + '\n[tool.secure-pipeline.stages.lint.tools.pyflakes]\nfail_severity = "critical"\n'},
     "threshold", "lint/pyflakes: fails on critical"),
    ("not-required", {"pyproject.toml": PYPROJECT + "required = false\n"}, "required", "sast: an error no longer fails the gate"),
    ("stage-removed", {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint"]')},
     "run", "stage(s) sast no longer run"),
    ("paths-narrowed", {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\npaths = ["docs"]')},
     "paths", "path '.' no longer scanned"),
    ("suppression-added", {".secure-pipeline/suppressions.toml": SUPPRESSIONS + SUPPRESSIONS.replace('"B101"', '"B602"')},
     "suppression", "suppression added or widened (path=tests/**, rule=B602, tool=bandit"),
    ("suppression-extended", {".secure-pipeline/suppressions.toml": SUPPRESSIONS.replace(SOON, LATER)},
     "suppression", f"expires {LATER}"),
    ("suppression-widened", {".secure-pipeline/suppressions.toml": SUPPRESSIONS.replace('path = "tests/**"', 'path = "**"')},
     "suppression", "path=**"),
    ("baseline-growth", {".secure-pipeline/baseline.json": json.dumps(
        {**BASELINE, "findings": [{**BASELINE["findings"][0], "count": 3}]})}, "baseline", "accepts 2 more sast finding(s)"),
    ("secret-audited", {".secrets.baseline": _secrets_with(False)}, "secrets-baseline",
     "Secret Keyword in conf.env newly audited as a false positive"),
    ("zap-rule-lowered", {"zap-config/rules.tsv": RULES.replace("FAIL", "IGNORE")}, "zap-rules",
     "ZAP rule 10021 lowered from FAIL to IGNORE"),
    ("zap-out-of-scope", {"zap-config/rules.tsv": RULES + "*\tOUTOFSCOPE\t.*\n"}, "zap-rules", "put out of scope"),
    ("max-days-raised", {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\nmax_suppression_days = 3650')},
     "suppression", "suppressions may now run longer"),
    ("approvers-changed", {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\npolicy_approvers = ["@me"]')},
     "approvers", "who may approve policy changes was changed"),
    ("policy-files-moved", {"pyproject.toml": PYPROJECT.replace(
        'run = ["lint", "sast"]', 'run = ["lint", "sast"]\nbaseline_file = "other.json"'),
        "other.json": json.dumps({**BASELINE, "findings": [{**BASELINE["findings"][0], "fingerprint": "e" * 64}]})},
     "baseline", "baseline now accepts 1 more sast finding(s)"),
]


@pytest.mark.parametrize("name, changes, kind, needle", CASES, ids=[c[0] for c in CASES])
def test_each_weakening_is_found(repo, name, changes, kind, needle):
    pr(repo, changes)
    found = weakenings(repo)
    assert any(w.kind == kind and needle in w.message for w in found), [w.message for w in found]


def test_an_unchanged_or_stronger_policy_has_no_weakening(repo):
    assert weakenings(repo) == []
    pr(repo, {"pyproject.toml": PYPROJECT.replace('fail_severity = "medium"', 'fail_severity = "low"'),
              ".secure-pipeline/suppressions.toml": "",
              "zap-config/rules.tsv": RULES.replace("WARN", "FAIL")})
    assert weakenings(repo) == []


def test_a_weakening_blocks_the_verdict_and_is_shown_in_every_report(repo, tmp_path):
    pr(repo, {"pyproject.toml": PYPROJECT.replace('fail_severity = "medium"', 'fail_severity = "never"')})
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "sast", "--out", str(out), "--base", "base"], cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads((out / "verdict" / "verdict.json").read_text())
    assert data["status"] == "failed" and data["totals"]["blocking"] == 0
    assert data["headline"] == "FAILED: 1 unapproved policy weakening(s)"
    review = data["policy_review"]
    assert review["base_ref"] == "base" and review["approved"] is False and len(review["base_commit"]) == 40
    assert [w["kind"] for w in review["weakenings"]] == ["threshold"]
    console = " ".join(proc.stdout.split())  # the console wraps long lines
    assert ("policy weakened vs base" in console and "BLOCKING: needs approval: "
            "[tool.secure-pipeline.stages.sast] fail_severity: sast: severity gate turned off" in console)
    assert "severity gate turned off" in (out / "verdict" / "summary.md").read_text()
    assert "severity gate turned off" in (out / "verdict" / "report.html").read_text()
    assert '<testsuite name="policy" tests="1" failures="1"' in (out / "verdict" / "junit.xml").read_text()


def test_approval_comes_only_from_outside_the_repository(repo, tmp_path):
    pr(repo, {"pyproject.toml": PYPROJECT.replace('fail_severity = "medium"', 'fail_severity = "never"')
              .replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\npolicy_approvers = ["@attacker"]')})
    args = ["run", "lint", "sast", "--quiet", "--base", "base"]
    assert run_cli([*args, "--out", str(tmp_path / "a")], cwd=repo).returncode == 1
    assert run_cli([*args, "--out", str(tmp_path / "b"), "--policy-approved"], cwd=repo).returncode == 0
    assert run_cli([*args, "--out", str(tmp_path / "c")], cwd=repo,
                   env={"SECURE_PIPELINE_POLICY_APPROVED": "true"}).returncode == 0
    review = json.loads((tmp_path / "c" / "verdict" / "verdict.json").read_text())["policy_review"]
    assert review["approved_by"] == "SECURE_PIPELINE_POLICY_APPROVED"
    assert review["approvers"] == []  # the base branch names none; the PR's own list is not used


def test_a_pull_request_event_compares_with_its_base_automatically(repo, tmp_path):
    pr(repo, {"pyproject.toml": PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\nexclude = ["docs"]')})
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "base"}
    out = tmp_path / "r"
    assert run_cli(["run", "lint", "sast", "--quiet", "--out", str(out)], cwd=repo, env=env).returncode == 1
    review = json.loads((out / "verdict" / "verdict.json").read_text())["policy_review"]
    assert review["weakenings"][0]["message"] == "exclude 'docs' added"
    # A base the checkout cannot show is an error (fail closed), not a skipped comparison.
    proc = run_cli(["run", "lint", "--quiet", "--out", str(out)], cwd=repo,
                   env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "no-such-branch"})
    assert proc.returncode == 2 and "fetch the base branch" in proc.stderr


@pytest.mark.parametrize("entry, problem", [
    ('tool = "bandit"\nrule = "B101"\nowner = " "\nreason = "pytest asserts"\nexpires = {soon}\n',
     "suppression #1: owner: must not be blank"),
    ('tool = "bandit"\nrule = "B101"\nowner = "appsec@example.com"\nreason = "  "\nexpires = {soon}\n',
     "suppression #1: reason: must not be blank"),
    ('path = "*"\nowner = "appsec@example.com"\nreason = "noise"\nexpires = {soon}\n',
     "suppression #1: path '*' without a rule or fingerprint matches every finding"),
    ('tool = "bandit"\npath = "**"\nowner = "appsec@example.com"\nreason = "noise"\nexpires = {soon}\n',
     "suppression #1: path '**' without a rule or fingerprint matches every finding"),
    ('rule = "B101"\npath = "*"\nowner = "appsec@example.com"\nreason = "forever"\nexpires = 9999-12-31\n',
     "suppression #1: expires: 9999-12-31 is more than max_suppression_days (180) from today"),
])
def test_bad_suppressions_are_configuration_errors(repo, tmp_path, entry, problem):
    sup = repo / ".secure-pipeline" / "suppressions.toml"
    sup.write_text("[[suppress]]\n" + entry.format(soon=SOON))
    proc = run_cli(["run", "lint", "--quiet", "--out", str(tmp_path / "r")], cwd=repo)
    assert proc.returncode == 3
    assert f"{sup}: {problem}" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_max_suppression_days_is_configurable(repo, tmp_path):
    sup = repo / ".secure-pipeline" / "suppressions.toml"
    sup.write_text(SUPPRESSIONS.replace(SOON, LATER))
    (repo / "pyproject.toml").write_text(PYPROJECT.replace('run = ["lint", "sast"]', 'run = ["lint", "sast"]\nmax_suppression_days = 60'))
    proc = run_cli(["run", "lint", "--quiet", "--out", str(tmp_path / "r")], cwd=repo)
    assert proc.returncode == 3 and "more than max_suppression_days (60)" in proc.stderr


def test_a_new_or_changed_zap_deploy_command_is_shown_as_a_policy_change(repo: Path):
    # The command the zap stage runs is the pull request's own code: a reviewer must see it.
    pr(repo, {"pyproject.toml": PYPROJECT + '\n[tool.secure-pipeline.stages.zap]\ndeploy_command = ["python", "serve.py"]\n'})
    found = [w for w in weakenings(repo) if w.kind == "deploy"]
    assert len(found) == 1 and found[0].where.endswith("stages.zap] deploy_command")
    assert "`python serve.py` instead of nothing (no deployment)" in found[0].message
    assert not [w for w in weakenings(repo) if w.kind == "option" and "deploy_command" in w.where]

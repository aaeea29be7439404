"""The harden stage with the real zizmor and hadolint: planted problems are found, our own workflows
and Dockerfile pass, and every way a tool can fail to really scan is an error, never a pass."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from gh_helpers import PLANTED_DOCKERFILE, PLANTED_WORKFLOW, REPO, fake_tool, git_init, run_cli, write_tree


def _run_harden(root: Path, out: Path, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    proc = run_cli(["run", "harden", "--out", str(out), "--no-verdict", "--quiet", *extra], cwd=root, env=env)
    report_path = out / "harden.json"
    assert report_path.is_file(), (proc.returncode, proc.stdout, proc.stderr)
    return proc.returncode, json.loads(report_path.read_text(encoding="utf-8"))


def _tool(report: dict, name: str) -> dict:
    return next(t for t in report["tools"] if t["tool"] == name)


def _rules(report: dict, tool: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        if finding["tool"] == tool:
            found.setdefault(finding["rule_id"], []).append(finding)
    return found


def test_planted_workflow_and_dockerfile_problems_are_found(clean_repo, tmp_path):
    write_tree(clean_repo, {".github/workflows/triage.yml": PLANTED_WORKFLOW, "Dockerfile": PLANTED_DOCKERFILE})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 1
    assert report["status"] == "failed"
    zizmor = _rules(report, "zizmor")
    assert {"unpinned-uses", "template-injection", "excessive-permissions", "artipacked"} <= set(zizmor)
    injection = zizmor["template-injection"][0]
    assert injection["severity"] == "high" and injection["confidence"] == "high"
    assert injection["location"]["path"] == ".github/workflows/triage.yml"
    # Line 10 is the `run:` line holding ${{ github.event.issue.title }}; the column points at the expression.
    assert injection["location"]["line"] == 10
    line = PLANTED_WORKFLOW.splitlines()[9]
    assert line[injection["location"]["column"] - 1:].startswith("github.event.issue.title")
    assert injection["help_uri"] == "https://docs.zizmor.sh/audits/#template-injection"
    assert injection["cwe"] == [94]
    assert zizmor["unpinned-uses"][0]["location"]["line"] == 9
    # Only the planted workflow is flagged: the clean one beside it is not.
    assert {f["location"]["path"] for f in report["findings"] if f["tool"] == "zizmor"} == {".github/workflows/triage.yml"}
    hadolint = _rules(report, "hadolint")
    root_user = hadolint["DL3002"][0]
    assert root_user["location"] == {"path": "Dockerfile", "line": 3, "column": 1}
    assert root_user["severity"] == "medium" and root_user["tool_severity"] == "warning"
    assert root_user["help_uri"] == "https://github.com/hadolint/hadolint/wiki/DL3002"


def test_clean_fixture_passes_with_both_tools_really_running(clean_repo, tmp_path):
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 0, report
    assert report["status"] == "passed" and report["findings"] == []
    assert _tool(report, "zizmor")["status"] == "passed"
    assert _tool(report, "zizmor")["details"]["files_audited"] == 1
    assert _tool(report, "hadolint")["details"]["files_scanned"] == 1
    assert _tool(report, "checkov")["details"]["files_scanned"] == 2  # the Dockerfile and the workflow


def test_our_own_workflows_and_dockerfile_pass(tmp_path):
    assert (REPO / "Dockerfile").is_file(), "the sample app's Dockerfile is what hadolint must lint here"
    code, report = _run_harden(REPO, tmp_path / "out")
    assert code == 0, json.dumps(report["findings"], indent=1)[:3000]
    zizmor, hadolint = _tool(report, "zizmor"), _tool(report, "hadolint")
    assert zizmor["status"] == "passed" and hadolint["status"] == "passed"
    audited = set(zizmor["command"][zizmor["command"].index("--") + 1:])
    assert {".github/workflows/ci.yml", ".github/workflows/nightly-zap.yml", ".github/dependabot.yml",
            ".pre-commit-config.yaml"} <= audited
    assert "Dockerfile" in hadolint["command"]
    # checkov's findings here are the infra/ skips, each suppressed with its reason (shown, not failing).
    assert [f for f in report["findings"] if "suppressed_by" not in f["properties"]] == []


def test_nothing_to_audit_is_an_error_when_asked_for_never_passed(tmp_path):
    # Changed deliberately (issue 9 item 1): `pipeline run harden` asks for the stage, so having
    # nothing to audit is an error naming why and the fix; as a default stage (`pipeline run all`
    # without a `run` list) it would be "not applicable" instead (tests/core/test_not_applicable.py).
    root = write_tree(tmp_path / "repo", {"app.py": "X = 1\n"})
    git_init(root)
    code, report = _run_harden(root, tmp_path / "out")
    assert code == 2
    assert report["status"] == "error" and "harden was asked for but did not run" in report["reason"]
    assert "add the GitHub Actions workflows or Dockerfiles" in report["reason"]
    assert "no GitHub Actions files" in _tool(report, "zizmor")["reason"]
    assert "no Dockerfiles" in _tool(report, "hadolint")["reason"]


def test_unparsable_workflow_is_an_error_naming_the_file(clean_repo, tmp_path):
    write_tree(clean_repo, {".github/workflows/broken.yml": "name: broken\non: push\njobs: [1, 2\n"})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 2 and report["status"] == "error"
    error = _tool(report, "zizmor")["error"]
    assert error.startswith("zizmor: ") and ".github/workflows/broken.yml" in error


def test_workflow_zizmor_would_skip_with_a_warning_is_an_error(clean_repo, tmp_path):
    # Valid YAML but not a valid workflow: without --strict-collection zizmor warns, skips it, audits
    # the clean workflow beside it and exits 0.
    write_tree(clean_repo, {".github/workflows/nojobs.yml": "name: x\non: push\n"})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 2
    error = _tool(report, "zizmor")["error"]
    assert "nojobs.yml" in error and "jobs" in error


def test_unparsable_dockerfile_is_an_error_naming_the_file(clean_repo, tmp_path):
    write_tree(clean_repo, {"worker.Dockerfile": "FROM\nRUN [[[\n"})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 2
    error = _tool(report, "hadolint")["error"]
    assert error.startswith("hadolint: could not parse worker.Dockerfile")


def test_unreadable_hadolint_configuration_is_an_error_not_ignored(clean_repo, tmp_path):
    # hadolint prints the parse error, then lints with no configuration and exits 0.
    write_tree(clean_repo, {".hadolint.yaml": "ignored: [[\n"})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    assert code == 2
    assert "could not read its configuration" in _tool(report, "hadolint")["error"]


def test_repository_hadolint_configuration_is_honoured_and_noted(clean_repo, tmp_path):
    write_tree(clean_repo, {"Dockerfile": PLANTED_DOCKERFILE, ".hadolint.yaml": "ignored:\n  - DL3002\n"})
    code, report = _run_harden(clean_repo, tmp_path / "out")
    # hadolint obeys the ignore; checkov, which no hadolint configuration reaches, still fails the root user.
    assert _tool(report, "hadolint")["status"] == "passed"
    assert code == 1 and report["status"] == "failed"
    assert "CKV_DOCKER_8" in _rules(report, "checkov")
    assert "DL3002" not in _rules(report, "hadolint")
    assert any(".hadolint.yaml" in note for note in report["details"]["notes"])


FAULTS = {
    "crash": 'echo "thread main panicked at boom" >&2\nexit 101',
    "garbage": 'echo "<html>Service Unavailable</html>"\nexit 0',
    "killed": "kill -9 $$",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("tool", ["zizmor", "hadolint"])
def test_tool_faults_are_stage_errors(clean_repo, tmp_path, tool, fault):
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, tool, FAULTS[fault])
    code, report = _run_harden(clean_repo, tmp_path / "out", {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert code == 2 and report["status"] == "error"
    run = _tool(report, tool)
    assert run["status"] == "error" and run["error"].startswith(f"{tool}: ")


def test_zizmor_silent_pass_without_auditing_is_an_error(clean_repo, tmp_path):
    # Exit 0 and an empty JSON list, but no "completed <file>" line: nothing says the file was audited.
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "zizmor", "echo '[]'\nexit 0")
    code, report = _run_harden(clean_repo, tmp_path / "out", {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert code == 2
    assert "did not scan 1 of the 1 input(s) it was given: .github/workflows/build.yml" in _tool(report, "zizmor")["error"]


def test_zizmor_exit_code_disagreeing_with_its_findings_is_an_error(clean_repo, tmp_path):
    # SARIF-mode zizmor exits 0 whatever it finds; a 0 beside a high finding cannot be trusted.
    finding = {"ident": "template-injection", "desc": "code injection via template expansion", "url": "",
               "determinations": {"confidence": "High", "severity": "High", "persona": "Regular"},
               "locations": [{"symbolic": {"key": {"Local": {"verbatim_path": ".github/workflows/build.yml"}},
                                           "annotation": "x", "kind": "Primary"},
                              "concrete": {"location": {"start_point": {"row": 1, "column": 0},
                                                        "end_point": {"row": 1, "column": 4}}}}],
               "ignored": False}
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "zizmor", f"cat <<'EOF'\n{json.dumps([finding])}\nEOF\n"
                                 "echo ' INFO audit: zizmor: completed .github/workflows/build.yml' >&2\nexit 0")
    code, report = _run_harden(clean_repo, tmp_path / "out", {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert code == 2
    assert "exit code 0 disagrees with its JSON output" in _tool(report, "zizmor")["error"]


def test_hang_is_killed_after_the_timeout(clean_repo, tmp_path):
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "zizmor", "sleep 300")
    code, report = _run_harden(clean_repo, tmp_path / "out", {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
                               ("--set", "harden.timeout=2"))
    assert code == 2
    assert "timed out after 2s" in _tool(report, "zizmor")["error"]


def test_missing_tool_is_an_error(clean_repo, tmp_path):
    # hadolint sits beside this interpreter, where the adapter also looks, so hiding it from PATH is
    # not enough: the adapter is pointed at an executable name that exists nowhere.
    from pipeline.adapters.hadolint import Hadolint
    from pipeline.files import FileSet
    from pipeline.config import stage_config
    from pipeline.scanner import ScanContext

    scanner = Hadolint()
    scanner.executable = "hadolint-not-installed"

    ctx = ScanContext(root=clean_repo, stage="harden", stage_config=stage_config("harden"), files=FileSet(clean_repo), work_dir=tmp_path,
                      timeout=30, artifacts_dir=tmp_path / "artifacts")
    output = scanner.scan(ctx)
    assert output.run.status.value == "error"
    assert output.run.error == "hadolint: `hadolint-not-installed` is not installed (not found on PATH)"

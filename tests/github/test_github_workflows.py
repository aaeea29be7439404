"""The workflows, Dependabot and pre-commit configuration, read as data: least privilege, pinned
actions, timeouts, concurrency, and every command they run exists (nox sessions, pipeline options)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from gh_helpers import EXPRESSION, REPO, SHA_PIN, VERSION_COMMENT, WORKFLOWS, load_yaml, triggers, workflow_files

from pipeline.cli import build_parser

WORKFLOW_IDS = [p.name for p in workflow_files()]
# security-events: uploading SARIF; id-token: OIDC sign-in to Azure; packages: pushing the image.
ALLOWED_WRITE = {"security-events", "id-token", "packages"}


def _steps(workflow: dict[str, Any]):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def test_there_are_the_two_workflows():
    assert {"ci.yml", "nightly-zap.yml"} <= set(WORKFLOW_IDS)


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_least_privilege_permissions(name):
    workflow = load_yaml(WORKFLOWS / name)
    assert workflow.get("permissions") in ({}, {"contents": "read"}), "the top level grants nothing (or read)"
    for job_id, job in workflow["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name}: job {job_id} declares its own permissions"
        for scope, level in perms.items():
            assert level in ("read", "write", "none"), f"{name}: {job_id}.{scope}={level}"
            if level == "write":
                assert scope in ALLOWED_WRITE, f"{name}: job {job_id} may not write {scope}"
                uses = [str(s.get("uses", "")) for s in job.get("steps", [])]
                scripts = "\n".join(str(s.get("run", "")) for s in job.get("steps", []))
                # Each write permission only in a job that does the one thing needing it.
                needed = {"security-events": any(u.startswith("github/codeql-action/upload-sarif@") for u in uses),
                          "id-token": any(u.startswith("azure/login@") for u in uses),
                          "packages": "docker push " in scripts}
                assert needed[scope], f"{name}: {job_id} has {scope}: write but does nothing that needs it"


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_no_pull_request_target_and_no_expression_inside_scripts(name):
    workflow = load_yaml(WORKFLOWS / name)
    assert "pull_request_target" not in triggers(workflow)
    assert "workflow_run" not in triggers(workflow)
    for job_id, _job, step in _steps(workflow):
        if "run" in step:
            # Untrusted values reach scripts only through env: variables, never by template expansion.
            assert not EXPRESSION.search(step["run"]), f"{name}: {job_id}: `${{{{ }}}}` inside run: {step['run'][:80]!r}"


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_every_action_is_pinned_to_a_full_sha_with_its_version(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    workflow = load_yaml(WORKFLOWS / name)
    used = [str(step["uses"]) for _, _, step in _steps(workflow) if "uses" in step]
    assert used
    for ref in used:
        assert SHA_PIN.match(ref), f"{name}: {ref} is not pinned to a 40-hex commit SHA"
    for line in text.splitlines():
        match = re.match(r"^\s*(-\s*)?uses:\s*(\S+)(.*)$", line)
        if match:
            assert VERSION_COMMENT.search(match.group(3)), f"{name}: no `# vX.Y.Z` comment on {line.strip()!r}"


def test_one_sha_per_action_across_workflows():
    pins: dict[str, set[str]] = {}
    for path in workflow_files():
        for _, _, step in _steps(load_yaml(path)):
            if "uses" in step:
                action, _, sha = str(step["uses"]).partition("@")
                pins.setdefault(action.split("/")[0] + "/" + action.split("/")[1], set()).add(sha)
    assert all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_timeouts_concurrency_and_checkout_without_credentials(name):
    workflow = load_yaml(WORKFLOWS / name)
    assert isinstance(workflow.get("concurrency"), dict) and workflow["concurrency"].get("group")
    for job_id, job in workflow["jobs"].items():
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int) and 0 < timeout <= 60, f"{name}: job {job_id} timeout {timeout!r}"
    checkouts = [step for _, _, step in _steps(workflow) if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def _scripts(path: Path):
    workflow = load_yaml(path)
    for job_id, job, step in _steps(workflow):
        if "run" in step:
            env = {**(workflow.get("env") or {}), **(job.get("env") or {}), **(step.get("env") or {})}
            yield job_id, job, step, env


def _commands(script: str) -> list[list[str]]:
    """Each command line of a script, split like the shell would (line continuations joined)."""
    joined = script.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            commands.append(shlex.split(line, comments=True))
    return commands


def _expand(word: str, env: dict[str, Any], matrix: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        raw = str(env[name])
        return EXPRESSION.sub(lambda m: matrix[m.group(1).removeprefix("matrix.")] if m.group(1).startswith("matrix.")
                              else str(env.get(m.group(1).removeprefix("env."), "")), raw)
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)


def _matrix_values(job: dict[str, Any]) -> list[dict[str, str]]:
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if not matrix:
        return [{}]
    (key, values), = matrix.items()
    return [{key: v} for v in values]


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_every_command_a_workflow_runs_exists(name, nox_sessions):
    parser = build_parser()
    checked = 0
    for job_id, job, _step, env in _scripts(WORKFLOWS / name):
        for matrix in _matrix_values(job):
            for argv in _commands(_step["run"]):
                if argv[0] not in ("nox", "pipeline"):
                    continue
                words = [_expand(w, env, matrix) for w in argv]  # a variable the step does not set fails here
                if words[0] == "nox":
                    assert words[1] == "-s" and words[2] in nox_sessions, f"{name}/{job_id}: no nox session {words[2:3]}"
                    posargs = words[4:] if words[3:4] == ["--"] else []
                    assert words[3:4] in ([], ["--"])
                    parser.parse_args(["run", words[2], *posargs])  # exits 3 on an unknown option
                    checked += 1
                elif words[0] == "pipeline":
                    parser.parse_args(words[1:])
                    checked += 1
    assert checked, f"{name} runs no harness command"


def test_ci_runs_every_stage_and_expects_every_stage_report(nox_sessions):
    workflow = load_yaml(WORKFLOWS / "ci.yml")
    assert {"push", "pull_request"} <= set(triggers(workflow))
    stage_job, verdict_job = workflow["jobs"]["stage"], workflow["jobs"]["verdict"]
    stages = stage_job["strategy"]["matrix"]["stage"]
    assert stages == ["lint", "sast", "secrets", "deps", "zap", "harden"]
    assert workflow["env"]["EXPECTED_STAGES"] == ",".join(stages)
    assert set(stages) <= nox_sessions
    assert stage_job["strategy"]["fail-fast"] is False
    upload = next(s for s in stage_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert upload["with"]["name"] == "stage-report-${{ matrix.stage }}"
    assert "reports/${{ matrix.stage }}.json" in upload["with"]["path"]
    cache = next(s for s in stage_job["steps"] if str(s.get("uses", "")).startswith("actions/cache@"))
    assert all(f in cache["with"]["key"] for f in ("pyproject.toml", "app/requirements.txt", "noxfile.py"))
    assert ".nox" in cache["with"]["path"]

    assert verdict_job["needs"] == "stage" and verdict_job["if"] == "always()"
    assert verdict_job["permissions"].get("security-events") == "write"
    assert stage_job["permissions"] == {"contents": "read"}
    download = next(s for s in verdict_job["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"] == {"pattern": "stage-report-*", "path": "reports", "merge-multiple": True}
    verdict = next(s for s in verdict_job["steps"] if s.get("id") == "verdict")
    assert "continue-on-error" not in verdict
    assert 'pipeline verdict reports/*.json --expect "$EXPECTED_STAGES"' in verdict["run"]
    assert 'exit "$code"' in verdict["run"]
    sarif = next(s for s in verdict_job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert sarif["with"]["sarif_file"] == "reports/verdict/secure-pipeline.sarif"
    assert "category" not in sarif["with"]  # one category per tool comes from runAutomationDetails in the file
    condition = " ".join(sarif["if"].split())
    assert "always()" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.event_name != 'pull_request'" in condition
    html = [s for s in verdict_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert html and html[0]["if"] == "always()" and html[0]["with"]["path"].rstrip("/") == "reports/verdict"


def test_nightly_zap_runs_a_real_daemon_against_the_deployed_app():
    workflow = load_yaml(WORKFLOWS / "nightly-zap.yml")
    assert {"schedule", "workflow_dispatch"} == set(triggers(workflow))
    (job,) = workflow["jobs"].values()
    postgres = job["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "ports" not in postgres  # reachable only through the socket folder
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert "docker run --detach --name zap --network host \"$ZAP_IMAGE\"" in scripts
    assert workflow["env"]["ZAP_IMAGE"].startswith("ghcr.io/zaproxy/zaproxy:")
    assert "python -m app migrate" in scripts
    assert 'nox -s zap -- --target "$APP_URL"' in scripts
    assert workflow["env"]["ZAP_API_URL"].startswith("http://127.0.0.1:")
    assert "::add-mask::" in scripts and "ZAP_API_KEY" in scripts
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and "reports/" in upload["with"]["path"]
    stop = job["steps"][-1]
    assert stop["if"] == "always()" and "docker rm --force zap" in stop["run"]


def test_app_settings_of_the_nightly_job_exist_in_the_app():
    # Every environment variable the nightly job hands the app is one the app reads.
    app_sources = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "app").glob("*.py"))
    workflow = load_yaml(WORKFLOWS / "nightly-zap.yml")
    (job,) = workflow["jobs"].values()
    for step in job["steps"]:
        for key in (step.get("env") or {}):
            if key.startswith(("PG", "GUNICORN_")):
                assert f'"{key}"' in app_sources, f"the app does not read {key}"


def test_dependabot_covers_every_ecosystem_grouped_with_a_cooldown():
    config = load_yaml(REPO / ".github" / "dependabot.yml")
    assert config["version"] == 2
    updates = config["updates"]
    seen = {(u["package-ecosystem"], u["directory"]) for u in updates}
    assert {("pip", "/"), ("pip", "/app"), ("github-actions", "/"), ("docker", "/")} <= seen
    for update in updates:
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"], update
        assert update["cooldown"]["default-days"] >= 7


def test_pre_commit_hooks_are_local_and_run_real_pipeline_commands():
    config = load_yaml(REPO / ".pre-commit-config.yaml")
    parser = build_parser()
    hooks = []
    for repo in config["repos"]:
        assert repo["repo"] == "local", "no other repository is downloaded"
        hooks += repo["hooks"]
    entries = [shlex.split(h["entry"]) for h in hooks]
    assert ["pipeline", "run", "secrets", "lint"] in entries
    for hook, entry in zip(hooks, entries):
        assert hook["language"] == "system" and hook["pass_filenames"] is False
        assert entry[0] == "pipeline"
        parser.parse_args(entry[1:])

"""The workflows, the composite action, Dependabot and pre-commit configuration, read as data: least
privilege, pinned actions, timeouts, concurrency, and every command they run exists (nox sessions,
pipeline options). ci.yml is a caller of the reusable workflow secure-pipeline.yml."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gh_helpers import EXPRESSION, REPO, SHA_PIN, VERSION_COMMENT, WORKFLOWS, load_yaml, triggers, workflow_files

from pipeline.cli import build_parser
from pipeline.registry import stage_names

WORKFLOW_IDS = [p.name for p in workflow_files()]
# security-events: uploading SARIF; id-token: OIDC sign-in to Azure; packages: pushing the image;
# pull-requests: the optional sticky verdict comment.
ALLOWED_WRITE = {"security-events", "id-token", "packages", "pull-requests"}
ACTION = REPO / "action.yml"
REUSABLE = "secure-pipeline.yml"
LOCAL_CALL = f"./.github/workflows/{REUSABLE}"


def _steps(workflow: dict[str, Any]):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def _called(job: dict[str, Any]) -> dict[str, Any] | None:
    """The reusable workflow a job calls (only local ones: this repository's own)."""
    uses = job.get("uses")
    if uses is None:
        return None
    assert uses == LOCAL_CALL, f"unexpected reusable workflow {uses!r}"
    return load_yaml(REPO / uses)


def test_there_are_the_workflows():
    assert {"ci.yml", "nightly-zap.yml", REUSABLE} <= set(WORKFLOW_IDS)


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_least_privilege_permissions(name):
    workflow = load_yaml(WORKFLOWS / name)
    assert workflow.get("permissions") in ({}, {"contents": "read"}), "the top level grants nothing (or read)"
    for job_id, job in workflow["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name}: job {job_id} declares its own permissions"
        for scope, level in perms.items():
            assert level in ("read", "write", "none"), f"{name}: {job_id}.{scope}={level}"
            if level == "write" and scope == "issues":
                # Only a job that checks nothing out and runs nothing but `gh issue` (the nightly report).
                steps = job.get("steps", [])
                assert not any("uses" in step for step in steps), f"{name}: {job_id} writes issues and runs actions"
                assert all("gh issue" in step.get("run", "") for step in steps) and perms == {"issues": "write"}
                continue
            if level == "write":
                assert scope in ALLOWED_WRITE, f"{name}: job {job_id} may not write {scope}"
                called = _called(job)
                steps = [s for j in called["jobs"].values() for s in j.get("steps", [])] if called else job.get("steps", [])
                uses = [str(s.get("uses", "")) for s in steps]
                scripts = "\n".join(str(s.get("run", "")) for s in steps)
                # Each write permission only in a job that does the one thing needing it.
                needed = {"security-events": any(u.startswith("github/codeql-action/upload-sarif@") for u in uses),
                          "id-token": any(u.startswith("azure/login@") for u in uses),
                          "packages": "docker push " in scripts,
                          # Only the comment job: that one permission, no checkout of the pull request.
                          "pull-requests": "pipeline comment " in scripts and perms == {"pull-requests": "write"}
                          and not any(u.startswith("actions/checkout@") for u in uses)}
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


def _action_steps(path: Path) -> list[dict[str, Any]]:
    data = load_yaml(path)
    if path == ACTION:
        return list(data["runs"]["steps"])
    return [step for _, _, step in _steps(data)]


@pytest.mark.parametrize("path", [*workflow_files(), ACTION], ids=[*WORKFLOW_IDS, "action.yml"])
def test_every_action_is_pinned_to_a_full_sha_with_its_version(path):
    name = path.name
    text = path.read_text(encoding="utf-8")
    used = [str(step["uses"]) for step in _action_steps(path) if "uses" in step]
    assert used
    for ref in used:
        assert SHA_PIN.match(ref), f"{name}: {ref} is not pinned to a 40-hex commit SHA"
    for line in text.splitlines():
        match = re.match(r"^\s*(-\s*)?uses:\s*(\S+)(.*)$", line)
        if match and match.group(2) != LOCAL_CALL:  # this repository's own workflow, at this commit
            assert VERSION_COMMENT.search(match.group(3)), f"{name}: no `# vX.Y.Z` comment on {line.strip()!r}"


def test_one_sha_per_action_across_workflows():
    pins: dict[str, set[str]] = {}
    for path in [*workflow_files(), ACTION]:
        for step in _action_steps(path):
            if "uses" in step:
                action, _, sha = str(step["uses"]).partition("@")
                pins.setdefault(action.split("/")[0] + "/" + action.split("/")[1], set()).add(sha)
    assert all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", WORKFLOW_IDS)
def test_timeouts_concurrency_and_checkout_without_credentials(name):
    workflow = load_yaml(WORKFLOWS / name)
    if set(triggers(workflow)) == {"workflow_call"}:
        # A reusable workflow runs under its caller's concurrency; the same group in both would deadlock.
        assert "concurrency" not in workflow
    else:
        assert isinstance(workflow.get("concurrency"), dict) and workflow["concurrency"].get("group")
    for job_id, job in workflow["jobs"].items():
        if _called(job) is not None:
            continue  # a calling job has no timeout of its own: the called jobs have theirs
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int) and 0 < timeout <= 60, f"{name}: job {job_id} timeout {timeout!r}"
    checkouts = [step for _, _, step in _steps(workflow) if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts or name == "secure-pipeline-comment.yml", "only the comment workflow checks nothing out"
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def _scripts(path: Path):
    workflow = load_yaml(path)
    for job_id, job, step in _steps(workflow):
        if "run" in step:
            # RUNNER_TEMP: set by the runner in every job.
            env = {"RUNNER_TEMP": "/runner/temp", **(workflow.get("env") or {}), **(job.get("env") or {}),
                   **(step.get("env") or {})}
            yield job_id, job, step, env


def _commands(script: str) -> list[list[str]]:
    """Each command line of a script, split like the shell would (line continuations joined)."""
    joined = script.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words = shlex.split(line, comments=True)
            redirect = next((i for i, w in enumerate(words) if w in (">", ">>")), len(words))
            commands.append(words[:redirect])  # a redirection is the shell's, not the command's
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
    if values == "${{ fromJSON(needs.plan.outputs.stages) }}":
        values = stage_names()  # what `pipeline stages --json` can print
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
                # A bash array ("${args[@]}": --set/--target built from inputs) may be empty; checked below.
                argv = [w for w in argv if not re.fullmatch(r"\$\{\w+\[@\]\}", w)]
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
    calls = [job for job in load_yaml(WORKFLOWS / name)["jobs"].values() if _called(job) is not None]
    assert checked or calls, f"{name} runs no harness command"


def test_ci_calls_the_reusable_workflow_and_runs_the_test_suite():
    workflow = load_yaml(WORKFLOWS / "ci.yml")
    on = triggers(workflow)
    # No duplicate runs for a same-repository pull request: branch pushes are checked by their
    # pull request, main after every merge; the merge queue gets the check too.
    assert on["push"] == {"branches": ["main"]} and "pull_request" in on and "merge_group" in on
    # A pending push (or merge-queue) run is never replaced: each has a group of its own.
    group = workflow["concurrency"]["group"]
    assert "github.run_id" in group and "github.event_name == 'pull_request' && github.ref" in group
    # Literal true (checkov's workflow schema drops a file with an expression here): within a group of
    # its own (the run id), a push or merge-queue run has nothing to cancel.
    assert workflow["concurrency"]["cancel-in-progress"] is True
    (call,) = [job for job in workflow["jobs"].values() if "uses" in job]
    assert call["uses"] == LOCAL_CALL
    assert call["permissions"] == {"contents": "read", "actions": "read", "security-events": "write"}
    declared = triggers(load_yaml(WORKFLOWS / REUSABLE))["workflow_call"]
    assert set(call["with"]) <= set(declared["inputs"]) and set(call.get("secrets", {})) <= set(declared["secrets"])
    assert "stages" not in call["with"]  # the registry's list, from the plan job
    tests = workflow["jobs"]["tests"]
    assert [s["run"] for s in tests["steps"] if "run" in s] == [".ci/run"]
    assert tests["permissions"] == {"contents": "read"}


def test_reusable_workflow_takes_its_matrix_from_pipeline_stages():
    workflow = load_yaml(WORKFLOWS / REUSABLE)
    inputs = triggers(workflow)["workflow_call"]["inputs"]
    assert {"harness", "stages", "python-version", "install", "settings", "target-url"} <= set(inputs)
    plan, stage_job, verdict_job = (workflow["jobs"][j] for j in ("plan", "stage", "verdict"))
    listing = next(s for s in plan["steps"] if s.get("id") == "stages")
    assert 'pipeline stages --json --configured --select "$STAGES"' in listing["run"]
    assert plan["outputs"]["stages"] == "${{ steps.stages.outputs.stages }}"
    assert stage_job["needs"] == "plan"
    assert stage_job["strategy"] == {"fail-fast": False, "matrix": {"stage": "${{ fromJSON(needs.plan.outputs.stages) }}"}}
    assert verdict_job["env"]["EXPECTED_STAGES"] == "${{ join(fromJSON(needs.plan.outputs.stages), ',') }}"
    # The matrix the plan job prints is the registry's, and each is a valid --expect.
    assert json.loads(json.dumps(stage_names())) == stage_names()


def test_reusable_workflow_stage_jobs_report_and_cache_even_when_a_stage_fails():
    stage_job = load_yaml(WORKFLOWS / REUSABLE)["jobs"]["stage"]
    assert stage_job["permissions"] == {"contents": "read"}
    upload = next(s for s in stage_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"]["name"] == "stage-report-${{ matrix.stage }}"
    assert "reports/${{ matrix.stage }}.json" in upload["with"]["path"]
    restore = next(s for s in stage_job["steps"] if str(s.get("uses", "")).startswith("actions/cache/restore@"))
    save = next(s for s in stage_job["steps"]
                if str(s.get("uses", "")).startswith("actions/cache/save@") and s["with"]["path"] == "~/.cache/pip")
    # Restored across stages (a prefix without the stage), saved after a failed stage too.
    prefix = restore["with"]["restore-keys"].strip()
    assert "matrix.stage" not in prefix and restore["with"]["key"].startswith(prefix)
    assert "${{ matrix.stage }}" in restore["with"]["key"]
    assert save["if"].startswith("${{ !cancelled()") and save["with"]["key"] == "${{ steps.cache.outputs.cache-primary-key }}"
    assert stage_job["steps"].index(save) == len(stage_job["steps"]) - 1
    run = next(s for s in stage_job["steps"] if "pipeline run" in s.get("run", ""))
    assert 'pipeline run "$STAGE" --no-verdict' in run["run"]
    assert "secrets." in run["env"]["SAFETY_API_KEY"] and "matrix.stage == 'deps'" in run["env"]["SAFETY_API_KEY"]


def test_reusable_workflow_verdict_job():
    verdict_job = load_yaml(WORKFLOWS / REUSABLE)["jobs"]["verdict"]
    assert verdict_job["needs"] == ["plan", "stage"] and verdict_job["if"] == "${{ !cancelled() }}"
    assert verdict_job["permissions"] == {"contents": "read", "actions": "read", "security-events": "write"}
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
    assert condition.startswith("!cancelled()") and "always()" not in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.event_name != 'pull_request'" in condition
    html = [s for s in verdict_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert html and html[0]["if"] == "${{ !cancelled() }}" and html[0]["with"]["path"].rstrip("/") == "reports/verdict"


def test_the_harness_runs_from_its_own_venv_never_through_github_path():
    for path in (WORKFLOWS / REUSABLE, ACTION):
        text = path.read_text(encoding="utf-8")
        assert "GITHUB_PATH\"" not in text.replace("never GITHUB_PATH", "").replace("through GITHUB_PATH", "")
        for step in _action_steps(path):
            script = step.get("run", "")
            if re.search(r"(^|\s)pipeline\s", script):
                assert 'export PATH="$RUNNER_TEMP/secure-pipeline/bin:$PATH"' in script, (path.name, step.get("name"))


def test_composite_action_runs_every_stage_in_one_job_and_passes_the_verdict_on():
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"stages", "python-version", "install", "settings", "target-url", "upload-sarif"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", "") and "ACTION_PATH" in s.get("env", {}))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"  # the harness of the pinned commit
    run = next(s for s in steps if s.get("id") == "run")
    assert 'pipeline run "${stages[@]}"' in run["run"]
    assert all(s["if"].strip().startswith(("!cancelled()", "${{ !cancelled() }}")) for s in steps
               if str(s.get("uses", "")).startswith(("actions/upload-artifact@", "github/codeql-action/")))
    assert steps[-1]["run"] == 'exit "${CODE:-2}"' and steps[-1]["env"]["CODE"] == "${{ steps.run.outputs.exit-code }}"
    parser = build_parser()
    parser.parse_args(["run", "all", "--out", "reports", "--set", "sast.fail_severity=high", "--target", "http://x"])


def _tool(name: str) -> str:
    from pathlib import Path as _P
    import sys

    beside = _P(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is needed (pyproject's scanners/test extras install it)"
    return found


def test_workflows_action_and_dependabot_validate_against_the_github_schemas():
    checks = [("vendor.github-workflows", [str(p) for p in workflow_files()]),
              ("vendor.github-actions", [str(ACTION)]),
              ("vendor.dependabot", [str(REPO / ".github" / "dependabot.yml")])]
    for schema, files in checks:
        proc = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", schema, *files], capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_pedantic_finds_nothing_above_low_in_the_adopted_files():
    # nightly-zap.yml too: its postgres service image is pinned by digest (zizmor's unpinned-images).
    files = [str(WORKFLOWS / "ci.yml"), str(WORKFLOWS / REUSABLE), str(WORKFLOWS / "nightly-zap.yml"), str(ACTION)]
    proc = subprocess.run([_tool("zizmor"), "--persona", "pedantic", "--offline", "--format", "json", *files],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 11, 12, 13, 14), proc.stderr  # zizmor: 0 none, 1x findings (x = highest)
    findings = json.loads(proc.stdout)
    assert {f["ident"] for f in findings} <= {"self-repository"}  # informational/low only
    assert all(f["determinations"]["severity"] in ("Informational", "Low") for f in findings), findings


def test_nightly_zap_runs_a_real_daemon_against_the_deployed_app():
    workflow = load_yaml(WORKFLOWS / "nightly-zap.yml")
    assert {"schedule", "workflow_dispatch"} == set(triggers(workflow))
    job = workflow["jobs"]["zap"]
    postgres = job["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16") and "@sha256:" in postgres["image"]
    assert "ports" not in postgres  # reachable only through the socket folder
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert "docker run --detach --name zap --network host" in scripts and '"$ZAP_IMAGE"' in scripts
    assert workflow["env"]["ZAP_IMAGE"].startswith("ghcr.io/zaproxy/zaproxy:")
    assert "python -m app migrate" in scripts
    assert 'nox -s zap -- --target "$APP_URL"' in scripts
    assert workflow["env"]["ZAP_API_URL"].startswith("http://127.0.0.1:")
    assert "::add-mask::" in scripts and "ZAP_API_KEY" in scripts
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}" and "reports/" in upload["with"]["path"]
    stop = job["steps"][-1]
    assert stop["if"] == "always()" and "docker rm --force zap" in stop["run"]


def test_no_api_key_is_on_a_command_line():
    # `ps` and `docker inspect` show a process's arguments: ZAP reads its key from a properties file,
    # curl its header from a file, both written by the shell's printf builtin.
    for name in ("nightly-zap.yml", "deploy.yml"):
        scripts = "\n".join(s.get("run", "") for job in load_yaml(WORKFLOWS / name)["jobs"].values()
                            for s in job.get("steps", []))
        assert "-configfile /zap/api.properties" in scripts and '-H "@$RUNNER_TEMP/zap-api.header"' in scripts, name
        assert "api.key=$" not in scripts, name
        assert '-H "X-ZAP-API-Key' not in scripts and "-config \"api.key" not in scripts, name


def test_nightly_zap_uploads_sarif_and_tracks_failures_in_one_issue():
    workflow = load_yaml(WORKFLOWS / "nightly-zap.yml")
    zap = workflow["jobs"]["zap"]
    sarif = next(s for s in zap["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert sarif["with"]["sarif_file"] == "reports/verdict/secure-pipeline.sarif" and "!cancelled()" in sarif["if"]
    assert zap["permissions"]["security-events"] == "write"
    report = workflow["jobs"]["report-failure"]
    assert report["needs"] == "zap" and "failure()" in report["if"] and "schedule" in report["if"]
    assert report["env"]["GH_TOKEN"] == "${{ github.token }}"  # in the environment, never on a command line
    script = report["steps"][0]["run"]
    # An open issue of that title gets a comment; only without one is an issue created.
    assert "gh issue list --state open" in script and 'gh issue comment "$number"' in script
    assert script.index("gh issue comment") < script.index("gh issue create")


def test_app_settings_of_the_nightly_job_exist_in_the_app():
    # Every environment variable the nightly job hands the app is one the app reads.
    app_sources = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "app").glob("*.py"))
    workflow = load_yaml(WORKFLOWS / "nightly-zap.yml")
    job = workflow["jobs"]["zap"]
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


def test_reusable_workflow_keeps_the_result_cache_per_ref_outside_the_checkout():
    stage_job = load_yaml(WORKFLOWS / REUSABLE)["jobs"]["stage"]
    steps = stage_job["steps"]
    restore = next(s for s in steps if s.get("id") == "results")
    save = next(s for s in steps if s.get("name") == "Save the result cache")
    run = next(s for s in steps if "pipeline run" in s.get("run", ""))
    folder = "${{ runner.temp }}/secure-pipeline-results"
    assert restore["uses"].startswith("actions/cache/restore@") and save["uses"].startswith("actions/cache/save@")
    assert restore["with"]["path"] == save["with"]["path"] == folder  # outside the checkout: the repo ships no entries
    assert '--cache "$RUNNER_TEMP/secure-pipeline-results"' in run["run"] and "chmod 700" in run["run"]
    assert steps.index(restore) < steps.index(run) < steps.index(save)
    # Saved after a failed stage too, under this run's own key.
    assert save["if"] == "${{ !cancelled() }}" and save["with"]["key"] == "${{ steps.results.outputs.cache-primary-key }}"
    # A pull request's entries are saved under its own prefix; the default branch restores only its ref's
    # prefix (a pull request may also start from its base branch's cache, never the other way round).
    key = restore["with"]["key"]
    scope = "${{ github.event_name == 'pull_request' && format('pr{0}', github.event.pull_request.number) || format('ref-{0}', github.ref_name) }}"
    assert key.startswith(f"secure-pipeline-results-${{{{ runner.os }}}}-${{{{ matrix.stage }}}}-{scope}-")
    assert "github.run_id" in key  # caches are immutable: each run saves a new one
    prefixes = [line for line in restore["with"]["restore-keys"].splitlines() if line.strip()]
    assert prefixes[0].endswith(f"{scope}-")
    assert prefixes[1:] == ["${{ github.event_name == 'pull_request' && format('secure-pipeline-results-{0}-{1}-ref-{2}-', "
                            "runner.os, matrix.stage, github.base_ref) || '' }}"]

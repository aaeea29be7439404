"""Helpers for the GitHub Actions tests: reading the workflows, small repositories, the CLI, and a
replay of the CI workflow's jobs on this machine.

ci.yml calls the reusable workflow secure-pipeline.yml; the replay runs that workflow's jobs (plan,
stage, verdict) with the inputs ci.yml passes. No GitHub runner is reachable from here, so the replay
executes the workflow's own `run:` scripts
with bash, in one fresh copy of the repository per job (as each runner gets its own checkout), and
moves files between jobs the way upload-artifact / download-artifact do. Two commands are stood in
for by shims first on PATH: `pipeline` runs `python -m pipeline` of this interpreter, and `nox -s
STAGE -- ARGS` runs `python -m pipeline run STAGE ARGS`, which is exactly what the noxfile's stage
sessions run after installing the harness (a real nox would spend minutes building virtualenvs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import support
# Re-exported: the github tests import the shared helpers from here.
from tests.support import executable, fake_tool, git_init, neutral_env, run_cli

__all__ = ["executable", "fake_tool", "git_init", "neutral_env", "run_cli", "write_tree"]

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

# A clean workflow for fixture repositories (its action is pinned to the SHA ci.yml uses).
CLEAN_WORKFLOW = """\
name: build
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: python -m compileall .
"""
CLEAN_DOCKERFILE = """\
FROM python:3.11.14-slim-bookworm
RUN useradd --system --uid 10001 app
COPY app.py /srv/app.py
USER 10001
HEALTHCHECK CMD ["python", "-c", "print()"]
CMD ["python", "/srv/app.py"]
"""
CLEAN_MODULE = '''\
"""A tiny module."""


def add(left: int, right: int) -> int:
    """Add two numbers."""
    return left + right
'''
# The planted problems of the issue: an unpinned action, an attacker-controlled expression in a
# `run:` line (no permissions block, a checkout that keeps the token), a Dockerfile running as root.
PLANTED_WORKFLOW = """\
name: triage
on:
  issues:
    types: [opened]
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "New issue ${{ github.event.issue.title }}"
"""
PLANTED_DOCKERFILE = """\
FROM python:3.11.14-slim-bookworm
COPY app.py /srv/app.py
USER root
CMD ["python", "/srv/app.py"]
"""


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` block; YAML 1.1 reads the bare key `on` as the boolean True."""
    raw = workflow.get("on", workflow.get(True))
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return dict.fromkeys(raw)
    return dict(raw or {})


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Workflow YAML is written exactly as given (indentation is its syntax)."""
    return support.write_tree(root, files, dedent=False)


def install_shims(bin_dir: Path) -> Path:
    """`pipeline` and `nox -s STAGE -- ARGS` for the replay (see the module docstring)."""
    python = sys.executable
    executable(bin_dir / "pipeline", f"#!/bin/sh\nexec {python} -m pipeline \"$@\"\n")
    executable(bin_dir / "nox", textwrap.dedent(f"""\
        #!{python}
        # nox -s SESSION [-- POSARGS]: the stage sessions of noxfile.py run `pipeline run SESSION POSARGS`.
        import os, sys
        args = sys.argv[1:]
        if len(args) < 2 or args[0] != "-s":
            sys.exit(f"nox shim: expected `nox -s SESSION [-- ARGS]`, got {{args}}")
        session, rest = args[1], args[2:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        elif rest:
            sys.exit(f"nox shim: unexpected arguments {{rest}}")
        os.execv({python!r}, [{python!r}, "-m", "pipeline", "run", session, *rest])
        """))
    return bin_dir


# --- the replay ---------------------------------------------------------------------------------

@dataclass
class StepRun:
    job: str
    name: str
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Replay:
    """What the replayed jobs did and left behind."""

    steps: list[StepRun] = field(default_factory=list)
    artifacts: dict[str, Path] = field(default_factory=dict)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    verdict_exit: int | None = None
    verdict_stdout: str = ""
    verdict_workspace: Path | None = None

    def step(self, job: str, name_part: str) -> StepRun:
        return next(s for s in self.steps if s.job == job and name_part in s.name)


class Expressions:
    """Evaluates the few `${{ }}` forms the replayed steps use; anything else fails the replay."""

    def __init__(self, workflow_env: dict[str, str], matrix: dict[str, str], inputs: dict[str, Any] | None = None,
                 needs: dict[str, dict[str, str]] | None = None) -> None:
        self.env, self.matrix = workflow_env, matrix
        self.inputs, self.needs = inputs or {}, needs or {}

    def value(self, expr: str) -> str:
        if "secrets." in expr:
            return ""  # no secret is configured in a replay (nor for a fork): `a && secrets.X || ''` is ''
        if re.fullmatch(r"matrix\.\w+", expr):
            return self.matrix[expr.removeprefix("matrix.")]
        if re.fullmatch(r"env\.\w+", expr):
            return self.env[expr.removeprefix("env.")]
        if re.fullmatch(r"inputs\.[\w-]+", expr):
            return str(self.inputs[expr.removeprefix("inputs.")])
        joined = re.fullmatch(r"join\(fromJSON\(needs\.(\w+)\.outputs\.(\w+)\), ','\)", expr)
        if joined:
            return ",".join(json.loads(self.needs[joined.group(1)][joined.group(2)]))
        if expr == "runner.os":
            return "Linux"
        raise AssertionError(f"the replay does not know how to evaluate ${{{{ {expr} }}}}")

    def resolve(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)


def _harness_step(step: dict[str, Any]) -> bool:
    """Steps that run the harness (the rest install tools, which this machine already has)."""
    script = step.get("run", "")
    return bool(re.search(r"(^|\s)(nox|pipeline)\s", script))


def _runs_after_failure(step: dict[str, Any]) -> bool:
    condition = str(step.get("if", ""))
    return "always()" in condition or "!cancelled()" in condition


def _run_script(script: str, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    # GitHub runs `run:` with `bash -e {0}` (shell: bash is the default on Linux runners).
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _upload(step_with: dict[str, Any], workspace: Path, expressions: Expressions, store: Path) -> tuple[str, Path]:
    """upload-artifact: the files of `path`, relative to the least common ancestor of the paths."""
    name = expressions.resolve(str(step_with["name"]))
    paths = [expressions.resolve(line.strip()) for line in str(step_with["path"]).splitlines() if line.strip()]
    parents = [Path(p.rstrip("/")) if p.endswith("/") else Path(p).parent for p in paths]
    common = Path(os.path.commonpath([str(p) for p in parents])) if parents else Path(".")
    target = store / name
    target.mkdir(parents=True, exist_ok=True)
    found = 0
    for rel in paths:
        source = workspace / rel.rstrip("/")
        if source.is_dir():
            for item in source.rglob("*"):
                if item.is_file():
                    dest = target / item.relative_to(workspace / common)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(item, dest)
                    found += 1
        elif source.is_file():
            dest = target / source.relative_to(workspace / common)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
            found += 1
    if not found:
        shutil.rmtree(target)  # if-no-files-found: warn uploads nothing
    return name, target


def _job_env(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any], expressions: Expressions,
             base_env: dict[str, str]) -> dict[str, str]:
    env = dict(base_env)
    for scope in (workflow.get("env") or {}, job.get("env") or {}, step.get("env") or {}):
        env.update({k: expressions.resolve(str(v)) for k, v in scope.items()})
    return env


def _job_files(work: Path, job: str) -> dict[str, str]:
    """A runner's per-job files: RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY."""
    temp = work / f"runner-temp-{job}"
    temp.mkdir(parents=True, exist_ok=True)
    for name in ("github_output", "step_summary.md"):
        (temp / name).write_text("", encoding="utf-8")
    return {"RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(temp / "github_output"),
            "GITHUB_STEP_SUMMARY": str(temp / "step_summary.md")}


def _outputs(path: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        outputs[key] = value
    return outputs


def caller_inputs() -> tuple[dict[str, Any], dict[str, Any]]:
    """ci.yml's call of the reusable workflow: (the reusable workflow, its inputs with defaults applied)."""
    caller = load_yaml(WORKFLOWS / "ci.yml")
    (call,) = [job for job in caller["jobs"].values() if "uses" in job]
    assert call["uses"] == "./.github/workflows/secure-pipeline.yml"
    reusable = load_yaml(WORKFLOWS / "secure-pipeline.yml")
    declared = triggers(reusable)["workflow_call"]["inputs"]
    given = call.get("with") or {}
    assert set(given) <= set(declared), f"ci.yml passes undeclared inputs {set(given) - set(declared)}"
    inputs = {k: given.get(k, spec.get("default", "")) for k, spec in declared.items()}
    return reusable, inputs


def replay_ci(source_repo: Path, work: Path, stages: list[str], expected: str,
              drop_artifacts: tuple[str, ...] = (), reuse_artifacts: dict[str, Path] | None = None) -> Replay:
    """Replay ci.yml's call of secure-pipeline.yml with `stages` as its stages input: the plan job,
    the stage jobs it lists (one workspace each), then the verdict job over their artifacts.
    `expected` is what the verdict must be told to expect (checked against the plan's list)."""
    workflow, inputs = caller_inputs()
    inputs["stages"] = ",".join(stages)
    shims = install_shims(work / "shims")
    # GitHub gives every job of one workflow run the same GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT; the
    # verdict uses them to refuse reports of different runs.
    base_env = neutral_env({"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "CI": "true",
                            "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1"})
    replay = Replay()
    store = work / "artifacts"
    workflow_env = {k: str(v) for k, v in (workflow.get("env") or {}).items()}

    plan_job = workflow["jobs"]["plan"]
    expressions = Expressions(workflow_env, {}, inputs)
    workspace = work / "job-plan"
    shutil.copytree(source_repo, workspace, symlinks=True)
    files = _job_files(work, "plan")
    for step in plan_job["steps"]:
        if _harness_step(step):
            proc = _run_script(step["run"], workspace, _job_env(workflow, plan_job, step, expressions, {**base_env, **files}))
            replay.steps.append(StepRun("plan", step.get("name", ""), proc.returncode, proc.stdout, proc.stderr))
            assert proc.returncode == 0, proc.stderr
    needs = {"plan": {k: EXPRESSION.sub(lambda m: _outputs(files["GITHUB_OUTPUT"])[m.group(1).split(".")[-1]], v)
                      for k, v in plan_job["outputs"].items()}}
    planned = json.loads(needs["plan"]["stages"])
    assert ",".join(planned) == expected, (planned, expected)

    if reuse_artifacts is None:
        stage_job = workflow["jobs"]["stage"]
        assert stage_job["strategy"]["matrix"]["stage"] == "${{ fromJSON(needs.plan.outputs.stages) }}"
        for stage in planned:
            expressions = Expressions(workflow_env, {"stage": stage}, inputs, needs)
            workspace = work / f"job-stage-{stage}"
            shutil.copytree(source_repo, workspace, symlinks=True)
            files = _job_files(work, f"stage-{stage}")
            failed = False
            for step in stage_job["steps"]:
                if failed and not _runs_after_failure(step):
                    continue
                uses = str(step.get("uses", ""))
                if uses.startswith("actions/upload-artifact@"):
                    name, path = _upload(step["with"], workspace, expressions, store)
                    replay.artifacts[name] = path
                elif _harness_step(step):
                    env = _job_env(workflow, stage_job, step, expressions, {**base_env, **files})
                    proc = _run_script(step["run"], workspace, env)
                    replay.steps.append(StepRun(f"stage-{stage}", expressions.resolve(step.get("name", "")),
                                                proc.returncode, proc.stdout, proc.stderr))
                    failed = failed or proc.returncode != 0
    else:
        replay.artifacts = dict(reuse_artifacts)

    verdict_job = workflow["jobs"]["verdict"]
    expressions = Expressions(workflow_env, {}, inputs, needs)
    workspace = work / "job-verdict"
    shutil.copytree(source_repo, workspace, symlinks=True)
    replay.verdict_workspace = workspace
    files = _job_files(work, "verdict")
    github_env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "GITHUB_EVENT_NAME": "pull_request", **files}
    for step in verdict_job["steps"]:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/download-artifact@"):
            with_ = step["with"]
            pattern = str(with_["pattern"])
            assert with_.get("merge-multiple") is True
            dest = workspace / str(with_["path"])
            dest.mkdir(parents=True, exist_ok=True)
            for name, path in replay.artifacts.items():
                if name in drop_artifacts or not re.fullmatch(pattern.replace("*", ".*"), name):
                    continue
                shutil.copytree(path, dest, dirs_exist_ok=True)
        elif _harness_step(step):
            env = _job_env(workflow, verdict_job, step, expressions, {**base_env, **github_env})
            assert env["EXPECTED_STAGES"] == expected
            proc = _run_script(step["run"], workspace, env)
            replay.steps.append(StepRun("verdict", step.get("name", ""), proc.returncode, proc.stdout, proc.stderr))
            if step.get("id") == "verdict":
                replay.verdict_exit, replay.verdict_stdout = proc.returncode, proc.stdout
    replay.summary = Path(files["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    replay.outputs = _outputs(files["GITHUB_OUTPUT"])
    return replay

def make_clean_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, {
        # The verdict requires a report from every stage the configuration runs; the replay runs four
        # (deps and zap have their own end-to-end tests), so this repository says so.
        "pyproject.toml": '[tool.secure-pipeline]\nrun = ["lint", "sast", "secrets", "harden"]\n',
        "app.py": CLEAN_MODULE,
        ".github/workflows/build.yml": CLEAN_WORKFLOW,
        "Dockerfile": CLEAN_DOCKERFILE,
    })
    git_init(root)
    return root

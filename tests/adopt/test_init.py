"""`pipeline init` on a foreign repository, run as a new user would: the harness installed as a tool
(conftest.tool), a requirements-only Flask app that already has findings, then init -> a passing
first run -> three planted defects fail the next run with exactly those findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from adopt_helpers import Tool, add_legacy_findings, commit_all, make_flask_repo, plant_defects

from pipeline.init_detect import detect
from pipeline.init_render import config_table

SHA = "0123456789abcdef0123456789abcdef01234567"
INIT = ["init", "--harness-repo", "acme/secure-pipeline", "--harness-ref", SHA, "--stages", "lint,sast,secrets,harden",
        "--quiet"]
WRITTEN = ("pyproject.toml", ".gitignore", ".github/workflows/secure-pipeline.yml", ".secrets.baseline",
           ".secure-pipeline/baseline.json")


def _blocking(repo: Path) -> set[tuple[str, str, str]]:
    verdict = json.loads((repo / "reports" / "verdict" / "verdict.json").read_text(encoding="utf-8"))
    return {(f["finding"]["tool"], f["finding"]["rule_id"], f["finding"]["location"]["path"])
            for f in verdict["findings"] if f["blocking"]}


def _snapshot(repo: Path) -> dict[str, bytes]:
    return {rel: (repo / rel).read_bytes() for rel in WRITTEN}


def test_init_then_a_passing_run_then_exactly_the_planted_defects_fail(tool: Tool, tmp_path: Path):
    repo = make_flask_repo(tmp_path / "notes")
    add_legacy_findings(repo)
    commit_all(repo, "legacy code")
    before = tool.run(["run", "sast", "--quiet"], cwd=repo)
    assert before.returncode == 1  # without init, the existing findings fail

    init = tool.run(INIT, cwd=repo)
    assert init.returncode == 0, init.stdout[-3000:] + init.stderr[-3000:]
    for rel in WRITTEN:
        assert (repo / rel).is_file() and rel in init.stdout, rel
    assert "web app: flask, starts with `flask --app notes run`" in init.stdout
    assert "requirements: requirements.txt" in init.stdout and "next steps" in init.stdout
    secrets = json.loads((repo / ".secrets.baseline").read_text(encoding="utf-8"))
    assert list(secrets["results"]) == ["notes/legacy.py"] and secrets["plugins_used"]
    assert all(len(e["hashed_secret"]) == 40 and "8f3b2c1d" not in json.dumps(e) for e in secrets["results"]["notes/legacy.py"])
    # The secrets are accepted where detect-secrets audit triages them, the rest in the harness baseline.
    accepted = json.loads((repo / ".secure-pipeline/baseline.json").read_text(encoding="utf-8"))["findings"]
    assert {(e["tool"], e["rule_id"]) for e in accepted} >= {("bandit", "B602"), ("pylint", "W0611")}
    assert not [e for e in accepted if e["tool"] == "detect-secrets"]
    workflow = yaml.safe_load((repo / ".github/workflows/secure-pipeline.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert job["uses"] == f"acme/secure-pipeline/.github/workflows/secure-pipeline.yml@{SHA}"
    assert job["with"]["install"] == "pip install -r requirements.txt"
    assert "/reports/" in (repo / ".gitignore").read_text(encoding="utf-8").splitlines()

    # Idempotent: a second init writes nothing and changes no byte.
    written = _snapshot(repo)
    again = tool.run(INIT, cwd=repo)
    assert again.returncode == 0 and "pipeline init: wrote" not in again.stdout, again.stdout
    assert _snapshot(repo) == written

    commit_all(repo, "pipeline init")
    first = tool.run(["run", "all", "--quiet"], cwd=repo)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert _blocking(repo) == set()

    plant_defects(repo)
    commit_all(repo, "new code")
    second = tool.run(["run", "all", "--quiet"], cwd=repo)
    assert second.returncode == 1, second.stdout[-3000:] + second.stderr[-3000:]
    assert _blocking(repo) == {
        ("pylint", "W0611", "notes/jobs.py"),  # unused `import json` (pyflakes' report of it merged in)
        ("bandit", "B602", "notes/jobs.py"),  # subprocess with shell=True
        ("detect-secrets", "AWS Access Key", "notes/settings.py"),
    }
    lint = (repo / "reports" / "lint.json").read_text(encoding="utf-8")
    assert "E0401" not in lint  # flask resolved: the tool venv has the repository's requirements


def test_init_never_overwrites_without_force(tmp_path: Path):
    repo = make_flask_repo(tmp_path / "notes")
    (repo / "pyproject.toml").write_text('[project]\nname = "notes"\nversion = "1"\n\n[tool.secure-pipeline]\nrun = ["lint"]\n',
                                         encoding="utf-8")
    workflow = repo / ".github" / "workflows" / "secure-pipeline.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n", encoding="utf-8")
    (repo / ".secrets.baseline").write_text('{"results": {}}\n', encoding="utf-8")
    (repo / ".secure-pipeline").mkdir()
    (repo / ".secure-pipeline" / "baseline.json").write_text('{"schema": "secure-pipeline/baseline", "version": 1, "findings": []}\n',
                                                             encoding="utf-8")
    before = {p: p.read_bytes() for p in (repo / "pyproject.toml", workflow, repo / ".secrets.baseline")}
    proc = subprocess.run([sys.executable, "-m", "pipeline", *INIT], cwd=repo, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert "left alone" in proc.stdout and "pyproject.toml [tool.secure-pipeline]" in proc.stdout


def test_bad_harness_ref_is_a_usage_error(tmp_path: Path):
    repo = make_flask_repo(tmp_path / "notes")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "init", "--harness-repo", "acme/x", "--harness-ref", "v1"],
                          cwd=repo, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 3 and "40-hex" in proc.stderr
    assert not (repo / "pyproject.toml").exists()  # nothing written before the arguments are checked


def test_detection_of_a_packaged_project_with_a_dockerfile_and_a_lock(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "1"\n', encoding="utf-8")
    # A lock the deps stage can read (init now checks that, see the test below).
    (tmp_path / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.0"\n',
                                      encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\n", encoding="utf-8")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n", encoding="utf-8")
    found = detect(tmp_path)
    assert found.packaged and found.locks == ["uv.lock"] and found.dockerfiles == ["Dockerfile"]
    assert (found.framework, found.start) == ("fastapi", "uvicorn svc.main:app")
    assert found.install_command() == "pip install ."
    assert found.stages() == ["lint", "sast", "secrets", "deps", "harden"]
    table = config_table(found, found.stages())
    assert 'sources = ["uv.lock"]' in table and 'run = ["lint", "sast", "secrets", "deps", "harden"]' in table


def test_a_packaged_project_with_ranges_and_no_lock_is_not_given_a_deps_stage_that_cannot_pass(tmp_path: Path):
    # pallets/flask's tutorial (flaskr): `dependencies = ["flask"]`, no lock file. The deps stage refuses
    # ranges it cannot pin, so with "deps" in `run` init's baseline and the first run were errors (exit 2).
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "flaskr"\nversion = "1.0.0"\ndependencies = [\n    "flask",\n]\n', encoding="utf-8")
    (tmp_path / "flaskr").mkdir()
    (tmp_path / "flaskr" / "__init__.py").write_text("from flask import Flask\n\n\ndef create_app():\n"
                                                     "    return Flask(__name__)\n", encoding="utf-8")
    found = detect(tmp_path)
    assert found.packaged and "flask (pyproject.toml:5)" in found.deps_problem
    assert "deps" not in found.stages()
    table = config_table(found, found.stages())
    assert '# "deps" is not in `run` yet: requirement(s) not pinned' in table
    # Pinned, the same project is audited.
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "flaskr"\nversion = "1.0.0"\ndependencies = ["flask==3.1.3"]\n', encoding="utf-8")
    assert "deps" in detect(tmp_path).stages()


def test_detection_of_a_django_project(tmp_path: Path):
    (tmp_path / "manage.py").write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
                                        encoding="utf-8")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("Django==5.2\n", encoding="utf-8")
    found = detect(tmp_path)
    assert (found.framework, found.start) == ("django", "python manage.py runserver")
    assert found.requirements == ["requirements/base.txt"]
    assert found.install_command() == "pip install -r requirements/base.txt"


def test_harden_is_configured_only_when_there_is_something_to_audit(tmp_path: Path):
    # Without a workflow to write (no harness source known) and no workflow or Dockerfile, `run`
    # must not ask for harden: the first `pipeline run all` would be an error, not a pass.
    repo = make_flask_repo(tmp_path / "notes")
    found = detect(repo)
    assert "harden" not in found.stages(writes_workflow=False)
    assert found.stages(writes_workflow=True)[-1] == "harden"
    (repo / "Dockerfile").write_text("FROM python:3.11-slim\n", encoding="utf-8")
    assert "harden" in detect(repo).stages(writes_workflow=False)


def test_the_written_caller_workflow_fits_the_reusable_workflow_and_passes_the_checks(tmp_path: Path):
    import shutil

    from pipeline.init_render import HarnessSource, caller_workflow

    repo = make_flask_repo(tmp_path / "notes")
    path = tmp_path / "secure-pipeline.yml"
    path.write_text(caller_workflow(detect(repo), HarnessSource("acme/secure-pipeline", SHA), "3.12"), encoding="utf-8")
    caller = yaml.safe_load(path.read_text(encoding="utf-8"))
    reusable = yaml.safe_load((Path(__file__).resolve().parents[2] / ".github/workflows/secure-pipeline.yml")
                              .read_text(encoding="utf-8"))
    declared = reusable[True]["workflow_call"]["inputs"]  # YAML 1.1 reads the key `on` as True
    (job,) = caller["jobs"].values()
    required = {k for k, spec in declared.items() if spec.get("required")}
    assert required <= set(job["with"]) <= set(declared)
    assert job["with"]["harness"].endswith(f"git+https://github.com/acme/secure-pipeline@{SHA}")
    verdict_permissions = reusable["jobs"]["verdict"]["permissions"]
    assert job["permissions"] == verdict_permissions and caller["permissions"] == {}
    assert {"push", "pull_request", "merge_group"} <= set(caller[True])
    bin_dir = Path(sys.executable).parent
    schema = subprocess.run([str(bin_dir / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    zizmor = subprocess.run([shutil.which("zizmor", path=str(bin_dir)) or "zizmor", "--persona", "pedantic", "--offline",
                             "--format", "json", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert zizmor.returncode == 0 and json.loads(zizmor.stdout) == [], zizmor.stdout + zizmor.stderr
    assert f"completed {path}" in zizmor.stderr  # audited as a workflow, not skipped

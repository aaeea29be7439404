"""Thin nox sessions: each installs the harness with its pinned scanners and calls `pipeline`.

`nox -s all` runs every stage concurrently and ends with the verdict; `nox -s <stage>` runs one
(extra arguments go to `pipeline run`, e.g. `nox -s zap -- --target https://staging.example`).
Scanner versions are pinned once, in pyproject.toml's `scanners` extra.
"""

from __future__ import annotations

import ast
import os
import tomllib
from pathlib import Path

import sys

import nox

# The pin in pyproject's `test` extra and in .ci/run; an older nox would ignore options used here.
nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["all"]

ROOT = Path(__file__).parent


def registry_stages() -> tuple[str, ...]:
    """The stage names of pipeline/registry.py's STAGES, in order (what `pipeline stages` prints).

    Read from the source, not imported: nox's own environment has none of the harness's
    dependencies (the scanners are installed in each session). A shape this cannot read stops nox.
    """
    registry = ROOT / "pipeline" / "registry.py"
    for node in ast.parse(registry.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "STAGES":
            if isinstance(node.value, ast.Tuple):
                return tuple(_spec_name(ROOT / "pipeline" / "stages" / f"{element.value.id}.py")
                             for element in node.value.elts
                             if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name))
    sys.exit(f"noxfile.py: cannot read the STAGES tuple of {registry}")


def _spec_name(module: Path) -> str:
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StageSpec":
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    sys.exit(f"noxfile.py: no StageSpec(name=...) in {module}")


STAGES = registry_stages()
# A local advisory database makes the deps stage run offline (air-gapped machines, this project's
# own CI machines, which keep the PyPA advisory snapshot beside the checkout).
ADVISORY_DB_ENV = "SECURE_PIPELINE_ADVISORY_DB"
SHARED_SNAPSHOT = ROOT.parent / "shared" / "advisory-db" / "pypa-vulns"


def deps_args(session: nox.Session) -> list[str]:
    """`--offline --advisory-db PATH` when a local advisory database is known and none was given."""
    if any(arg in ("--offline", "--advisory-db") or arg.startswith("--advisory-db=") for arg in session.posargs):
        return []
    configured = os.environ.get(ADVISORY_DB_ENV, "")
    if configured:
        return ["--offline", "--advisory-db", configured]
    if SHARED_SNAPSHOT.is_dir():
        session.log(f"deps: offline against the advisory snapshot at {SHARED_SNAPSHOT}")
        return ["--offline", "--advisory-db", str(SHARED_SNAPSHOT)]
    return []


def install(session: nox.Session, extras: str = "scanners,test") -> None:
    """The harness, its pinned scanners, and the sample app's pinned requirements.

    The app's requirements are installed so pylint can resolve its imports and the zap stage can
    deploy it; pgserver (test extra) provides the embedded PostgreSQL.
    """
    args = ["-e", f".[{extras}]"]
    if (ROOT / "app" / "requirements.txt").is_file():
        args += ["-r", "app/requirements.txt"]
    session.install(*args)


# checkov lives in an environment of its own (why: pyproject.toml's [dependency-groups]); only its
# executable is put on the sessions' PATH, through a folder holding that one link, so the other
# console scripts of its environment (its fork of detect-secrets among them) are never found.
CHECKOV_ENV = ROOT / ".nox" / "_checkov-env"
CHECKOV_BIN = ROOT / ".nox" / "_checkov-bin"


def provide_checkov(session: nox.Session) -> None:
    """Install the pinned checkov into its own environment and put its executable on the session's PATH."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        requirements = tomllib.load(handle)["dependency-groups"]["checkov"]
    python = CHECKOV_ENV / "bin" / "python"
    if not python.exists():
        session.run("uv", "venv", "--quiet", str(CHECKOV_ENV), external=True)
    session.run("uv", "pip", "install", "--quiet", "--python", str(python), *requirements, external=True)
    CHECKOV_BIN.mkdir(parents=True, exist_ok=True)
    link = CHECKOV_BIN / "checkov"
    if not link.is_symlink():
        link.symlink_to(CHECKOV_ENV / "bin" / "checkov")
    session.env["PATH"] = os.pathsep.join([str(CHECKOV_BIN), os.environ.get("PATH", "")])


def make_stage_session(stage: str) -> None:
    @nox.session(name=stage, tags=["stage"])
    def stage_session(session: nox.Session) -> None:
        install(session)
        if stage == "harden":
            provide_checkov(session)
        extra = deps_args(session) if stage == "deps" else []
        session.run("pipeline", "run", stage, *extra, *session.posargs)

    stage_session.__doc__ = f"Run the {stage} stage and its verdict (reports/{stage}.json, reports/verdict/)."


for _stage in STAGES:
    make_stage_session(_stage)


@nox.session(name="all")
def all_stages(session: nox.Session) -> None:
    """Run every configured stage concurrently, then the verdict and every report."""
    install(session)
    provide_checkov(session)
    session.run("pipeline", "run", "all", *deps_args(session), *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (real scanners, a real embedded PostgreSQL)."""
    install(session)
    provide_checkov(session)
    # Three workers on two cores: much of the suite waits (timeouts, servers, subprocesses). The app
    # tests share one embedded PostgreSQL and watch the machine's processes, so they stay in one worker.
    session.run("pytest", *(session.posargs or ["-q", "-n", "3", "--dist", "loadgroup"]))

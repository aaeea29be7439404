"""Thin nox sessions: each installs the harness with its pinned scanners and calls `pipeline`.

`nox -s all` runs every stage concurrently and ends with the verdict; `nox -s <stage>` runs one
(extra arguments go to `pipeline run`, e.g. `nox -s zap -- --target https://staging.example`).
Scanner versions are pinned once, in pyproject.toml's `scanners` extra.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["all"]

ROOT = Path(__file__).parent
STAGES = ("lint", "sast", "secrets", "deps", "zap", "harden")


def install(session: nox.Session, extras: str = "scanners,test") -> None:
    """The harness, its pinned scanners, and the sample app's pinned requirements.

    The app's requirements are installed so pylint can resolve its imports and the zap stage can
    deploy it; pgserver (test extra) provides the embedded PostgreSQL.
    """
    args = ["-e", f".[{extras}]"]
    if (ROOT / "app" / "requirements.txt").is_file():
        args += ["-r", "app/requirements.txt"]
    session.install(*args)


def make_stage_session(stage: str) -> None:
    @nox.session(name=stage, tags=["stage"])
    def stage_session(session: nox.Session) -> None:
        install(session)
        session.run("pipeline", "run", stage, *session.posargs)

    stage_session.__doc__ = f"Run the {stage} stage and its verdict (reports/{stage}.json, reports/verdict/)."


for _stage in STAGES:
    make_stage_session(_stage)


@nox.session(name="all")
def all_stages(session: nox.Session) -> None:
    """Run every configured stage concurrently, then the verdict and every report."""
    install(session)
    session.run("pipeline", "run", "all", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (real scanners, a real embedded PostgreSQL)."""
    install(session)
    session.run("pytest", *(session.posargs or ["-q"]))

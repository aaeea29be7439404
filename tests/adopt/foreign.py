"""A foreign repository as a new adopter has it: a requirements-only Flask app, no packaging, no
harness configuration, a git history (fixtures/flask_app), and the issue's three planted defects
(fixtures/planted: an unused import, a subprocess call through the shell, an AWS key)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True, timeout=60)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def make_flask_repo(root: Path) -> Path:
    shutil.copytree(FIXTURES / "flask_app", root)
    git(root, "init", "-q", ".")
    commit_all(root, "init")
    return root


def plant_defects(root: Path) -> None:
    shutil.copytree(FIXTURES / "planted", root, dirs_exist_ok=True)


def add_legacy_findings(root: Path) -> None:
    """Findings a repository already has on the day it adopts the harness (an unused import, a shell
    call, a hard-coded secret): the baselines `pipeline init` writes accept exactly these."""
    shutil.copytree(FIXTURES / "legacy", root, dirs_exist_ok=True)

"""Test support shared by every test folder: throwaway repositories, the CLI, fake executables.

One copy of each helper (they had drifted apart in per-folder helper modules). Import as
``from tests.support import write_tree, git_init, run_cli, fake_tool``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Fixed identity and dates: the same tree gives the same commit, so runs that bind reports to a
# commit can be compared and replayed.
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00"}


def write_tree(root: Path, files: dict[str, str], dedent: bool = True) -> Path:
    """Write ``files`` (repo-relative path -> text) under ``root``; texts are dedented unless told not to."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
    return root


def git_init(root: Path) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=root, check=True, env=env)


def git(root: Path, *args: str) -> str:
    """One git command in ``root`` with a fixed author and date; its stdout (fails the test on error)."""
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **GIT_ENV}).stdout


def feature_branch(root: Path) -> None:
    """A repository with its files committed on `main`, checked out on a new branch `feature`."""
    git_init(root)
    git(root, "branch", "-M", "main")
    git(root, "checkout", "-qb", "feature")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def neutral_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any GitHub Actions variable (the tests may run inside one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "RUNNER_TEMP"}
    env.update(extra or {})
    return env


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """`python -m pipeline ARGS` in ``cwd``, from a neutral environment plus ``env``."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=neutral_env(env),
                          capture_output=True, text=True, timeout=timeout, check=False)


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_tool(bin_dir: Path, name: str, body: str) -> Path:
    """A shell script standing in for a scanner: only for crash, hang and garbage faults."""
    prologue = "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'fake 0.0'; exit 0; fi\n"
    return executable(bin_dir / name, prologue + body + "\n")

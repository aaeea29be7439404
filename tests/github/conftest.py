"""Fixtures for the GitHub Actions tests (helpers live in gh_helpers.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nox.registry
import pytest
from gh_helpers import CLEAN_DOCKERFILE, CLEAN_MODULE, CLEAN_WORKFLOW, REPO, git_init, write_tree


def make_clean_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, {
        "app.py": CLEAN_MODULE,
        ".github/workflows/build.yml": CLEAN_WORKFLOW,
        "Dockerfile": CLEAN_DOCKERFILE,
    })
    git_init(root)
    return root


@pytest.fixture
def clean_repo(tmp_path: Path) -> Path:
    """A small git repository that every fast stage passes: one module, one workflow, one Dockerfile."""
    return make_clean_repo(tmp_path / "repo")


@pytest.fixture(scope="module")
def nox_sessions() -> set[str]:
    """The sessions noxfile.py registers, read from nox's own registry after importing it."""
    spec = importlib.util.spec_from_file_location("noxfile_under_test", REPO / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(nox.registry.get())

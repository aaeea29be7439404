"""Fixtures for the GitHub Actions tests (helpers live in gh_helpers.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nox.registry
import pytest
from gh_helpers import REPO, make_clean_repo




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

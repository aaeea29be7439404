"""Fixtures for the core harness tests (helpers live in core_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_helpers import CLEAN_CODE, PLANTED_CODE, git_init, planted_secrets, write_tree


@pytest.fixture
def secret_values() -> dict[str, str]:
    return planted_secrets()


@pytest.fixture
def planted_repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "planted", PLANTED_CODE)
    git_init(root)
    return root


@pytest.fixture
def clean_repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "clean", CLEAN_CODE)
    git_init(root)
    return root


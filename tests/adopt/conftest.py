"""The harness installed as a tool, once per test session (uv's cache makes the install quick)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # adopt_helpers.py, beside this file

from adopt_helpers import Tool, build_tool  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Tool:
    return build_tool(tmp_path_factory.mktemp("tool"))

"""Shared helpers for the deps stage tests: fixture advisory records, scan contexts, fake executables."""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import stage_config
from pipeline.files import FileSet
from pipeline.scanner import ScanContext

from deps_helpers import DEFAULT_OPTIONS


@pytest.fixture(autouse=True)
def _pip_audit_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real scanners of this interpreter's environment, ahead of anything else on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("SAFETY_API_KEY", raising=False)


@pytest.fixture
def make_ctx(tmp_path: Path) -> Callable[..., ScanContext]:
    """``make_ctx("flask==2.2.4\\n", advisory_db=...)``: a repo with that requirements.txt and a scan context."""
    counter = iter(range(1000))

    def factory(requirements: str | None = None, timeout: float = 120.0, **options: Any) -> ScanContext:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        if requirements is not None:
            (root / "requirements.txt").write_text(textwrap.dedent(requirements), encoding="utf-8")
        work = tmp_path / f"work{next(counter)}"
        work.mkdir()
        return ScanContext(root=root, stage="deps", stage_config=stage_config("deps", {**DEFAULT_OPTIONS, **options}),
                           files=FileSet(root),
                           work_dir=work, timeout=timeout,
                           artifacts_dir=tmp_path / "reports" / "deps")

    return factory


@pytest.fixture
def fake_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Put an executable Python script called ``name`` first on PATH (for crash/garbage/hang modes only)."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    def factory(name: str, body: str) -> Path:
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\nimport sys, time\n{textwrap.dedent(body)}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path

    return factory

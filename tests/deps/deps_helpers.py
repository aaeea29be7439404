"""Paths and defaults the deps tests share (a plain module: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


FIXTURES = Path(__file__).resolve().parent / "fixtures"
PYPA = FIXTURES / "pypa"  # real PyPA advisory-database records (vulns/<pkg>/<ID>.yaml layout)
OSV_EXPORT = FIXTURES / "osv-export"  # the real GitHub advisory for CVE-2023-30861, OSV export style (JSON)
SHARED_SNAPSHOT = Path(__file__).resolve().parents[2].parent / "shared" / "advisory-db" / "pypa-vulns"

# What these tests always set (the declared defaults fill in the rest, validated like the file's).
DEFAULT_OPTIONS: dict[str, Any] = {
    "offline": True, "advisory_db": str(FIXTURES), "sources": ["requirements.txt"],
}

"""Paths and defaults the deps tests share (a plain module: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import finding_pipeline
from pipeline.model import Finding
from pipeline.redact import Redactor
from pipeline.registry import scanners_for, stage_spec

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PYPA = FIXTURES / "pypa"  # real PyPA advisory-database records (vulns/<pkg>/<ID>.yaml layout)
OSV_EXPORT = FIXTURES / "osv-export"  # the real GitHub advisory for CVE-2023-30861, OSV export style (JSON)
SHARED_SNAPSHOT = Path(__file__).resolve().parents[2].parent / "shared" / "advisory-db" / "pypa-vulns"

# What these tests always set (the declared defaults fill in the rest, validated like the file's).
DEFAULT_OPTIONS: dict[str, Any] = {
    "offline": True, "advisory_db": str(FIXTURES), "sources": ["requirements.txt"],
}


def deps_stage_findings(findings: list[Finding], root: Path) -> list[Finding]:
    """The deps stage's findings as the engine finishes them: merged, then fingerprinted (finding_pipeline.py)."""
    return finding_pipeline.stage_findings(stage_spec("deps"), scanners_for("deps"), findings, root, Redactor())

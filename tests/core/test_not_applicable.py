"""A stage that was asked for and skipped is an error; a default stage that does not apply is
"not applicable", never passed, and does not block a plain library (issue 9 item 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core_helpers import CLEAN_CODE, REPO, git_init, run_cli, write_tree

DEPS_OFFLINE = '''
[tool.secure-pipeline.stages.deps]
offline = true
sources = ["requirements.txt"]
'''
# The advisory source is a trusted setting: it comes from the harness's environment, never the repository.
ADVISORY_DB = {"SECURE_PIPELINE_ADVISORY_DB": str(REPO / "tests" / "deps" / "fixtures")}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A plain library: Python code and one clean pin; no Dockerfile, no workflows, no web app."""
    root = write_tree(tmp_path / "lib", {**CLEAN_CODE, "requirements.txt": "flask==3.1.1\n", "pyproject.toml": DEPS_OFFLINE})
    git_init(root)
    return root


def _stages(out: Path) -> dict[str, dict]:
    return {s["stage"]: s for s in json.loads((out / "verdict" / "verdict.json").read_text())["stages"]}


def test_run_all_on_a_plain_library_passes_with_not_applicable_stages(library, tmp_path):
    out = tmp_path / "reports"
    proc = run_cli(["run", "all", "--out", str(out)], cwd=library, env=ADVISORY_DB)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stages = _stages(out)
    assert stages["harden"]["status"] == "not_applicable" and stages["zap"]["status"] == "not_applicable"
    assert "no Dockerfiles" in stages["harden"]["reason"] and "no target" in stages["zap"]["reason"]
    assert {stages[s]["status"] for s in ("lint", "sast", "secrets", "deps")} == {"passed"}
    # Every report shows it as not applicable, none as passed.
    assert re.search(r"\|\s*harden\s*\|\s*not applicable\s*\|", proc.stdout), proc.stdout
    assert "not applicable" in (out / "verdict" / "summary.md").read_text()
    assert 'class="not-applicable">not applicable</td>' in (out / "verdict" / "report.html").read_text()
    junit = (out / "verdict" / "junit.xml").read_text()
    assert '<testsuite name="zap" tests="1" failures="0" errors="0" skipped="1"' in junit
    sarif = json.loads((out / "verdict" / "secure-pipeline.sarif").read_text())
    assert {"zap", "zizmor", "hadolint"}.isdisjoint(r["tool"]["driver"]["name"] for r in sarif["runs"])
    report = json.loads((out / "zap.json").read_text())
    assert report["status"] == "not_applicable" and report["requested"] is False

    # The same reports through `pipeline verdict`: still passing; asked for with --expect, an error.
    assert run_cli(["verdict", *map(str, sorted(out.glob("*.json"))), "--out", str(tmp_path / "v"), "--quiet"],
                   cwd=library).returncode == 0
    proc = run_cli(["verdict", *map(str, sorted(out.glob("*.json"))), "--out", str(tmp_path / "v2"), "--quiet",
                    "--expect", "zap"], cwd=library)
    assert proc.returncode == 2
    zap = {s["stage"]: s for s in json.loads((tmp_path / "v2" / "verdict.json").read_text())["stages"]}["zap"]
    assert zap["status"] == "error" and "give --target URL" in zap["reason"]


def test_a_stage_named_on_the_command_line_that_skips_is_an_error(library, tmp_path):
    out = tmp_path / "reports"
    proc = run_cli(["run", "zap", "lint", "--out", str(out)], cwd=library)
    assert proc.returncode == 2, proc.stdout
    zap = _stages(out)["zap"]
    assert zap["status"] == "error"
    assert zap["reason"].startswith("zap was asked for but did not run (zap: no target")
    assert "give --target URL or set [tool.secure-pipeline.stages.zap] target" in zap["reason"]
    assert "PASSED" not in proc.stdout and "ERROR: 1 required stage(s) could not run (zap)" in proc.stdout


def test_stages_named_in_the_run_list_are_asked_for(library, tmp_path):
    (library / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["lint", "harden"]\n' + DEPS_OFFLINE)
    out = tmp_path / "reports"
    proc = run_cli(["run", "all", "--out", str(out), "--quiet"], cwd=library, env=ADVISORY_DB)
    assert proc.returncode == 2
    harden = _stages(out)["harden"]
    assert harden["status"] == "error" and "harden was asked for but did not run" in harden["reason"]
    assert json.loads((out / "harden.json").read_text())["requested"] is True

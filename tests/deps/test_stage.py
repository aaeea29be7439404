"""Dependency sources, the stage merge, the full shared snapshot, and the CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deps_helpers import FIXTURES, SHARED_SNAPSHOT, deps_stage_findings
from pipeline.adapters.pip_audit import PipAudit
from pipeline.dependencies import SourceError, collect, discover
from pipeline.model import Status
from pipeline.stages.deps import merge

REPO = Path(__file__).resolve().parents[2]


def test_auto_discovers_requirement_lock_and_pyproject_files() -> None:
    files = ["app/requirements.txt", "requirements.lock", "requirements/dev.txt", "uv.lock", "pyproject.toml",
             "docs/requirements.in", "src/app.py", "constraints.txt"]
    assert discover(files) == ["app/requirements.txt", "constraints.txt", "pyproject.toml", "requirements.lock",
                               "requirements/dev.txt", "uv.lock"]


def test_requirement_file_features(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("Jinja2==2.10  # templating\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n--index-url https://example.invalid/simple\nflask==2.2.4 \\\n    --hash=sha256:abc\nFlask_Login===0.6.2\n")
    deps = collect(tmp_path, ["requirements.txt"], [])
    assert sorted((p.name, p.version) for p in deps.pins) == [("flask", "2.2.4"), ("flask-login", "0.6.2"), ("jinja2", "2.10")]
    assert deps.lookup("Flask", "2.2.4").origins[0].line == 3


def test_editable_and_url_requirements_cannot_be_audited(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-e ./lib\nflask @ https://example.invalid/f.tar.gz\n")
    with pytest.raises(SourceError, match="not pinned"):
        collect(tmp_path, ["requirements.txt"], [])


def test_uv_lock_pins_and_skips_the_project_itself(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "me"\nversion = "0.1"\nsource = { editable = "." }\n'
        '[[package]]\nname = "flask"\nversion = "2.2.4"\nsource = { registry = "https://pypi.org/simple" }\n')
    deps = collect(tmp_path, ["uv.lock"], [])
    assert [(p.name, p.version, p.origins[0].line) for p in deps.pins] == [("flask", "2.2.4", 7)]


def test_environment_source_lists_installed_packages(tmp_path: Path) -> None:
    deps = collect(tmp_path, [f"env:{sys.executable}"], [])
    assert deps.lookup("pip-audit", __import__("importlib.metadata").metadata.version("pip-audit")) is not None


def test_no_sources_found_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no dependency sources found"):
        collect(tmp_path, ["auto"], ["src/app.py"])


def test_merge_keeps_distinct_vulnerabilities_and_versions_apart(make_ctx, tmp_path: Path) -> None:
    findings = deps_stage_findings(PipAudit().scan(make_ctx("flask==2.2.4\nrequests==2.19.1\n")).findings, tmp_path)
    assert len(findings) == 3 and len({f.fingerprint for f in findings}) == 3


@pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(), reason=f"the shared advisory snapshot {SHARED_SNAPSHOT} is not beside the checkout")
def test_full_shared_snapshot_reports_every_expected_advisory(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\nrequests==2.19.1\npyyaml==5.3\njinja2==2.10\nurllib3==1.24.1\ndjango==2.2.0\n",
                                   advisory_db=str(SHARED_SNAPSHOT)))
    assert out.run.status is Status.PASSED, out.run.error
    found = {(f.location.package, i) for f in merge(out.findings) for i in f.properties["ids"]}
    expected = {("flask", "PYSEC-2023-62"), ("requests", "PYSEC-2018-28"), ("requests", "PYSEC-2023-74"),
                ("pyyaml", "PYSEC-2020-96"), ("pyyaml", "PYSEC-2021-142"), ("jinja2", "PYSEC-2019-217"), ("jinja2", "PYSEC-2021-66"),
                ("urllib3", "PYSEC-2019-132"), ("urllib3", "PYSEC-2021-108"), ("urllib3", "PYSEC-2023-192"),
                ("urllib3", "PYSEC-2023-212"), ("django", "PYSEC-2019-13")}
    assert expected <= found, expected - found
    # PYSEC-2020-176 (CVE-2019-20477) covers pyyaml 5.1 up to 5.2b1 only: 5.3 must not be reported for it.
    assert ("pyyaml", "PYSEC-2020-176") not in found
    assert out.run.details["advisory_source"]["records"] > 2000 and out.run.details["advisory_source"]["stale"]


def test_cli_offline_run_fails_on_known_vulnerabilities(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==2.2.4\n")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "deps", "--root", str(root), "--out", str(tmp_path / "out"),
         "--offline", "--advisory-db", str(FIXTURES), "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((tmp_path / "out" / "deps.json").read_text())
    assert [f["rule_id"] for f in report["findings"]] == ["CVE-2023-30861"]
    tools = {t["tool"]: t["status"] for t in report["tools"]}
    assert tools == {"pip-audit": "passed", "safety": "skipped"}

"""safety: skipped (never passed) when it cannot run, its crash modes (fake executables: safety 3.x cannot run
offline here), and its two real JSON shapes (``check`` as documented in the reference, ``scan`` per safety_schemas 3.0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.adapters.safety import Safety
from pipeline.model import Status
from pipeline.stages.deps import merge
from pipeline.adapters.pip_audit import PipAudit

# safety 2.3.5 `check --output json` against requirements with requests==2.19.1 (shape from the reference, section 6).
CHECK_REPORT = {
    "report_meta": {"scan_target": "files", "scanned": ["requirements.txt"], "policy_file": None, "api_key": False,
                    "local_database_path": "safetydb", "safety_version": "2.3.5", "timestamp": "2024-10-10 10:00:00",
                    "packages_found": 2, "vulnerabilities_found": 1, "vulnerabilities_ignored": 0,
                    "remediations_recommended": 0, "json_version": 1},
    "scanned_packages": {"flask": {"name": "flask", "version": "2.2.5"}, "requests": {"name": "requests", "version": "2.19.1"}},
    "affected_packages": {}, "announcements": [],
    "vulnerabilities": [{"vulnerability_id": "36546", "package_name": "requests", "ignored": {}, "ignored_reason": None,
                         "ignored_expires": None, "vulnerable_spec": "<=2.19.1", "all_vulnerable_specs": ["<=2.19.1"],
                         "analyzed_version": "2.19.1", "advisory": "Requests before 2.20.0 sends an HTTP Authorization header to an http URI upon receiving a same-hostname https-to-http redirect.",
                         "is_transitive": False, "published_date": None, "fixed_versions": [],
                         "closest_versions_without_known_vulnerabilities": [], "resources": [], "CVE": "CVE-2018-18074",
                         "severity": None, "affected_versions": [], "more_info_url": "https://pyup.io"}],
    "ignored_vulnerabilities": [], "remediations": {},
}
REQS = "flask==2.2.5\nrequests==2.19.1\n"


def _fake_safety(fake_tool, stdout: str, code: int) -> None:
    fake_tool("safety", f"if '--version' in sys.argv:\n    print('safety 0')\n    sys.exit(0)\n"
                        f"sys.stdout.write({stdout!r})\nsys.exit({code})")


def test_offline_without_database_is_skipped_as_unavailable(make_ctx) -> None:
    out = Safety().scan(make_ctx(REQS))
    assert out.run.status is Status.SKIPPED and "unavailable offline" in out.run.reason


def test_online_without_key_is_skipped_as_not_configured(make_ctx) -> None:
    out = Safety().scan(make_ctx(REQS, offline=False))
    assert out.run.status is Status.SKIPPED and "not configured" in out.run.reason


def test_required_safety_that_cannot_run_is_an_error(make_ctx) -> None:
    out = Safety().scan(make_ctx(REQS, safety_required=True))
    assert out.run.status is Status.ERROR and "safety_required" in out.run.error


def test_real_safety_crashes_offline_and_that_is_an_error(make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETY_API_KEY", "dummy-key-for-test")
    out = Safety().scan(make_ctx(REQS, offline=False, timeout=60))
    assert out.run.status is Status.ERROR and out.run.error.startswith("safety:")


def test_crash_with_exit_0_and_empty_output_is_an_error(make_ctx, fake_tool, tmp_path: Path) -> None:
    _fake_safety(fake_tool, "", 0)
    out = Safety().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    assert out.run.status is Status.ERROR and "without a JSON report" in out.run.error


def test_invalid_json_is_an_error(make_ctx, fake_tool, tmp_path: Path) -> None:
    _fake_safety(fake_tool, '{"report_meta": ', 0)
    out = Safety().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    assert out.run.status is Status.ERROR and "not valid safety JSON" in out.run.error


@pytest.mark.parametrize(("code", "meaning"), [(1, "crashed"), (67, "unable to load"), (69, "malformed"), (68, "network")])
def test_error_exit_codes_are_named(make_ctx, fake_tool, tmp_path: Path, code: int, meaning: str) -> None:
    _fake_safety(fake_tool, "", code)
    out = Safety().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    assert out.run.status is Status.ERROR and f"code {code}" in out.run.error and meaning in out.run.error


def test_check_report_is_parsed_and_merges_with_pip_audit(make_ctx, fake_tool, tmp_path: Path) -> None:
    banner = "+==+\nDEPRECATED: this command (`check`) has been DEPRECATED\n+==+\n"
    _fake_safety(fake_tool, banner + json.dumps(CHECK_REPORT), 64)
    ctx = make_ctx(REQS, safety_db=str(tmp_path))
    safety = Safety().scan(ctx)
    assert safety.run.status is Status.PASSED, safety.run.error
    [finding] = safety.findings
    assert finding.properties["ids"] == ["CVE-2018-18074", "SAFETY-36546"]
    audit = PipAudit().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    merged = [f for f in merge(audit.findings + safety.findings) if "CVE-2018-18074" in f.properties["ids"]]
    assert len(merged) == 1 and merged[0].found_by == ("pip-audit", "safety")
    assert set(merged[0].properties["ids"]) >= {"PYSEC-2018-28", "CVE-2018-18074", "SAFETY-36546"}


def test_exit_64_without_vulnerabilities_is_an_error(make_ctx, fake_tool, tmp_path: Path) -> None:
    report = dict(CHECK_REPORT, vulnerabilities=[])
    _fake_safety(fake_tool, json.dumps(report), 64)
    out = Safety().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    assert out.run.status is Status.ERROR and "lists none" in out.run.error


def test_report_missing_a_pin_is_an_error(make_ctx, fake_tool, tmp_path: Path) -> None:
    report = dict(CHECK_REPORT, scanned_packages={"requests": {}}, vulnerabilities=[])
    report["report_meta"] = dict(CHECK_REPORT["report_meta"], packages_found=1)
    _fake_safety(fake_tool, json.dumps(report), 0)
    out = Safety().scan(make_ctx(REQS, safety_db=str(tmp_path)))
    assert out.run.status is Status.ERROR and "flask" in out.run.error


def test_scan_report_shape_is_parsed(make_ctx, fake_tool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETY_API_KEY", "dummy-key-for-test")
    report = {"meta": {"scan_type": "scan", "schema_version": "3.0"}, "scan_results": {"files": [], "projects": [{
        "id": "x", "location": "/tmp", "files": [{"location": "/tmp/requirements-1.txt", "type": "requirements.txt",
        "categories": ["python"], "results": {"dependencies": [
            {"name": "flask", "specifications": [{"raw": "flask==2.2.5", "vulnerabilities": {"known_vulnerabilities": []}}]},
            {"name": "requests", "specifications": [{"raw": "requests==2.19.1", "vulnerabilities": {
                "known_vulnerabilities": [{"id": "58755", "vulnerable_spec": "<2.31.0"}],
                "remediation": {"vulnerabilities_found": 1, "recommended": "2.31.0", "other_recommended": []}}}]}]}}]}]}}
    _fake_safety(fake_tool, json.dumps(report), 64)
    out = Safety().scan(make_ctx(REQS, offline=False))
    assert out.run.status is Status.PASSED, out.run.error
    [finding] = out.findings
    assert finding.rule_id == "SAFETY-58755" and finding.properties["fixed_versions"] == ["2.31.0"]
    assert out.run.command[:2] == ["safety", "scan"]

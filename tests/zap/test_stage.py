"""The zap adapter and stage end to end: rules-file gating, OUTOFSCOPE, the traditional JSON report,
engine choice, fail-closed errors, and the CLI's exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import ConfigError
from pipeline.adapters.zap import Zap
from pipeline.files import FileSet
from pipeline.model import Status
from pipeline.redact import Redactor
from pipeline.config import stage_config
from pipeline.scanner import ScanContext
from pipeline.zap.settings import ZapSettings

from . import insecure_app
from .zap_double import ZapDouble, make_alert

ROOT = Path(__file__).resolve().parents[2]
RULES = ("10021\tFAIL\t(X-Content-Type-Options Header Missing)\n"
         "10027\tIGNORE\t(Information Disclosure - Suspicious Comments)\n"
         "10098\tOUTOFSCOPE\t.*/api/\n")


@pytest.fixture
def insecure():
    server, url = insecure_app.start()
    yield url
    server.shutdown()
    server.server_close()


def context(root: Path, **options) -> ScanContext:
    return ScanContext(root=root, stage="zap", stage_config=stage_config("zap", options), files=FileSet(root, ["."], []),
                       work_dir=root,
                       timeout=60, artifacts_dir=root / "reports" / "zap")


def project(tmp_path: Path, rules: str = RULES) -> Path:
    (tmp_path / "zap-config").mkdir(parents=True)
    (tmp_path / "zap-config" / "rules.tsv").write_text(rules)
    return tmp_path


def test_rules_file_gates_findings(tmp_path, insecure):
    root = project(tmp_path)
    out = Zap().scan(context(root, target=insecure, engine="embedded"))
    assert out.run.status is Status.PASSED, out.run.error
    by_rule = {}
    for finding in out.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    assert {f.tool_gate for f in by_rule["10021"]} == {"fail"}
    ignored = by_rule["10027"][0]
    assert ignored.tool_gate == "ignore" and ignored.accepted_by is not None and ignored.accepted_by.because == "zap-config/rules.tsv IGNORE"
    assert {f.tool_gate for f in by_rule["10038"]} == {"warn"}  # not in the file: WARN, like zap-baseline.py
    assert "10098" not in by_rule and out.run.details["out_of_scope"] == {"10098": 1}
    cookie = by_rule["10010"][0]
    assert cookie.location.url == insecure and cookie.location.param == "session" and cookie.cwe == (1004,)
    assert out.run.details["engine"] == "embedded" and insecure + "hidden/admin" in out.run.details["urls_visited"]


def test_traditional_json_report_shape(tmp_path, insecure):
    root = project(tmp_path)
    out = Zap().scan(context(root, target=insecure, engine="embedded"))
    # The adapter hands the report over; the engine writes it once the run's redaction is known.
    assert not (root / "reports" / "zap" / "zap-traditional.json").exists()
    Redactor().write_artifacts(out.artifacts)
    report = json.loads((root / "reports" / "zap" / "zap-traditional.json").read_text())
    assert report["@programName"] == "ZAP" and report["@generated"]
    [site] = report["site"]
    assert site["@name"] == insecure.rstrip("/") and site["@host"] == "127.0.0.1" and site["@ssl"] == "false"
    alert = next(a for a in site["alerts"] if a["pluginid"] == "10037")
    assert alert["riskcode"] == "1" and alert["riskdesc"] == "Low (Medium)" and alert["cweid"] == "497"
    assert alert["instances"][0]["evidence"] == "X-Powered-By: PHP/5.6.40" and alert["count"] == "1"
    assert set(alert["instances"][0]) == {"id", "uri", "nodeName", "method", "param", "attack", "evidence", "otherinfo"}
    assert all(isinstance(v, str) for k, v in alert.items() if k not in ("instances", "systemic"))
    assert not any(a["pluginid"] == "10098" for a in site["alerts"])  # out of scope


def test_malformed_rules_file_is_an_error_naming_the_line(tmp_path, insecure):
    root = project(tmp_path, "10021\tFAIL\t(ok)\n10038 FAIL (CSP)\n")
    out = Zap().scan(context(root, target=insecure))
    assert out.run.status is Status.ERROR and out.run.error.startswith("zap: zap-config/rules.tsv:2: ")
    with pytest.raises(ConfigError, match="rules.tsv:2"):
        Zap().validate(root, context(root).stage_config)


def test_unreachable_target_is_an_error(tmp_path):
    out = Zap().scan(context(project(tmp_path), target="http://127.0.0.1:9/"))
    assert out.run.status is Status.ERROR and out.run.error.startswith("zap: cannot reach the target")


def test_no_target_and_no_sample_app_is_skipped_with_the_reason_never_passed(tmp_path):
    # A repository with no web app and no deployed target has nothing to scan: skipped, and says why.
    out = Zap().scan(context(project(tmp_path)))
    assert out.run.status is Status.SKIPPED and "no target" in out.run.reason
    assert out.findings == []


def test_a_repository_without_rules_file_gets_zap_baseline_defaults(tmp_path):
    rules = Zap().rules(tmp_path, ZapSettings(rules_file="zap-config/rules.tsv"))
    assert rules.levels == {} and rules.level_for("10021") == "WARN"
    # A rules file the user named explicitly must exist.
    import pytest

    from pipeline.config import ConfigError

    with pytest.raises(ConfigError):
        Zap().rules(tmp_path, ZapSettings(rules_file="my-rules.tsv"))


def test_zap_engine_chosen_by_environment_and_key_never_reported(tmp_path, insecure, monkeypatch):
    double = ZapDouble(api_key="k-very-secret", scan_urls=[insecure], scan_alerts=[make_alert(1, insecure)]).start()
    try:
        monkeypatch.setenv("ZAP_API_URL", double.base)
        monkeypatch.setenv("ZAP_API_KEY", "k-very-secret")
        out = Zap().scan(context(project(tmp_path), target=insecure, alerts_page_size=10))
        assert out.run.status is Status.PASSED, out.run.error
        assert out.run.details["engine"] == "zap" and out.run.version == "2.16.1"
        [finding] = out.findings
        assert finding.tool_gate == "fail" and finding.tool_severity == "Low"
        assert "k-very-secret" not in json.dumps(out.run.to_dict()) + json.dumps([f.to_dict() for f in out.findings])
        monkeypatch.setenv("ZAP_API_KEY", "wrong")
        bad = Zap().scan(context(project(tmp_path / "b"), target=insecure))
        assert bad.run.status is Status.ERROR and "rejected the API key" in bad.run.error
    finally:
        double.stop()


def test_engine_zap_without_daemon_is_an_error(tmp_path, insecure, monkeypatch):
    monkeypatch.delenv("ZAP_API_URL", raising=False)
    out = Zap().scan(context(project(tmp_path), target=insecure, engine="zap"))
    assert out.run.status is Status.ERROR and "ZAP_API_URL" in out.run.error


def test_cli_exit_codes_fail_and_bad_config(tmp_path, insecure):
    root = project(tmp_path)
    argv = [sys.executable, "-m", "pipeline", "run", "zap", "--root", str(root), "--out", str(root / "out"), "--target", insecure]
    failed = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    stage = json.loads((root / "out" / "zap.json").read_text())
    assert any(f["rule_id"] == "10021" and f["properties"]["gate"] == "fail" for f in stage["findings"])
    (root / "zap-config" / "rules.tsv").write_text("10021 FAIL (X-Content-Type-Options)\n")
    broken = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert broken.returncode in (2, 3) and "rules.tsv:1" in broken.stdout + broken.stderr


def test_malformed_rules_file_is_a_configuration_error_before_anything_runs(tmp_path):
    import subprocess
    import sys

    root = project(tmp_path, rules="10021 FAIL (X-Content-Type-Options Header Missing)\n")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "zap", "--target", "http://127.0.0.1:9/",
                           "--out", str(tmp_path / "reports"), "--quiet"], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "zap-config/rules.tsv:1:" in proc.stderr and "TAB" in proc.stderr
    assert not (tmp_path / "reports" / "zap.json").exists()


def test_rule_settings_from_pyproject_reach_the_embedded_engine(tmp_path, insecure):
    root = project(tmp_path)
    plain = Zap().scan(context(root, target=insecure, engine="embedded"))
    assert any(f.rule_id == "10010" for f in plain.findings) and any(f.rule_id == "10021" for f in plain.findings)
    tuned = Zap().scan(context(root, target=insecure, engine="embedded", alert_thresholds=["10021=OFF"],
                               cookie_ignore_list=["session"]))
    assert tuned.run.status is Status.PASSED, tuned.run.error
    assert not any(f.rule_id == "10021" for f in tuned.findings)  # OFF: the rule does not run
    assert not any(f.rule_id == "10010" and f.location.param == "session" for f in tuned.findings)
    assert "10021" not in tuned.run.details["rules"]


def test_bad_rule_setting_is_a_configuration_error(tmp_path, insecure):
    root = project(tmp_path)
    with pytest.raises(ConfigError, match=r"stages.zap\]: zap: alert threshold 'SOMETIMES' for rule 10202"):
        Zap().validate(root, context(root, alert_thresholds=["10202=SOMETIMES"]).stage_config)
    out = Zap().scan(context(root, target=insecure, trusted_domains=["(unclosed"]))
    assert out.run.status is Status.ERROR and "trusted domain '(unclosed'" in out.run.error


def test_partial_daemon_scan_keeps_its_alerts_but_is_an_error(tmp_path, insecure, monkeypatch):
    double = ZapDouble(api_key="k", scan_urls=[insecure], scan_alerts=[make_alert(1, insecure)], records_to_scan=[4]).start()
    try:
        monkeypatch.setenv("ZAP_API_URL", double.base)
        monkeypatch.setenv("ZAP_API_KEY", "k")
        out = Zap().scan(context(project(tmp_path), target=insecure, pscan_timeout=0.1))
        assert out.run.status is Status.ERROR and "partial scan: the passive scan queue did not drain" in out.run.error
        assert [f.rule_id for f in out.findings] == ["10021"]
    finally:
        double.stop()

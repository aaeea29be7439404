"""Tool-side acceptances are re-derived from the repository's files, never read from a report
(issue 9 item 7): detect-secrets' audited baseline and the ZAP rules file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from core_helpers import git_init, run_cli, write_tree
from pipeline import config as config_mod
from pipeline import policy
from pipeline.acceptances import RepositoryAcceptances
from pipeline.baseline import Baseline
from pipeline.model import Confidence, Finding, Location, Severity, StageResult, Status, ToolRun


def test_the_verdict_recomputes_detect_secrets_audits(tmp_path, secret_values):
    root = write_tree(tmp_path / "repo", {
        "settings.py": f'AWS_ACCESS_KEY_ID = "{secret_values["aws_key_id"]}"\nGITHUB = "{secret_values["github_token"]}"\n',
        "pyproject.toml": '[tool.secure-pipeline]\nrun = ["secrets"]\n',
    })
    first = tmp_path / "first"
    git_init(root)
    assert run_cli(["run", "secrets", "--out", str(first), "--no-verdict", "--quiet"], cwd=root).returncode == 1
    found = json.loads((first / "secrets.json").read_text())["findings"]
    token = next(f for f in found if f["rule_id"] == "GitHub Token")
    (root / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "plugins_used": [], "filters_used": [],
        "results": {"settings.py": [{"type": "GitHub Token", "filename": "settings.py", "is_verified": False,
                                     "hashed_secret": token["properties"]["hashed_secret"],
                                     "line_number": token["location"]["line"], "is_secret": False}]}}))
    out = tmp_path / "reports"
    assert run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root,
                   env={"SECURE_PIPELINE_RUN_ID": "r1"}).returncode == 1
    report = out / "secrets.json"
    data = json.loads(report.read_text())
    for finding in data["findings"]:
        # Forge: drop the adapter's record of the audit, claim the unaudited AWS key was audited.
        finding["properties"].pop("suppressed_by", None)
        if finding["rule_id"] == "AWS Access Key":
            finding["properties"]["suppressed_by"] = ".secrets.baseline: audited as a false positive"
    report.write_text(json.dumps(data))
    proc = run_cli(["verdict", str(report), "--out", str(tmp_path / "v"), "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    verdict = json.loads((tmp_path / "v" / "verdict.json").read_text())
    got = {f["finding"]["rule_id"]: (f["disposition"], f["blocking"]) for f in verdict["findings"]}
    assert got["GitHub Token"] == ("suppressed", False)  # from the repository's own audited baseline
    assert got["AWS Access Key"] == ("new", True)  # the report's claim is ignored


def _as_read_from_a_report(finding: Finding, properties: dict) -> Finding:
    """The finding as `pipeline verdict` reads it from a (possibly forged) stage report."""
    return Finding.from_dict({**finding.to_dict(), "properties": properties})


def _zap_finding(rule: str, **properties) -> Finding:
    return _as_read_from_a_report(Finding("zap", rule, "X-Content-Type-Options Header Missing", Severity.LOW,
                                          Location(url="http://app.invalid/", method="GET"), confidence=Confidence.MEDIUM),
                                  properties)


def _zap_verdict(root: Path, findings: list[Finding]) -> policy.Verdict:
    config = config_mod.from_mapping(root, {}, None)
    run = ToolRun(tool="zap", status=Status.PASSED, details={"urls_scanned": 4})
    return policy.evaluate([StageResult("zap", Status.PASSED, [run], findings)], config, [], Baseline(),
                           today=dt.date(2026, 12, 1), acceptance=RepositoryAcceptances(config))


def test_the_zap_gate_comes_from_the_rules_file_not_the_report(tmp_path):
    (tmp_path / "zap-config").mkdir()
    (tmp_path / "zap-config" / "rules.tsv").write_text("10021\tFAIL\t(X-Content-Type-Options)\n10038\tIGNORE\t(CSP)\n")
    forged = _zap_finding("10021", gate="ignore", suppressed_by="zap-config/rules.tsv IGNORE", rules_level="IGNORE")
    ignored = _zap_finding("10038")  # the report forgot the IGNORE: the rules file still says so
    verdict = _zap_verdict(tmp_path, [forged, ignored])
    by_rule = {f.finding.rule_id: f for f in verdict.findings}
    assert by_rule["10021"].blocking and by_rule["10021"].disposition.value == "new"
    assert by_rule["10038"].disposition.value == "suppressed" and "rules.tsv IGNORE" in by_rule["10038"].because
    assert verdict.exit_code == 1


def test_safety_ignores_are_not_honoured(tmp_path):
    config = config_mod.from_mapping(tmp_path, {}, None)
    finding = _as_read_from_a_report(Finding("safety", "SAFETY-1", "vulnerable", Severity.HIGH,
                                             Location(package="flask", version="0.12")),
                                     {"suppressed_by": "safety policy: ignored"})
    assert finding.accepted_by is not None  # the forged field was read, and must still not count
    assert RepositoryAcceptances(config)("deps", finding) == policy.ToolAcceptance()

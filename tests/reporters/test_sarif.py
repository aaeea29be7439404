"""SARIF 2.1.0: valid against the official schema, one category per tool, GitHub's limits respected."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.model import Location, Severity, Status
from pipeline.reporters import REPORTERS, write_all
from pipeline.reporters.sarif import FILE_NAME, FINGERPRINT_KEY, FULL_FILE_NAME, SECURITY_SEVERITY, SarifReporter

from .conftest import DATA, finding, run, stage

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _sarif(verdict, ctx, reporter: SarifReporter | None = None, name: str = FULL_FILE_NAME) -> dict:
    """The full SARIF artifact by default (these tests check every finding's rendering); the
    code-scanning file with ``name=FILE_NAME``."""
    (reporter or SarifReporter()).write(verdict, ctx)
    data = json.loads((ctx.out_dir / name).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SCHEMA).validate(data)
    return data


def _run(data: dict, tool: str) -> dict:
    return next(r for r in data["runs"] if r["tool"]["driver"]["name"] == tool)


def _non_empty_strings(node, where="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _non_empty_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _non_empty_strings(value, f"{where}[{i}]")
    elif isinstance(node, str):
        yield where, node


def test_valid_sarif_one_run_per_tool(rich_verdict, make_ctx):
    data = _sarif(rich_verdict, make_ctx())
    assert data["version"] == "2.1.0"
    tools = [r["tool"]["driver"]["name"] for r in data["runs"]]
    assert tools == sorted(tools) == ["bandit", "detect-secrets", "pyflakes", "pylint"]
    categories = [r["automationDetails"]["id"] for r in data["runs"]]
    assert categories == [f"secure-pipeline/{t}/" for t in tools]
    # pyflakes found nothing of its own (the merged W0611 belongs to pylint) but still has a run.
    pyflakes = _run(data, "pyflakes")
    assert pyflakes["results"] == [] and pyflakes["invocations"][0]["executionSuccessful"] is False
    assert "exited 2" in pyflakes["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    merged = _run(data, "pylint")["results"]
    assert any(r["ruleId"] == "W0611" and r["properties"]["found_by"] == ["pylint", "pyflakes"] for r in merged)
    assert all(value != "" for _, value in _non_empty_strings(data)), "GitHub rejects empty strings"


def test_rule_metadata_and_security_severity(rich_verdict, make_ctx):
    bandit = _run(_sarif(rich_verdict, make_ctx()), "bandit")
    rules = {r["id"]: r for r in bandit["tool"]["driver"]["rules"]}
    b602 = rules["B602"]
    assert b602["properties"]["security-severity"] == SECURITY_SEVERITY[Severity.HIGH] == "8.0"
    assert {"security", "external/cwe/cwe-78"} <= set(b602["properties"]["tags"])
    assert b602["helpUri"] == "https://bandit.readthedocs.io/b602.html"
    assert b602["help"]["text"] == "Pass an argument list"
    assert b602["defaultConfiguration"]["level"] == "error"
    assert rules["B101"]["properties"]["security-severity"] == "3.0"
    for result in bandit["results"]:
        assert bandit["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    # Lint findings without a CWE are code quality, not security alerts.
    pylint_rules = _run(_sarif(rich_verdict, make_ctx()), "pylint")["tool"]["driver"]["rules"]
    assert all("security-severity" not in r["properties"] and "security" not in r["properties"]["tags"] for r in pylint_rules)


def test_fingerprints_suppressions_and_baseline_state(rich_verdict, make_ctx):
    data = _sarif(rich_verdict, make_ctx())
    bandit = _run(data, "bandit")["results"]
    dups = sorted((r["partialFingerprints"][FINGERPRINT_KEY], r["baselineState"]) for r in bandit if r["ruleId"] == "B101")
    assert [d[0] for d in dups] == ["dup:0", "dup:1"]
    assert sorted(d[1] for d in dups) == ["new", "unchanged"]
    suppressed = next(r for r in bandit if r["ruleId"] == "B105")
    assert suppressed["suppressions"][0]["kind"] == "external"
    assert "suppression #1" in suppressed["suppressions"][0]["justification"]
    blocking = next(r for r in bandit if r["ruleId"] == "B602")
    assert blocking["level"] == "error" and blocking["baselineState"] == "new"
    loc = blocking["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"},
                   "region": {"startLine": 10, "startColumn": 5}}
    secret = _run(data, "detect-secrets")["results"][0]
    assert "audited as a false positive" in secret["suppressions"][0]["justification"]


def test_web_and_dependency_findings_point_at_repository_paths(make_verdict, make_ctx, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n", encoding="utf-8")
    web = finding("zap", "10021", severity=Severity.MEDIUM,
                  location=Location(url="https://staging.example.com:8443/account/login?next=/x", method="POST", param="user"))
    dep = finding("pip-audit", "PYSEC-2024-1", location=Location(package="flask", version="2.0.0"))
    dep_manifest = finding("pip-audit", "PYSEC-2024-2", location=Location(package="jinja2", version="3.0.0"),
                           properties={"manifest": "requirements/prod.txt", "manifest_line": 7})
    verdict = make_verdict([stage("secrets", [run("zap"), run("pip-audit")], [web, dep, dep_manifest])])
    data = _sarif(verdict, make_ctx())
    zap = _run(data, "zap")["results"][0]["locations"][0]
    assert zap["physicalLocation"]["artifactLocation"]["uri"] == "_web/account/login"
    assert zap["logicalLocations"][0]["fullyQualifiedName"] == "POST https://staging.example.com:8443/account/login?next=/x [user]"
    deps = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in _run(data, "pip-audit")["results"]}
    assert deps["PYSEC-2024-1"]["artifactLocation"]["uri"] == "pyproject.toml"
    assert deps["PYSEC-2024-2"]["artifactLocation"]["uri"] == "requirements/prod.txt"
    assert deps["PYSEC-2024-2"]["region"]["startLine"] == 7
    for run_ in data["runs"]:
        for result in run_["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert "://" not in uri and not uri.startswith("/")


def test_skipped_tool_gets_no_run(make_verdict, make_ctx):
    verdict = make_verdict([stage("sast", [run("bandit", Status.SKIPPED, reason="no Python files")], [], Status.SKIPPED)])
    assert _sarif(verdict, make_ctx())["runs"] == []


def _many(make_verdict, count: int, tools=("bandit",)):
    findings = []
    for tool in tools:
        for n in range(count):
            severity = Severity.CRITICAL if n % 10 == 0 else Severity.LOW
            findings.append(finding(tool, f"R{n % 7}", severity=severity, line=n + 1, message=f"problem number {n} " * 5))
    return make_verdict([stage("sast", [run(t) for t in tools], findings)])


def test_results_per_run_limit_keeps_the_most_severe(make_verdict, make_ctx):
    verdict = _many(make_verdict, 50)
    ctx = make_ctx()
    data = _sarif(verdict, ctx, SarifReporter(max_results_per_run=5))
    bandit = _run(data, "bandit")
    assert len(bandit["results"]) == 5
    assert all(r["properties"]["severity"] == "critical" for r in bandit["results"])
    assert bandit["properties"]["truncated"] is True and bandit["properties"]["results_total"] == 50
    assert "most severe of 50" in bandit["properties"]["truncation"]
    assert any("most severe of 50" in note for note in verdict.notes)


def test_truncation_is_stated_in_the_other_reports(make_verdict, make_ctx):
    verdict = _many(make_verdict, 30)
    ctx = make_ctx()
    assert REPORTERS[0].name == "sarif"  # it runs first so its notes reach the others
    write_all(verdict, ctx, [SarifReporter(max_results_per_run=3), *REPORTERS[1:]])
    needle = "most severe of 30"
    assert needle in ctx.stdout.getvalue()
    assert needle in (ctx.out_dir / "verdict.json").read_text(encoding="utf-8")
    assert "most severe of 30" in (ctx.out_dir / "summary.md").read_text(encoding="utf-8").replace("\\", "")


def test_runs_limit(make_verdict, make_ctx):
    verdict = _many(make_verdict, 2, tools=("a", "b", "c", "d"))
    data = _sarif(verdict, make_ctx(), SarifReporter(max_runs=3))
    assert len(data["runs"]) == 3
    assert any("1 tool run(s) left out" in n for n in verdict.notes)


def test_gzip_size_limit(make_verdict, make_ctx):
    verdict = _many(make_verdict, 400)
    reporter = SarifReporter(max_gzip_bytes=6_000)
    data = _sarif(verdict, make_ctx(), reporter)
    written = (make_ctx().out_dir / FULL_FILE_NAME).read_bytes()
    assert len(gzip.compress(written)) <= 6_000
    results = _run(data, "bandit")["results"]
    assert 0 < len(results) < 400
    criticals = sum(r["properties"]["severity"] == "critical" for r in results)
    assert criticals == min(len(results), 40), "the most severe results are kept first"
    assert _run(data, "bandit")["properties"]["truncated"] is True
    assert any("gzip limit" in n for n in verdict.notes)


def test_hostile_content_stays_valid(hostile_verdict, make_ctx):
    data = _sarif(hostile_verdict, make_ctx())
    result = _run(data, "bandit")["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert "\n" not in uri and "%0A" in uri and " " not in uri
    rule = _run(data, "bandit")["tool"]["driver"]["rules"][0]
    assert "helpUri" not in rule, "a javascript: help link must not be emitted"
    assert "\x1b" not in json.dumps(data) and "\\u0000" not in json.dumps(data)


@pytest.mark.parametrize("severity,expected", [(Severity.CRITICAL, "9.5"), (Severity.MEDIUM, "5.5"), (Severity.INFO, None)])
def test_security_severity_per_level(make_verdict, make_ctx, severity, expected):
    verdict = make_verdict([stage("sast", [run("bandit")], [finding(severity=severity)])])
    rule = _run(_sarif(verdict, make_ctx()), "bandit")["tool"]["driver"]["rules"][0]
    assert rule["properties"].get("security-severity") == expected


# --- the code-scanning file (issue 9 item 16) ----------------------------------------------------------
def _code_scanning(verdict, ctx) -> dict:
    return _sarif(verdict, ctx, name=FILE_NAME)


def test_code_scanning_gets_neither_suppressed_nor_baselined_findings(rich_verdict, make_ctx):
    # GitHub ignores `suppressions` for alert state: a suppressed result there would be an open alert.
    ctx = make_ctx()
    data = _code_scanning(rich_verdict, ctx)
    bandit = _run(data, "bandit")["results"]
    assert [r["ruleId"] for r in bandit] == ["B602"]  # B105 suppressed, B101 baselined or a non-blocking hint
    assert all("suppressions" not in r and r["baselineState"] == "new" for r in bandit)
    # detect-secrets ran and its only finding is audited: an empty run, so an earlier alert closes.
    assert _run(data, "detect-secrets")["results"] == []
    full = _sarif(rich_verdict, ctx)
    assert any(r.get("suppressions") for r in _run(full, "bandit")["results"]), "the full SARIF keeps them"


def test_a_tool_in_error_never_closes_its_alerts(make_verdict, make_ctx):
    crashed = run("bandit", Status.ERROR, error="bandit: exited 2, which it uses for a crash")
    verdict = make_verdict([stage("sast", [crashed], [finding("bandit", "B602")]),
                            stage("lint", [run("pylint")], [])])
    ctx = make_ctx()
    data = _code_scanning(verdict, ctx)
    assert [r["tool"]["driver"]["name"] for r in data["runs"]] == ["pylint"]  # no bandit category at all
    assert any("no code-scanning run for bandit (in error)" in n for n in verdict.notes)
    full = _sarif(verdict, ctx)
    assert _run(full, "bandit")["invocations"][0]["executionSuccessful"] is False


def test_no_code_scanning_file_when_no_tool_completed(make_verdict, make_ctx):
    ctx = make_ctx()
    stale = ctx.out_dir / FILE_NAME
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")  # a previous run's file must not be uploaded for this one
    verdict = make_verdict([stage("sast", [run("bandit", Status.ERROR, error="bandit: crashed")], [])])
    SarifReporter().write(verdict, ctx)
    assert not stale.exists() and (ctx.out_dir / FULL_FILE_NAME).is_file()
    assert any(f"{FILE_NAME} was not written" in n for n in verdict.notes)


def test_hints_stay_out_of_code_scanning_unless_configured(make_verdict, make_ctx):
    hint = finding("bandit", "B101", severity=Severity.LOW, line=3)
    verdict = make_verdict([stage("sast", [run("bandit")], [finding("bandit", "B602"), hint])])
    assert [r["ruleId"] for r in _run(_code_scanning(verdict, make_ctx()), "bandit")["results"]] == ["B602"]
    ctx = make_ctx()
    ctx.sarif_include_hints = True
    assert sorted(r["ruleId"] for r in _run(_code_scanning(verdict, ctx), "bandit")["results"]) == ["B101", "B602"]


def test_the_full_sarif_carries_the_policy_review(make_verdict, make_ctx):
    from pipeline.policy import PolicyReview, Weakening

    verdict = make_verdict([stage("sast", [run("bandit")], [])])
    verdict.policy_review = PolicyReview("main", "0" * 40, [Weakening("required", "[x] required", "True", "False",
                                                                      "sast: an error no longer fails the gate")])
    ctx = make_ctx()
    full = _sarif(verdict, ctx)
    assert full["properties"]["policy_review"]["weakenings"][0]["kind"] == "required"
    assert "properties" not in _code_scanning(verdict, ctx)

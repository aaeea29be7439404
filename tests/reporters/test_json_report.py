"""The canonical verdict JSON and the documented schemas of both JSON reports."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

import pipeline
from pipeline.model import Finding
from pipeline.report_io import VERDICT_SCHEMA, stage_report_dict
from pipeline.reporters.json_report import JsonReporter, verdict_dict

from .conftest import finding, run, stage

SCHEMAS = Path(pipeline.__file__).parent / "data"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.schema.json")}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return jsonschema.Draft202012Validator(schemas[name], registry=registry)


def test_verdict_json_matches_its_schema_and_the_policy(rich_verdict, make_ctx):
    path = JsonReporter().write(rich_verdict, make_ctx())
    data = json.loads(path.read_text(encoding="utf-8"))
    _validator("verdict.schema.json").validate(data)
    assert data["schema"] == VERDICT_SCHEMA and data["schema_version"] == 1
    assert (data["status"], data["exit_code"]) == ("error", 2)
    assert data["headline"] == rich_verdict.headline
    assert data["totals"]["baselined"] == 1 and data["totals"]["suppressed"] == 2 and data["totals"]["fixed"] == 2
    assert data["missing_stages"] == ["deps"]
    assert [s["stage"] for s in data["stages"]] == ["deps", "lint", "sast", "secrets"]
    lint = next(s for s in data["stages"] if s["stage"] == "lint")
    pyflakes = next(t for t in lint["tools"] if t["tool"] == "pyflakes")
    assert pyflakes["status"] == "error" and "RuntimeError" in pyflakes["stderr_tail"]
    assert [e["index"] for e in data["expired_suppressions"]] == [2]
    assert [e["index"] for e in data["stale_suppressions"]] == [3]
    assert [(e["fingerprint"], e["count"]) for e in data["stale_baseline"]] == [("gone", 2)]
    dispositions = sorted((f["finding"]["rule_id"], f["disposition"], f["blocking"]) for f in data["findings"])
    assert ("B101", "baselined", False) in dispositions and ("B101", "new", False) in dispositions
    assert ("B105", "suppressed", False) in dispositions and ("B602", "new", True) in dispositions
    suppressed = next(f for f in data["findings"] if f["finding"]["rule_id"] == "B105")
    assert suppressed["because"].startswith("suppression #1")


def test_findings_round_trip_and_are_ranked(rich_verdict):
    data = verdict_dict(rich_verdict)
    assert data["findings"][0]["blocking"] is True
    for entry, item in zip(data["findings"], rich_verdict.findings):
        assert Finding.from_dict(entry["finding"]) == item.finding


def test_output_does_not_depend_on_input_order(make_verdict):
    findings = [finding("bandit", f"B{n}", line=n) for n in range(100, 130)]
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    tools = [run("bandit"), run("semgrep")]
    one = verdict_dict(make_verdict([stage("sast", tools, findings), stage("lint", [run("pylint")], [])]))
    two = verdict_dict(make_verdict([stage("lint", [run("pylint")], []), stage("sast", tools[::-1], shuffled)]))
    assert json.dumps(one) == json.dumps(two)


def test_stage_report_matches_its_schema(rich_verdict):
    validator = _validator("stage-report.schema.json")
    result = stage("sast", [run("bandit"), run("semgrep", error="semgrep: timed out")],
                   [finding(cwe=(78,), identity="x")])
    prov = {"commit": "0" * 40, "run_id": "local-1", "config_hash": "a" * 64}
    validator.validate(json.loads(json.dumps(stage_report_dict(result, prov))))
    broken = stage_report_dict(result, prov)
    broken["findings"][0]["severity"] = "severe"
    assert list(validator.iter_errors(json.loads(json.dumps(broken))))


def test_policy_review_and_not_applicable_match_the_schema(make_verdict, make_ctx):
    from pipeline.model import Status
    from pipeline.policy import PolicyReview, Weakening

    verdict = make_verdict([stage("zap", [run("zap", Status.SKIPPED, reason="no target")], [])])
    verdict.policy_review = PolicyReview("main", "0" * 40, [Weakening("exclude", "[tool.secure-pipeline] exclude", "[]",
                                                                      "['*']", "exclude '*' added")])
    data = json.loads(JsonReporter().write(verdict, make_ctx()).read_text(encoding="utf-8"))
    _validator("verdict.schema.json").validate(data)
    assert data["stages"][0]["status"] == "not_applicable"
    assert data["policy_review"]["weakenings"][0]["message"] == "exclude '*' added"

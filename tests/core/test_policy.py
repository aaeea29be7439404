"""The gate policy: thresholds, suppressions with expiry, count-matching baselines, required stages, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline import baseline as baseline_mod
from pipeline import config as config_mod
from pipeline import policy, suppressions
from pipeline.config import ConfigError
from pipeline.model import Confidence, Disposition, Finding, Location, Severity, StageResult, Status, ToolRun

TODAY = dt.date(2026, 11, 23)


def bandit(rule: str, sev: Severity, conf: Confidence, path: str = "app/x.py", fp: str = "") -> Finding:
    return Finding("bandit", rule, rule, sev, Location(path=path, line=3), confidence=conf, fingerprint=fp or f"fp-{rule}-{path}")


def scanned(tool: str, status: Status = Status.PASSED, **kwargs) -> ToolRun:
    """A tool run that says what it scanned, as every adapter's does (the policy requires the evidence)."""
    return ToolRun(tool=tool, status=status, details={"files_scanned": 3}, **kwargs)


def result(stage: str, findings: list[Finding], status: Status = Status.PASSED, tools: list[ToolRun] | None = None) -> StageResult:
    tools = tools if tools is not None else [scanned(f.tool) for f in findings[:1]] or [scanned("bandit")]
    return StageResult(stage=stage, status=status, tools=tools, findings=findings)


def cfg(tmp_path: Path, raw: dict | None = None) -> config_mod.Config:
    return config_mod.from_mapping(tmp_path, raw or {}, None)


def evaluate(tmp_path, results, raw=None, sups=(), base=None, expected=None):
    return policy.evaluate(results, cfg(tmp_path, raw), list(sups), base or baseline_mod.Baseline(), today=TODAY, expected=expected)


def test_sast_threshold_is_medium_severity_and_medium_confidence(tmp_path):
    findings = [
        bandit("B602", Severity.HIGH, Confidence.HIGH),
        bandit("B608", Severity.MEDIUM, Confidence.LOW),
        bandit("B404", Severity.LOW, Confidence.HIGH),
        bandit("B307", Severity.MEDIUM, Confidence.MEDIUM),
    ]
    verdict = evaluate(tmp_path, [result("sast", findings)])
    blocking = {f.finding.rule_id for f in verdict.findings if f.blocking}
    assert blocking == {"B602", "B307"}
    assert verdict.status is Status.FAILED and verdict.exit_code == 1
    assert verdict.findings[0].finding.rule_id == "B602"  # most severe first


def test_lint_fails_on_pyflakes_and_pylint_errors_but_not_conventions(tmp_path):
    conv = Finding("pylint", "C0301", "line-too-long", Severity.LOW, Location(path="a.py", line=1), fingerprint="c")
    err = Finding("pylint", "E0602", "undefined-variable", Severity.HIGH, Location(path="a.py", line=2), fingerprint="e")
    flake = Finding("pyflakes", "F401", "UnusedImport", Severity.MEDIUM, Location(path="a.py", line=3), fingerprint="f")
    verdict = evaluate(tmp_path, [result("lint", [conv, err, flake])])
    assert {f.finding.rule_id for f in verdict.findings if f.blocking} == {"E0602", "F401"}
    only_conv = evaluate(tmp_path, [result("lint", [conv])])
    assert only_conv.status is Status.PASSED and only_conv.findings[0].disposition is Disposition.NEW


def test_thresholds_are_configurable_per_stage_and_tool(tmp_path):
    raw = {"stages": {"sast": {"fail_severity": "high", "tools": {"bandit": {"fail_confidence": "high"}}}}}
    findings = [bandit("B602", Severity.HIGH, Confidence.MEDIUM), bandit("B324", Severity.HIGH, Confidence.HIGH)]
    verdict = evaluate(tmp_path, [result("sast", findings)], raw)
    assert {f.finding.rule_id for f in verdict.findings if f.blocking} == {"B324"}


def test_tool_gate_overrides_severity(tmp_path):
    fail = Finding("zap", "10021", "x", Severity.LOW, Location(url="http://h/"), fingerprint="a", tool_gate="fail")
    warn = Finding("zap", "10038", "y", Severity.HIGH, Location(url="http://h/"), fingerprint="b", tool_gate="warn")
    verdict = evaluate(tmp_path, [result("sast", [fail, warn])])
    assert [f.finding.rule_id for f in verdict.findings if f.blocking] == ["10021"]


def _sup_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suppressions.toml"
    path.write_text(text)
    return path


def test_suppressions_expire_and_go_stale(tmp_path):
    path = _sup_file(tmp_path, '''
[[suppress]]
rule = "B602"
path = "app/**"
owner = "appsec"
reason = "input is a constant"
expires = 2027-01-31

[[suppress]]
rule = "B324"
owner = "appsec"
reason = "md5 used for a cache key"
expires = 2026-10-01

[[suppress]]
tool = "bandit"
rule = "B999"
owner = "appsec"
reason = "nothing matches this"
expires = 2027-01-31
''')
    sups = suppressions.load(path)
    findings = [bandit("B602", Severity.HIGH, Confidence.HIGH), bandit("B324", Severity.HIGH, Confidence.HIGH)]
    verdict = evaluate(tmp_path, [result("sast", findings)], sups=sups)
    by_rule = {f.finding.rule_id: f for f in verdict.findings}
    assert by_rule["B602"].disposition is Disposition.SUPPRESSED and not by_rule["B602"].blocking
    assert "input is a constant" in by_rule["B602"].because
    # The expired suppression no longer suppresses, and the verdict says which one it was.
    assert by_rule["B324"].disposition is Disposition.NEW and by_rule["B324"].blocking
    assert [(s.rule, hits) for s, hits in verdict.expired_suppressions] == [("B324", 1)]
    assert [s.rule for s in verdict.stale_suppressions] == ["B999"]


@pytest.mark.parametrize("body, problem", [
    ('rule = "B1"\nowner = "a"\nexpires = 2027-01-01\n', "reason: required"),
    ('rule = "B1"\nreason = "r"\nexpires = 2027-01-01\n', "owner: required"),
    ('rule = "B1"\nowner = "a"\nreason = "r"\n', "expires: required"),
    ('rule = "B1"\nowner = "a"\nreason = "r"\nexpires = "next week"\n', "is not a date"),
    ('owner = "a"\nreason = "r"\nexpires = 2027-01-01\n', "at least one of rule, path or fingerprint"),
    ('rule = "B1"\nowner = "a"\nreason = "r"\nexpires = 2027-01-01\ncolour = "red"\n', "unknown key 'colour'"),
])
def test_bad_suppression_entries_name_the_file_and_problem(tmp_path, body, problem):
    path = _sup_file(tmp_path, "[[suppress]]\n" + body)
    with pytest.raises(ConfigError) as err:
        suppressions.load(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_baseline_matches_counts_not_sets(tmp_path):
    one = bandit("B602", Severity.HIGH, Confidence.HIGH, fp="same")
    base = baseline_mod.build({"sast": [one]})
    two = [bandit("B602", Severity.HIGH, Confidence.HIGH, fp="same"), bandit("B602", Severity.HIGH, Confidence.HIGH, fp="same")]
    verdict = evaluate(tmp_path, [result("sast", two)], base=base)
    dispositions = sorted(f.disposition.value for f in verdict.findings)
    assert dispositions == ["baselined", "new"]  # the second identical finding is not hidden
    assert verdict.status is Status.FAILED
    totals = verdict.totals()
    assert totals["new"] == 1 and totals["baselined"] == 1 and totals["fixed"] == 0


def test_baseline_flags_fixed_entries_and_is_stable(tmp_path):
    a, b = bandit("B602", Severity.HIGH, Confidence.HIGH, fp="a"), bandit("B307", Severity.MEDIUM, Confidence.HIGH, fp="b")
    base = baseline_mod.build({"sast": [a, b]})
    verdict = evaluate(tmp_path, [result("sast", [a])], base=base)
    assert verdict.totals()["fixed"] == 1
    (stage,) = verdict.stages
    assert [e.rule_id for e in stage.fixed] == ["B307"]
    first, second = tmp_path / "b1.json", tmp_path / "b2.json"
    baseline_mod.save(baseline_mod.build({"sast": [b, a]}), first)
    baseline_mod.save(baseline_mod.build({"sast": [a, b]}), second)
    assert first.read_bytes() == second.read_bytes()


def test_stage_error_fails_unless_not_required_and_is_never_shown_as_passed(tmp_path):
    broken = result("sast", [], tools=[ToolRun(tool="bandit", status=Status.ERROR, error="bandit: crashed")])
    verdict = evaluate(tmp_path, [broken])
    assert verdict.status is Status.ERROR and verdict.exit_code == 2
    lenient = evaluate(tmp_path, [broken], raw={"stages": {"sast": {"required": False}}})
    assert lenient.exit_code == 0
    assert lenient.stages[0].status is Status.ERROR and lenient.stages[0].reason == "bandit: crashed"


def test_missing_expected_stage_is_an_error(tmp_path):
    verdict = evaluate(tmp_path, [result("sast", [])], expected=["sast", "secrets"])
    assert verdict.exit_code == 2
    missing = next(s for s in verdict.stages if s.stage == "secrets")
    assert missing.status is Status.ERROR and "no report" in missing.reason


@pytest.mark.parametrize("raw, needle", [
    ({"colour": "red"}, "[tool.secure-pipeline] colour: unknown key"),
    ({"exclude": "tests"}, "[tool.secure-pipeline] exclude: expected a list of strings"),
    ({"stages": {"sast": {"fail_severity": "hgih"}}}, "[tool.secure-pipeline.stages.sast] fail_severity: 'hgih' is not one of"),
    ({"stages": {"sast": {"required": "no"}}}, "required: expected true or false"),
    ({"stages": {"nosuch": {}}}, "nosuch: unknown stage"),
    ({"stages": {"lint": {"tools": {"bandit": {}}}}}, "bandit: unknown tool for stage 'lint'"),
    ({"run": ["lint", "fuzz"]}, "run: unknown stage(s) fuzz"),
])
def test_bad_configuration_names_file_key_and_problem(tmp_path, raw, needle):
    with pytest.raises(ConfigError) as err:
        config_mod.from_mapping(tmp_path, raw, tmp_path / "pyproject.toml")
    assert needle in str(err.value) and str(tmp_path / "pyproject.toml") in str(err.value)


def test_bad_configuration_exits_3_with_a_clear_message(tmp_path):
    from core_helpers import run_cli

    (tmp_path / "pyproject.toml").write_text('[tool.secure-pipeline]\ntop_findings = "many"\n')
    proc = run_cli(["run", "lint"], cwd=tmp_path)
    assert proc.returncode == 3
    assert "pyproject.toml: [tool.secure-pipeline] top_findings: expected an integer" in proc.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.secure-pipeline\n")
    proc = run_cli(["run", "lint"], cwd=tmp_path)
    assert proc.returncode == 3 and "invalid TOML" in proc.stderr
    proc = run_cli(["run", "nosuchstage"], cwd=tmp_path)
    assert proc.returncode == 3


def _commit_all(root: Path, message: str) -> None:
    import subprocess

    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": __import__("os").environ["PATH"]}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def test_verdict_over_parallel_reports_equals_one_run(planted_repo, tmp_path):
    # Changed deliberately (issue 9 item 7): the verdict requires every stage the configuration runs,
    # so the repository says it runs lint and sast; parallel jobs share one run id, as GitHub's
    # GITHUB_RUN_ID gives every job of a workflow run.
    from core_helpers import run_cli

    (planted_repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["lint", "sast"]\n')
    _commit_all(planted_repo, "run lint and sast")
    together = tmp_path / "together"
    assert run_cli(["run", "lint", "sast", "--out", str(together), "--no-verdict", "--quiet"], cwd=planted_repo).returncode == 1
    for stage in ("lint", "sast"):
        assert run_cli(["run", stage, "--out", str(tmp_path / stage), "--no-verdict", "--quiet"], cwd=planted_repo,
                       env={"SECURE_PIPELINE_RUN_ID": "ci-42"}).returncode == 1
    results = {}
    for name, paths in (("together", [together / "lint.json", together / "sast.json"]),
                        ("parallel", [tmp_path / "lint" / "lint.json", tmp_path / "sast" / "sast.json"])):
        proc = run_cli(["verdict", *map(str, paths), "--out", str(tmp_path / f"v-{name}"), "--quiet", "--expect", "lint,sast"],
                       cwd=planted_repo)
        assert proc.returncode == 1, proc.stderr
        data = json.loads((tmp_path / f"v-{name}" / "verdict.json").read_text())
        results[name] = (data["status"], sorted((f["finding"]["fingerprint"], f["disposition"], f["blocking"]) for f in data["findings"]))
    assert results["together"] == results["parallel"]
    # A report of one run and a report of another never make one verdict.
    mixed = run_cli(["verdict", str(together / "lint.json"), str(tmp_path / "sast" / "sast.json"), "--quiet",
                     "--out", str(tmp_path / "v-mixed")], cwd=planted_repo)
    assert mixed.returncode == 2 and "different run ids" in mixed.stderr, mixed.stderr
    assert len(mixed.stderr.strip().splitlines()) == 1


def test_a_stage_whose_tools_all_skipped_is_not_applicable_unless_asked_for(tmp_path):
    skipped = [ToolRun(tool="zizmor", status=Status.SKIPPED, reason="no GitHub Actions files"),
               ToolRun(tool="hadolint", status=Status.SKIPPED, reason="no Dockerfiles")]
    default = evaluate(tmp_path, [result("harden", [], tools=skipped)])
    assert default.stages[0].status is Status.NOT_APPLICABLE and default.exit_code == 0
    asked = policy.evaluate([result("harden", [], tools=skipped)], cfg(tmp_path), [], baseline_mod.Baseline(),
                            today=TODAY, requested={"harden"})
    assert asked.stages[0].status is Status.ERROR and asked.exit_code == 2
    assert "harden was asked for but did not run" in asked.stages[0].reason
    # Findings "from" tools that all skipped cannot be: an error, never not-applicable.
    forged = evaluate(tmp_path, [result("harden", [bandit("DL3002", Severity.HIGH, Confidence.HIGH)], tools=skipped)])
    assert forged.stages[0].status is Status.ERROR

"""Planted defects are found by the real scanners; a clean tree passes."""

from __future__ import annotations

import json

from core_helpers import run_cli


def _findings(out, stage):
    return json.loads((out / f"{stage}.json").read_text())["findings"]


def test_planted_defects_are_found_by_each_stage(planted_repo, tmp_path):
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=planted_repo)
    assert proc.returncode == 1, proc.stderr
    lint = _findings(out, "lint")
    rules = {(f["tool"], f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in lint}
    assert ("pylint", "E0602", "pkg/bad.py", 17) in rules  # undefined-variable
    unused = [f for f in lint if f["rule_name"] == "unused-import" and f["location"]["line"] == 2]
    # The unused `os` import is reported by both tools but counts once.
    assert len(unused) == 1 and unused[0]["found_by"] == ["pylint", "pyflakes"]
    sast = {(f["rule_id"], f["location"]["line"]) for f in _findings(out, "sast")}
    assert {("B602", 8), ("B324", 12), ("B608", 16)} <= sast
    b602 = next(f for f in _findings(out, "sast") if f["rule_id"] == "B602")
    assert b602["severity"] == "high" and b602["confidence"] == "high" and b602["cwe"] == [78]
    assert b602["help_uri"].startswith("https://bandit.readthedocs.io/")


def test_clean_tree_passes(clean_repo, tmp_path):
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "sast", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo)
    assert proc.returncode == 0, proc.stderr
    for stage in ("lint", "sast", "secrets"):
        report = json.loads((out / f"{stage}.json").read_text())
        assert report["status"] == "passed", report
        # Every tool ran and passed, except the optional ones not switched on (ruff), which say so.
        ran = [t for t in report["tools"] if not (t["status"] == "skipped" and "not enabled" in t["reason"])]
        assert ran and all(t["status"] == "passed" for t in ran), report["tools"]
        assert all(t["version"] and t["command"] for t in ran)


def test_secrets_are_found_and_baseline_audits_are_honoured(tmp_path, secret_values):
    from core_helpers import git_init, write_tree

    root = write_tree(tmp_path / "repo", {
        "settings.py": f'AWS_ACCESS_KEY_ID = "{secret_values["aws_key_id"]}"\nGITHUB = "{secret_values["github_token"]}"\n',
    })
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    found = _findings(out, "secrets")
    types = {f["rule_id"] for f in found}
    assert {"AWS Access Key", "GitHub Token"} <= types
    # Audit the GitHub token as a false positive and leave the AWS key unaudited in the baseline.
    baseline = {"version": "1.5.0", "plugins_used": [], "filters_used": [], "results": {"settings.py": [
        {"type": f["rule_id"], "filename": "settings.py", "hashed_secret": f["properties"]["hashed_secret"],
         "is_verified": False, "line_number": f["location"]["line"],
         **({"is_secret": False} if f["rule_id"] == "GitHub Token" else {})}
        for f in found]}}
    (root / ".secrets.baseline").write_text(json.dumps(baseline))
    proc = run_cli(["run", "secrets", "--out", str(out), "--quiet"], cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    dispositions = {f["finding"]["rule_id"]: f["disposition"] for f in verdict["findings"]}
    assert dispositions["GitHub Token"] == "suppressed"
    assert dispositions["AWS Access Key"] == "baselined"
    # A new secret added later is new and fails.
    (root / "more.py").write_text(f'password = "{secret_values["password"]}"\n')
    proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1

"""`pipeline baseline update` end to end: only new findings fail afterwards; regeneration is stable."""

from __future__ import annotations

import json

from core_helpers import run_cli


def test_baseline_update_accepts_current_findings_and_new_ones_still_fail(planted_repo, tmp_path):
    (planted_repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["sast"]\n')
    out = tmp_path / "reports"
    assert run_cli(["run", "sast", "--out", str(out), "--quiet"], cwd=planted_repo).returncode == 1
    proc = run_cli(["baseline", "update", str(out / "sast.json")], cwd=planted_repo)
    assert proc.returncode == 0, proc.stderr
    baseline_path = planted_repo / ".secure-pipeline" / "baseline.json"
    first = baseline_path.read_bytes()
    assert run_cli(["run", "sast", "--out", str(out), "--quiet"], cwd=planted_repo).returncode == 0
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    assert verdict["totals"]["new"] == 0 and verdict["totals"]["baselined"] >= 3
    # Regenerating on the unchanged tree changes nothing (run the stages this time).
    assert run_cli(["baseline", "update", "--quiet"], cwd=planted_repo).returncode == 0
    assert json.loads(baseline_path.read_bytes())["findings"] == json.loads(first)["findings"]
    # A second copy of an accepted problem is new.
    bad = planted_repo / "pkg" / "bad.py"
    bad.write_text(bad.read_text() + "\n\ndef run_again(cmd):\n    return subprocess.call(cmd, shell=True)\n")
    assert run_cli(["run", "sast", "--out", str(out), "--quiet"], cwd=planted_repo).returncode == 1
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    new = [f["finding"]["rule_id"] for f in verdict["findings"] if f["disposition"] == "new"]
    assert new == ["B602"]


def test_baseline_is_not_taken_from_a_broken_run(planted_repo, tmp_path):
    from core_helpers import fake_tool
    import os

    (planted_repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["sast"]\n')
    fake_tool(tmp_path / "bin", "bandit", "exit 2")
    proc = run_cli(["baseline", "update", "--quiet"], cwd=planted_repo,
                   env={"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 2 and "baseline not updated" in proc.stderr
    assert not (planted_repo / ".secure-pipeline" / "baseline.json").exists()


def test_baseline_is_not_taken_from_a_report_whose_tool_shows_no_coverage(planted_repo, tmp_path):
    # The report says "passed", but its bandit run gives no evidence of what it scanned: the policy
    # (not the report's recorded status) decides whether the scan can be trusted.
    (planted_repo / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["sast"]\n')
    out = tmp_path / "reports"
    assert run_cli(["run", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=planted_repo).returncode == 1
    report_path = out / "sast.json"
    report = json.loads(report_path.read_text())
    [bandit] = report["tools"]
    del bandit["details"]["files_scanned"]
    bandit["status"], report["status"] = "passed", "passed"
    report_path.write_text(json.dumps(report))
    proc = run_cli(["baseline", "update", str(report_path)], cwd=planted_repo)
    assert proc.returncode == 2, proc.stderr
    assert "baseline not updated" in proc.stderr and "no evidence of what it scanned" in proc.stderr
    assert not (planted_repo / ".secure-pipeline" / "baseline.json").exists()

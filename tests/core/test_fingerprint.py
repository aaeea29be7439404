"""Fingerprints: stable across runs, machines and checkouts, and when unrelated lines move."""

from __future__ import annotations

import json
import shutil

from core_helpers import PLANTED_CODE, git_init, run_cli, write_tree


def _fingerprints(root, out):
    proc = run_cli(["run", "lint", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    prints = {}
    for stage in ("lint", "sast"):
        for f in json.loads((out / f"{stage}.json").read_text())["findings"]:
            prints[(f["tool"], f["rule_id"], f["location"]["path"], f["message"])] = f["fingerprint"]
    return prints


def test_same_problem_same_fingerprint_in_another_checkout(tmp_path):
    first = write_tree(tmp_path / "machine-a" / "checkout", PLANTED_CODE)
    git_init(first)
    second = tmp_path / "elsewhere" / "deeper" / "clone"
    shutil.copytree(first, second)
    a = _fingerprints(first, tmp_path / "out-a")
    b = _fingerprints(second, tmp_path / "out-b")
    assert a == b and len(a) >= 5
    for value in a.values():
        assert str(tmp_path) not in value and len(value) == 32
    # And again on the same tree: runs agree.
    assert _fingerprints(first, tmp_path / "out-c") == a


def test_unrelated_lines_above_do_not_change_fingerprints(tmp_path):
    root = write_tree(tmp_path / "repo", PLANTED_CODE)
    git_init(root)
    before = _fingerprints(root, tmp_path / "before")
    path = root / "pkg" / "bad.py"
    text = path.read_text()
    path.write_text(text.replace("import hashlib\n", "import hashlib\n\nVERSION = 3\nNAME = 'x'\n\n\n", 1))
    after = _fingerprints(root, tmp_path / "after")
    moved = {k: v for k, v in before.items() if k[1] in ("B602", "B324", "B608", "E0602")}
    assert moved and all(after[k] == v for k, v in moved.items())
    # The lines really moved (this is not a no-op edit).
    lines = {f["rule_id"]: f["location"]["line"] for f in json.loads((tmp_path / "after" / "sast.json").read_text())["findings"]}
    assert lines["B602"] == 8 + 5


def test_fingerprint_ignores_scheme_and_host_for_web_findings_and_uses_package_for_deps(tmp_path):
    from pipeline.fingerprint import compute
    from pipeline.model import Finding, Location, Severity

    local = Finding("zap", "10021", "X-Content-Type-Options Header Missing", Severity.LOW,
                    Location(url="http://127.0.0.1:5123/suggest?x=1", method="GET"))
    staging = Finding("zap", "10021", "X-Content-Type-Options Header Missing", Severity.LOW,
                      Location(url="https://staging.example/suggest?x=1", method="GET"))
    assert compute(local, tmp_path) == compute(staging, tmp_path)
    dep_a = Finding("pip-audit", "PYSEC-2023-62", "flask", Severity.HIGH, Location(package="Flask", version="2.2.4"),
                    identity="PYSEC-2023-62")
    dep_b = Finding("pip-audit", "PYSEC-2023-62", "flask", Severity.HIGH, Location(package="Flask", version="2.2.4"),
                    identity="PYSEC-2023-62")
    dep_c = Finding("pip-audit", "PYSEC-2023-62", "flask", Severity.HIGH, Location(package="Flask", version="2.2.5"),
                    identity="PYSEC-2023-62")
    assert compute(dep_a, tmp_path) == compute(dep_b, tmp_path)
    assert compute(dep_a, tmp_path) != compute(dep_c, tmp_path)

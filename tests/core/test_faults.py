"""Every stage fails closed: a crash, a hang, garbage output or a missing tool is an error, never a pass.

Fake executables first on PATH stand in for the tools only for crash, hang and garbage faults; the
silent-pass traps of the real tools (syntax errors, ignored files) use the real tools.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from core_helpers import fake_tool, git_init, run_cli, write_tree
from process_helpers import running_with_arg, sleep_marker

STAGE_OF = {"pylint": "lint", "pyflakes": "lint", "bandit": "sast", "detect-secrets": "secrets"}
FAULTS = {
    "crash": 'echo "Traceback (most recent call last):" >&2\necho "RuntimeError: boom in plugin" >&2\nexit 1',
    "crash-exit-0": 'echo "Traceback (most recent call last):" >&2\necho "KeyError: boom" >&2\nexit 0',
    "garbage": 'echo "<html>Service Unavailable</html>"\nexit 0',
    "killed": 'kill -9 $$',
}


def _stage_report(out: Path, stage: str) -> dict:
    return json.loads((out / f"{stage}.json").read_text())


def _tool(report: dict, tool: str) -> dict:
    return next(t for t in report["tools"] if t["tool"] == tool)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("tool", sorted(STAGE_OF))
def test_tool_fault_is_a_stage_error(clean_repo, tmp_path, tool, fault):
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, tool, FAULTS[fault])
    out = tmp_path / "reports"
    stage = STAGE_OF[tool]
    proc = run_cli(["run", stage, "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo,
                   env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    report = _stage_report(out, stage)
    assert report["status"] == "error"
    run = _tool(report, tool)
    assert run["status"] == "error"
    assert run["error"].startswith(f"{tool}: ")
    if fault.startswith("crash") and fault != "crash-exit-0":
        assert "RuntimeError: boom in plugin" in run["stderr_tail"]
    assert report["findings"] == [] or all(f["tool"] != tool for f in report["findings"])


@pytest.mark.parametrize("tool", sorted(STAGE_OF))
def test_hang_is_killed_with_its_whole_process_group(clean_repo, tmp_path, tool):
    bin_dir = tmp_path / "bin"
    marker = sleep_marker()  # its pid may be a namespace's: find the child by its command line
    fake_tool(bin_dir, tool, f"sleep {marker} &\nsleep 300")
    out = tmp_path / "reports"
    stage = STAGE_OF[tool]
    started = time.monotonic()
    proc = run_cli(["run", stage, "--out", str(out), "--no-verdict", "--quiet", "--set", f"{stage}.timeout=2"],
                   cwd=clean_repo, env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert time.monotonic() - started < 60
    assert proc.returncode == 2
    run = _tool(_stage_report(out, stage), tool)
    assert "timed out after 2s" in run["error"]
    time.sleep(0.2)
    assert not running_with_arg(marker), "the tool's child process survived the timeout"


@pytest.mark.parametrize("tool", sorted(STAGE_OF))
def test_missing_tool_is_an_error(clean_repo, tmp_path, tool):
    from pipeline import config as config_mod
    from pipeline.engine import run_stages
    from pipeline.progress import Progress
    from pipeline.registry import SCANNERS

    scanner = next(s for s in SCANNERS if s.name == tool)
    original = scanner.executable
    scanner.executable = f"{original}-not-installed-here"
    try:
        cfg = config_mod.load(clean_repo)
        (result,) = run_stages(cfg, [STAGE_OF[tool]], tmp_path / "out", Progress(open(os.devnull, "w")))
    finally:
        scanner.executable = original
    run = next(t for t in result.tools if t.tool == tool)
    assert run.status.value == "error"
    assert "is not installed" in run.error and run.error.startswith(f"{tool}: ")
    # The engine reports tool runs; the stage's status is the policy's decision alone.
    from pipeline.policy import tool_run_status

    assert result.status is None
    status, reason = tool_run_status(result)
    assert status.value == "error" and run.error in reason


# --- the real tools' silent-pass traps -------------------------------------------------------------

def test_syntax_error_file_is_an_error_for_every_python_tool(tmp_path):
    root = write_tree(tmp_path / "repo", {"ok.py": "X = 1\n", "broken.py": "def f(:\n    pass\n"})
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 2
    for stage, tool in (("lint", "pylint"), ("lint", "pyflakes"), ("sast", "bandit")):
        run = _tool(_stage_report(out, stage), tool)
        assert run["status"] == "error", run
        assert "broken.py" in run["error"], run["error"]


def test_pylint_ignore_settings_cannot_hide_files(tmp_path):
    # pylint skips an ignored file silently and still counts it as linted; the harness overrides it.
    root = write_tree(tmp_path / "repo", {"a.py": "X = 1\n", "b.py": "import os\n",
                                          ".pylintrc": "[MAIN]\nignore=b.py\nignore-patterns=b.*\n"})
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1
    findings = _stage_report(out, "lint")["findings"]
    assert any(f["tool"] == "pylint" and f["location"]["path"] == "b.py" and f["rule_name"] == "unused-import"
               for f in findings)


def test_untracked_files_are_scanned_and_non_git_trees_too(tmp_path, secret_values):
    # detect-secrets skips untracked files and everything outside git by default; we must not.
    for use_git in (True, False):
        root = write_tree(tmp_path / f"repo{use_git}", {"a.py": "X = 1\n"})
        if use_git:
            git_init(root)
        (root / "new.py").write_text(f'TOKEN = "{secret_values["github_token"]}"\n')
        out = tmp_path / f"reports{use_git}"
        proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
        assert proc.returncode == 1, proc.stderr
        assert any(f["location"]["path"] == "new.py" for f in _stage_report(out, "secrets")["findings"])


def test_a_stage_asked_for_with_nothing_to_scan_is_an_error_not_passed(tmp_path):
    # Changed deliberately (issue 9 item 1): a stage named on the command line that has nothing to scan
    # is an error naming the reason and the fix; only a default stage is "not applicable"
    # (tests/core/test_not_applicable.py).
    root = write_tree(tmp_path / "repo", {"README.md": "hello\n"})
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 2
    report = _stage_report(out, "lint")
    assert report["status"] == "error" and report["requested"] is True
    assert "no Python files" in report["reason"] and "check that paths/exclude" in report["reason"]


def test_files_sharing_a_module_name_are_all_linted(tmp_path):
    # pylint counts modules by name; three conftest.py outside packages are three files, one name.
    root = write_tree(tmp_path / "repo", {f"{d}/conftest.py": "import os\n" for d in ("a", "b", "c")})
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    report = _stage_report(out, "lint")
    assert _tool(report, "pylint")["status"] == "passed"
    flagged = {f["location"]["path"] for f in report["findings"] if f["rule_name"] == "unused-import"}
    assert flagged == {"a/conftest.py", "b/conftest.py", "c/conftest.py"}

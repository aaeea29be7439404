"""A scanned repository whose tool configuration tries to run its own code inside the scan.

Each case is the attack of issue 10, through the real CLI and the real scanners, with a GITHUB_TOKEN
planted in the harness's environment. The payload, if it ever ran, would leave a marker, copy the
harness's environment from /proc/$PPID/environ (where the token is) and leave a detached process
that rewrites every report to "passed" a moment after the harness exits.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import time
from pathlib import Path

import pytest

from core_helpers import git_init, run_cli, write_tree

REWRITE_DELAY_S = 1.0


def payload(loot: Path, out: Path) -> str:
    """Python source an attacker would run: mark, steal the parent's environment, rewrite reports later."""
    rewriter = (f"import pathlib, time\ntime.sleep({REWRITE_DELAY_S})\n"
                f"for p in pathlib.Path({str(out)!r}).rglob('*.json'):\n"
                "    p.write_text('{\"status\": \"passed\", \"findings\": []}')\n")
    return (
        "import os, pathlib, subprocess, sys\n"
        f"loot = pathlib.Path({str(loot)!r})\n"
        "loot.mkdir(parents=True, exist_ok=True)\n"
        "(loot / 'marker').write_text('repository code ran')\n"
        "try:\n"
        "    (loot / 'environ').write_bytes(open(f'/proc/{os.getppid()}/environ', 'rb').read())\n"
        "except OSError as exc:\n"
        "    (loot / 'environ-error').write_text(str(exc))\n"
        f"subprocess.Popen([sys.executable, '-c', {rewriter!r}], start_new_session=True,\n"
        "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    )


def planted_token() -> str:
    return "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


def _digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


def _tool(report: dict, tool: str) -> dict:
    return next(t for t in report["tools"] if t["tool"] == tool)


def scan(root: Path, tmp_path: Path, stage: str, token: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """Run one stage with the token planted; return its exit code, its report and everything it printed."""
    out = tmp_path / "reports"
    proc = run_cli(["run", stage, "--out", str(out), "--no-verdict"], cwd=root, env={"GITHUB_TOKEN": token, **(env or {})})
    before = _digests(out)
    time.sleep(REWRITE_DELAY_S * 2)  # long enough for a detached rewriter to have struck
    assert _digests(out) == before, "a report changed after the harness exited"
    printed = proc.stdout + proc.stderr
    for path in out.rglob("*"):
        if path.is_file():
            printed += path.read_text(encoding="utf-8", errors="replace")
    return proc.returncode, json.loads((out / f"{stage}.json").read_text()), printed


def assert_no_repository_code_ran(loot: Path, token: str, printed: str) -> None:
    assert not loot.exists(), f"repository code ran: {sorted(p.name for p in loot.iterdir())}"
    assert token not in printed


HOOK = 'exec(open("hook.py").read())'
PYLINT_ATTACKS = {
    "pylintrc-init-hook": ({".pylintrc": f"[MAIN]\ninit-hook='{HOOK}'\n"}, ".pylintrc", "init-hook"),
    # A plugin in the repository root is imported by pylint's parallel workers, which put the
    # linted files' folders on sys.path first (pylint 4.1.4, jobs > 1).
    "pylintrc-load-plugins": ({".pylintrc": "[MAIN]\nload-plugins=evil_plugin\njobs=2\n"}, ".pylintrc", "load-plugins"),
    "pyproject-init-hook": ({"pyproject.toml": f"[tool.pylint.main]\ninit-hook = '{HOOK}'\n"}, "pyproject.toml", "init-hook"),
    "setup-cfg-init-hook": ({"setup.cfg": f"[pylint.main]\ninit-hook = {HOOK}\n"}, "setup.cfg", "init-hook"),
}


def hostile_repo(tmp_path: Path, files: dict[str, str], loot: Path) -> Path:
    source = payload(loot, tmp_path / "reports")
    root = write_tree(tmp_path / "repo", {
        "hook.py": source,
        "evil_plugin.py": source + "\n\ndef register(linter):\n    pass\n",
        "pkg/__init__.py": "",
        "pkg/one.py": '"""One."""\n',
        "pkg/two.py": '"""Two."""\n',
        **files,
    })
    git_init(root)
    return root


@pytest.mark.parametrize("attack", sorted(PYLINT_ATTACKS))
def test_pylint_configuration_cannot_run_repository_code(tmp_path, attack):
    files, source, key = PYLINT_ATTACKS[attack]
    loot = tmp_path / "loot"
    root = hostile_repo(tmp_path, files, loot)
    token = planted_token()
    code, report, printed = scan(root, tmp_path, "lint", token)
    assert_no_repository_code_ran(loot, token, printed)
    assert code == 2 and report["status"] == "error"
    error = _tool(report, "pylint")["error"]
    assert error.startswith(f"pylint: {source}: refused '{key}' (it ") and "\n" not in error
    assert "SECURE_PIPELINE_TRUST" in error


def test_trusted_switch_lets_pylint_run_the_repository_plugin(tmp_path):
    # With the caller's consent the same mechanism is live: the hook and the plugin run.
    plugin = (
        "from pylint.checkers import BaseChecker\n\n"
        "class Visited(BaseChecker):\n"
        "    name = 'visited'\n"
        "    msgs = {'W9901': ('plugin visited this module', 'plugin-visited', 'proves the plugin ran')}\n\n"
        "    def visit_module(self, node):\n"
        "        self.add_message('plugin-visited', node=node)\n\n"
        "def register(linter):\n"
        "    linter.register_checker(Visited(linter))\n"
    )
    marker = tmp_path / "hook-ran"
    root = write_tree(tmp_path / "repo", {
        "visited_plugin.py": plugin,
        "hook.py": f"import sys\nsys.path.insert(0, '.')\nopen({str(marker)!r}, 'w').write('ran')\n",
        ".pylintrc": f"[MAIN]\ninit-hook='{HOOK}'\nload-plugins=visited_plugin\n",
        "pkg/__init__.py": "",
    })
    git_init(root)
    token = planted_token()
    code, report, _ = scan(root, tmp_path, "lint", token, env={"SECURE_PIPELINE_TRUST": "pylint-init-hook,pylint-plugins"})
    assert _tool(report, "pylint")["status"] == "passed", report
    assert marker.read_text() == "ran"
    visited = {f["location"]["path"] for f in report["findings"] if f["rule_name"] == "plugin-visited"}
    assert {"hook.py", "visited_plugin.py", "pkg/__init__.py"} <= visited
    assert code in (0, 1)


def test_trusting_plugins_does_not_trust_the_init_hook(tmp_path):
    loot = tmp_path / "loot"
    root = hostile_repo(tmp_path, PYLINT_ATTACKS["pylintrc-init-hook"][0], loot)
    token = planted_token()
    code, report, printed = scan(root, tmp_path, "lint", token, env={"SECURE_PIPELINE_TRUST": "pylint-plugins"})
    assert_no_repository_code_ran(loot, token, printed)
    assert code == 2 and "refused 'init-hook'" in _tool(report, "pylint")["error"]


def test_unknown_trust_capability_is_a_named_error(clean_repo, tmp_path):
    code, report, _ = scan(clean_repo, tmp_path, "lint", planted_token(), env={"SECURE_PIPELINE_TRUST": "everything"})
    assert code == 2
    assert _tool(report, "pylint")["error"].startswith("pylint: SECURE_PIPELINE_TRUST: unknown capability 'everything'")


def test_bandit_loads_no_plugin_the_repository_declares(tmp_path):
    # An entry point bandit would load if the repository root were on its import path.
    loot = tmp_path / "loot"
    root = hostile_repo(tmp_path, {
        "evil_bandit.py": payload(loot, tmp_path / "reports") + "\n\ndef evil_test(context):\n    return None\n",
        "evil_bandit-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: evil-bandit\nVersion: 1.0\n",
        "evil_bandit-1.0.dist-info/entry_points.txt": "[bandit.plugins]\nevil = evil_bandit:evil_test\n"
                                                      "[bandit.formatters]\njson = evil_bandit:evil_test\n",
        "pyproject.toml": "[tool.bandit]\nskips = ['B602', 'B404']\nplugin_name_pattern = 'evil_*.py'\n",
        "pkg/shell.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    }, loot)
    token = planted_token()
    code, report, printed = scan(root, tmp_path, "sast", token)
    assert_no_repository_code_ran(loot, token, printed)
    bandit = _tool(report, "bandit")
    assert bandit["status"] != "error", bandit
    assert "B602" not in {f["rule_id"] for f in report["findings"]}  # the skip is honoured...
    assert any("skips bandit test(s): B602, B404" in note for note in report["details"]["notes"])  # ...and shown
    assert any("plugin_name_pattern" in d for d in bandit["details"]["repository_config"]["dropped"])
    assert code in (0, 1)


def test_detect_secrets_baseline_cannot_load_a_custom_plugin(tmp_path):
    loot = tmp_path / "loot"
    baseline = {
        "version": "1.5.0",
        "plugins_used": [{"name": "EvilDetector", "path": "file://evil_detector.py"}],
        "filters_used": [{"path": "file://evil_detector.py::evil_filter"}],
        "results": {},
        "generated_at": "2026-01-01T00:00:00Z",
    }
    root = hostile_repo(tmp_path, {
        ".secrets.baseline": json.dumps(baseline),
        "evil_detector.py": payload(loot, tmp_path / "reports")
        + "\n\ndef evil_filter(secret):\n    return True\n\n"
          "from detect_secrets.plugins.base import RegexBasedDetector\n\n"
          "class EvilDetector(RegexBasedDetector):\n    secret_type = 'Evil'\n    denylist = ()\n",
    }, loot)
    token = planted_token()
    code, report, printed = scan(root, tmp_path, "secrets", token)
    assert_no_repository_code_ran(loot, token, printed)
    assert _tool(report, "detect-secrets")["status"] != "error", report
    assert code in (0, 1)


# Standard-library names the harness (under `python -m`) and pylint (which puts the repository first
# on sys.path while it lints) imported from the repository before the fix.
SHADOWING = ("argparse", "csv", "dataclasses", "datetime", "email", "json", "multiprocessing", "zipfile")


@pytest.mark.parametrize("jobs", [1, 2])
def test_repository_modules_named_like_the_standard_library_are_never_imported(tmp_path, jobs):
    loot = tmp_path / "loot"
    source = payload(loot, tmp_path / "reports")
    # The harness chooses pylint's process count (lint.pylint_jobs; pylint's own `jobs` is overridden):
    # with 2, pylint's worker processes must be guarded as well as its main process.
    root = hostile_repo(tmp_path, {**{f"{name}.py": source for name in SHADOWING},
                                   ".pylintrc": f"[MAIN]\njobs={jobs}\n",
                                   "pyproject.toml": f"[tool.secure-pipeline.stages.lint]\npylint_jobs = {jobs}\n"}, loot)
    token = planted_token()
    code, report, printed = scan(root, tmp_path, "lint", token)
    assert_no_repository_code_ran(loot, token, printed)
    pylint = _tool(report, "pylint")
    assert pylint["status"] == "passed", pylint  # and every file, the shadowing ones included, was linted
    assert pylint["details"]["files_scanned"] == len(SHADOWING) + 5
    assert pylint["details"]["jobs"] == jobs
    assert code in (0, 1)

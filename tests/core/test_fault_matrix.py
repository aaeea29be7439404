"""Every registered command scanner × every way a tool can fail: always an error, never a pass, never a hang.

The scanners come from the registry, so a new adapter gets these tests without a line here. Faults
of two kinds:

* stand-ins (a fake executable first on PATH): crash, crash with exit 0, garbage, empty output,
  zero results without any coverage claim (`[]`, `{}`), killed by a signal, a detached child
  holding the output open, a hang, a huge output;
* wrappers around the real tool (the fake execs the real executable): truncated output, one input
  dropped from the arguments, and "forged clean" (every input emptied first, so the real tool prints
  a well-formed report claiming full coverage with zero results).

safety cannot run here without its platform or a database (see tests/deps/test_safety.py), so the
wrappers do not apply to it; its stand-in faults run like every other tool's.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from core_helpers import PLANTED_CODE, git_init, run_cli, write_tree
from pipeline.registry import SCANNERS
from pipeline.scanner import CommandScanner

SNAPSHOT = Path(__file__).resolve().parents[1] / "deps" / "fixtures"
COMMAND_SCANNERS = sorted((s for s in SCANNERS if isinstance(s, CommandScanner)), key=lambda s: s.name)
NEEDS_ITS_PLATFORM = {"safety"}  # cannot run for real here (see the module docstring)

STAND_INS = {
    "crash": 'echo "Traceback (most recent call last):" >&2\necho "RuntimeError: boom in plugin" >&2\nexit 1',
    "crash-exit-0": 'echo "Traceback (most recent call last):" >&2\necho "KeyError: boom" >&2\nexit 0',
    "garbage": 'echo "<html>Service Unavailable</html>"\nexit 0',
    "empty": "exit 0",
    # Zero results and no coverage claim, in the two shapes JSON tools print for "nothing found".
    "zero-results-list": "echo '[]'\nexit 0",
    "zero-results-object": "echo '{}'\nexit 0",
    "signal": "kill -SEGV $$",
    # The child keeps stdout open long after the tool itself has exited.
    "detached-child": "setsid sleep 300 &\nexit 0",
    "hang": "sleep 300",
    "huge-output": "head -c 100000000 /dev/zero | tr '\\0' 'x'\nexit 0",
}
WRAPPERS = ("truncated", "dropped-input", "forged-clean")

# What each stand-in must be reported as (a substring of the tool's error).
EXPECTED = {
    "crash": "RuntimeError: boom in plugin",
    "crash-exit-0": "KeyError: boom",
    "signal": "signal 11",
    "hang": "timed out",
}

WRAPPER = '''\
#!{python}
"""A fault around the real {name}: {mode}."""
import os, subprocess, sys

REAL, MODE = {real!r}, {mode!r}
args = sys.argv[1:]
if args[:1] != ["--version"]:
    files = [i for i, a in enumerate(args) if os.path.isfile(a)]
    # A configuration file (`-c FILE`) is not an input; the harness's own control files are not either.
    inputs = [i for i in files if "secure_pipeline_canary" not in args[i] and (i == 0 or args[i - 1] != "-c")]
    if MODE == "dropped-input" and inputs:
        drop = inputs[0]
        # An option's value (`-r pins.txt`) goes with its option.
        del args[drop - 1 if drop and args[drop - 1] in ("-r", "-c", "--requirement") else drop:drop + 1]
    if MODE == "forged-clean":
        for i in files:
            open(args[i], "w").close()
    if MODE == "truncated":
        done = subprocess.run([REAL, *args], capture_output=True)
        sys.stdout.buffer.write(done.stdout[: len(done.stdout) // 2])
        sys.stderr.buffer.write(done.stderr)
        sys.exit(done.returncode)
os.execv(REAL, [REAL, *args])
'''


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _stand_in(bin_dir: Path, name: str, body: str) -> None:
    _executable(bin_dir / name, "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'fake 0.0'; exit 0; fi\n" + body + "\n")


def _wrapper(bin_dir: Path, scanner: CommandScanner, mode: str) -> None:
    real = scanner.resolve()
    assert real, f"{scanner.executable} must be installed for its fault tests"
    _executable(bin_dir / scanner.executable, WRAPPER.format(python=sys.executable, name=scanner.name, real=real, mode=mode))


@pytest.fixture
def every_stage_repo(tmp_path: Path) -> Path:
    """A tree every command scanner applies to: Python, a Dockerfile, a workflow, pinned requirements."""
    files = dict(PLANTED_CODE)
    files.update({
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install flask\nUSER root\n",
        ".github/workflows/ci.yml": textwrap.dedent("""\
            on: push
            permissions: {}
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - run: echo hello
            """),
        "requirements.txt": "flask==2.2.4\n",
        "notes.md": "Nothing secret here.\n",
    })
    root = write_tree(tmp_path / "repo", files)
    git_init(root)
    return root


def _run(root: Path, tmp_path: Path, scanner: CommandScanner, bin_dir: Path, timeout: float = 60) -> tuple[int, dict, str]:
    out = tmp_path / "reports"
    args = ["run", scanner.stage, "--out", str(out), "--no-verdict", "--quiet", "--set", f"{scanner.stage}.timeout={timeout:g}"]
    if scanner.enable_option:  # an optional tool: switched on, or its faults would never be exercised
        args += ["--set", f"{scanner.stage}.{scanner.enable_option}=true"]
    if scanner.stage == "deps":
        args += ["--offline", "--advisory-db", str(SNAPSHOT), "--set", "deps.unknown_packages=warn"]
    if scanner.name == "safety":
        args += ["--set", f"deps.safety_db={tmp_path}"]  # makes safety run offline (its stand-in does)
    proc = run_cli(args, cwd=root, env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, timeout=120)
    report = json.loads((out / f"{scanner.stage}.json").read_text())
    run = next(t for t in report["tools"] if t["tool"] == scanner.name)
    return proc.returncode, run, proc.stderr


@pytest.mark.parametrize("fault", sorted(STAND_INS))
@pytest.mark.parametrize("scanner", COMMAND_SCANNERS, ids=lambda s: s.name)
def test_stand_in_fault_is_an_error(every_stage_repo, tmp_path, scanner, fault):
    bin_dir = tmp_path / "bin"
    _stand_in(bin_dir, scanner.executable, STAND_INS[fault])
    # A short budget: the stand-ins' hang is the only wait, and the other tools of the stage are real.
    code, run, stderr = _run(every_stage_repo, tmp_path, scanner, bin_dir, timeout=8)
    assert code == 2, (run, stderr)
    assert run["status"] == "error" and run["error"].startswith(f"{scanner.name}: "), run
    if fault in EXPECTED:
        assert EXPECTED[fault] in run["error"], run["error"]


@pytest.mark.parametrize("fault", WRAPPERS)
@pytest.mark.parametrize("scanner", [s for s in COMMAND_SCANNERS if s.name not in NEEDS_ITS_PLATFORM], ids=lambda s: s.name)
def test_real_tool_fault_is_an_error(every_stage_repo, tmp_path, scanner, fault):
    bin_dir = tmp_path / "bin"
    _wrapper(bin_dir, scanner, fault)
    code, run, stderr = _run(every_stage_repo, tmp_path, scanner, bin_dir)
    assert code == 2, (run, stderr)
    assert run["status"] == "error" and run["error"].startswith(f"{scanner.name}: "), run


@pytest.mark.parametrize("scanner", [s for s in COMMAND_SCANNERS if s.name not in NEEDS_ITS_PLATFORM], ids=lambda s: s.name)
def test_the_unwrapped_real_tool_passes_through_the_wrapper(every_stage_repo, tmp_path, scanner):
    # The control for the wrapper tests: the same wrapper with no fault runs the real tool cleanly,
    # so the errors above come from the faults, not from the wrapping.
    bin_dir = tmp_path / "bin"
    _wrapper(bin_dir, scanner, "none")
    code, run, stderr = _run(every_stage_repo, tmp_path, scanner, bin_dir)
    assert run["status"] != "error", (run, stderr)
    assert code in (0, 1), stderr


def test_every_registered_command_scanner_is_covered():
    # Guards the parametrisation itself: the matrix must not silently shrink.
    names = {s.name for s in COMMAND_SCANNERS}
    assert {"pylint", "pyflakes", "bandit", "detect-secrets", "pip-audit", "safety", "zizmor", "hadolint"} <= names
    assert all(shutil.which(s.executable) or s.resolve() for s in COMMAND_SCANNERS if s.name not in NEEDS_ITS_PLATFORM)

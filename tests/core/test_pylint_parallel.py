"""pylint with several processes reports exactly what one process reports, message for message.

pylint 4.1.4's parallel merge collates the whole-program checkers' data by worker, not in file
order: on PARALLEL_TREE a stock ``pylint -j 2`` reports another group of files as duplicate code
than ``pylint -j 1`` (measured before the fix). The harness's pylint plugin puts that data in one
canonical order in every process (pipeline/evidence/pylint_plugin.py); these tests compare the
adapter's parallel run with its single-process run over a tree built to show every kind of
cross-module message.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest
from core_helpers import git_init, run_cli, write_tree
from pylint_parallel_fixture import PARALLEL_TREE

from pipeline.adapters.pylint import WHOLE_PROGRAM, Pylint
from pipeline.config import stage_config
from pipeline.files import FileSet
from pipeline.model import Status
from pipeline.scanner import ScanContext
from tests.support import executable

# The repository's own configuration; in the second case a whole-program message is switched off,
# which the single-process pass must respect.
CONFIGS = {
    "default": '[tool.pylint."messages control"]\ndisable = ["missing-function-docstring"]\n',
    "cyclic-import-off": '[tool.pylint."messages control"]\ndisable = ["missing-function-docstring", "cyclic-import"]\n',
}


def _scan(root: Path, tmp_path: Path, jobs: int) -> tuple[Counter[tuple], dict]:
    work = tmp_path / f"work-{jobs}"
    work.mkdir()
    ctx = ScanContext(root=root, stage="lint", stage_config=stage_config("lint", {"pylint_jobs": jobs}), files=FileSet(root), work_dir=work,
                      timeout=240, artifacts_dir=tmp_path / "reports" / "lint")
    output = Pylint().scan(ctx)
    assert output.run.status is Status.PASSED, output.run
    messages = Counter((f.location.path, f.location.line, f.location.column, f.rule_name, f.message)
                       for f in output.findings)
    return messages, output.run.details


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_parallel_pylint_reports_exactly_what_one_process_reports(tmp_path, config):
    root = write_tree(tmp_path / "repo", {**PARALLEL_TREE, "pyproject.toml": CONFIGS[config]})
    git_init(root)
    single, single_details = _scan(root, tmp_path, 1)
    spread, spread_details = _scan(root, tmp_path, 2)
    assert (single_details["jobs"], spread_details["jobs"]) == (1, 2)
    assert spread == single, (sorted(single - spread), sorted(spread - single))
    # The tree shows what it is meant to: whole-program and cross-module messages, each exactly once.
    symbols = Counter(symbol for _path, _line, _col, symbol, _msg in single.elements())
    assert symbols["duplicate-code"] >= 1 and symbols["no-member"] == 1 and symbols["unexpected-keyword-arg"] == 1
    assert symbols["cyclic-import"] == (0 if config == "cyclic-import-off" else 2)
    assert spread_details["files_scanned"] == single_details["files_scanned"] == len(
        [p for p in PARALLEL_TREE if p.endswith(".py")])


def test_only_the_known_checkers_merge_data_across_processes():
    # WHOLE_PROGRAM lists the messages of the checkers that pylint merges after a parallel run
    # (get_map_data/reduce_map_data). A pylint upgrade that adds one must update it.
    from pylint.checkers import BaseChecker
    from pylint.lint import PyLinter

    linter = PyLinter()
    linter.load_default_plugins()
    merging = {c for c in linter.get_checkers() if type(c).get_map_data is not BaseChecker.get_map_data}
    assert {c.name for c in merging} == {"similarities", "imports"}
    # Of the imports checker's messages only cyclic-import is emitted from the merged data (close()).
    assert {"duplicate-code", "cyclic-import"} == set(WHOLE_PROGRAM)
    assert "cyclic-import" in {m.symbol for c in merging for m in c.messages}


KILL_A_WORKER = '''\
#!{python}
"""Runs the real pylint and SIGKILLs its first worker process (as the OOM killer would)."""
import os, signal, subprocess, sys, time

REAL = {real!r}
args = sys.argv[1:]
proc = subprocess.Popen([REAL, *args])
if any(a.startswith("--jobs=") and a != "--jobs=1" for a in args):
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        with open(f"/proc/{{proc.pid}}/task/{{proc.pid}}/children") as handle:
            children = handle.read().split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            break
        time.sleep(0.005)
sys.exit(proc.wait())
'''


def test_a_killed_pylint_worker_is_an_error(tmp_path):
    root = write_tree(tmp_path / "repo", PARALLEL_TREE)
    git_init(root)
    real = Pylint().resolve()
    assert real
    bin_dir = tmp_path / "bin"
    executable(bin_dir / "pylint", KILL_A_WORKER.format(python=sys.executable, real=real))
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet", "--set", "lint.pylint_jobs=2"],
                   cwd=root, env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, timeout=180)
    report = json.loads((out / "lint.json").read_text())
    run = next(t for t in report["tools"] if t["tool"] == "pylint")
    assert proc.returncode == 2, (run, proc.stderr)
    assert run["status"] == "error" and "BrokenProcessPool" in run["error"], run


@pytest.mark.parametrize("weights, workers", [([1] * 655, 2), ([1] * 3, 2), ([5000, 1, 1, 1, 1, 1, 1, 1, 1, 80], 2),
                                              (list(range(1, 400)), 4), ([], 2)])
def test_guided_runs_cover_every_file_once_in_order_largest_first(weights, workers):
    from pipeline.evidence.pylint_plugin import MIN_CHUNK, guided_chunks

    chunks = guided_chunks(weights, workers)
    assert [i for chunk in chunks for i in chunk] == list(range(len(weights)))  # contiguous, in order, once
    assert all(len(chunk) >= MIN_CHUNK for chunk in chunks[:-1])
    sizes = [sum(weights[i] for i in chunk) for chunk in chunks]
    if len(weights) > 100:
        # Each run at most 1/(2 x workers) of what was left (give or take one file): the tail is short.
        assert sizes[0] <= sum(weights) / (2 * workers) + max(weights)
        assert sizes[-1] <= sum(weights) / 20

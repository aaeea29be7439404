"""Benchmark: the static stages (lint, sast, secrets) of the harness against the machine's floor.

    python benchmarks/bench_static.py [--root DIR | --source GIT_URL_OR_PATH --commit REV]
                                      [--sizes 1,2,4] [--json FILE]

On a real project (default: pypa/pip, cloned from --source), for each size (1x, 2x, 4x: the largest
Python package copied under new names), side by side:

* **full**: ``pipeline run lint sast secrets`` (the real CLI), its wall time, CPU seconds (every
  descendant, from wait4) and peak memory (ru_maxrss of its largest process);
* **alone**: each tool by itself, one process (``lint.pylint_jobs=1``), through its adapter;
* **floor**: the tools' CPU seconds alone divided by the cores this process may use;
* **warm**: the unchanged tree again, with the result cache (``--cache DIR``), when the CLI has one;
* **pr-3**: a pull request that changes three files (``--base REF`` in PR mode), when the CLI has it.

Targets (issue 16): full within 1.15x of the floor and below the slowest tool alone; warm at most
10 % of full; pr-3 at most 15 % of full. Run it on a quiet machine: figures taken while other work
runs are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import config as config_mod  # noqa: E402
from pipeline.adapters.pylint import available_cores  # noqa: E402
from pipeline.engine import apply_overrides  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.registry import scanners_for  # noqa: E402
from pipeline.scanner import ScanContext  # noqa: E402

STAGES = ["lint", "sast", "secrets"]
DEFAULT_SOURCE = "https://github.com/pypa/pip.git"
DEFAULT_COMMIT = "6d309205789d368b2749d93fd6193d584811efd5"  # pip's main on 2026-08-20: 661 Python files
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "core.hooksPath=/dev/null"]


@dataclass
class Row:
    name: str
    wall_s: float
    cpu_s: float | None = None
    max_rss_mb: float | None = None
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""


def _git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def clone(source: str, commit: str, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--no-checkout", source, str(into)], check=True)
    _git(into, "checkout", "-q", commit)
    return into


def grow(base: Path, factor: int, into: Path) -> Path:
    """A copy of ``base`` whose largest Python package appears ``factor`` times (copies under new names)."""
    shutil.copytree(base, into, symlinks=True)
    package = _largest_package(into)
    for n in range(1, factor):
        shutil.copytree(package, package.with_name(f"{package.name}_copy{n}"), symlinks=True)
    _git(into, "add", "-A")
    _git(into, "commit", "-q", "--allow-empty", "-m", f"bench: {factor}x")
    return into


def _largest_package(root: Path) -> Path:
    packages = [init.parent for init in root.rglob("__init__.py") if not (init.parent.parent / "__init__.py").exists()]
    return max(packages, key=lambda p: sum(1 for _ in p.rglob("*.py")))


def cli_help() -> str:
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", "--help"], capture_output=True, text=True, check=False)
    return re.sub(r"\s+", " ", done.stdout)


def run_cli(root: Path, out: Path, extra: list[str]) -> Row:
    """The real CLI over the static stages: wall time, and CPU and memory of it and every descendant."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", *STAGES, "--root", str(root), "--out", str(out),
                             "--quiet", *extra], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tools: dict[str, dict[str, Any]] = {}
    for stage in STAGES:
        report = out / f"{stage}.json"
        if report.exists():
            data = json.loads(report.read_text())
            scopes = (data.get("details") or {}).get("pr_mode", {}).get("tools", {})
            for tool in data["tools"]:
                tools[tool["tool"]] = {"wall_s": tool["duration_s"], "cpu_s": tool["details"].get("cpu_s"),
                                       "status": f"{tool['status']} {tool['error'][:160]}".strip()}
                scope = scopes.get(tool["tool"])
                if scope and scope.get("files") is not None:  # PR mode: what this tool scanned, head side
                    tools[tool["tool"]]["status"] += (f"; PR scope {len(scope['files'])} file(s): "
                                                      f"{len(scope['dependents'])} dependent(s), "
                                                      f"{len(scope['anchors'])} package-root file(s)")
    note = f"exit {proc.returncode}"
    if proc.returncode == 2 and stderr.strip():
        note += f": {stderr.strip().splitlines()[-1][:120]}"
    return Row("full", wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tools, note)


def alone(root: Path) -> list[Row]:
    """Each tool by itself, one process, through its adapter (the harness's exact command)."""
    cfg = config_mod.load(root)
    apply_overrides(cfg, {"lint": {"pylint_jobs": "1"}})  # one process: the tool alone, as a user would run it
    files = FileSet(cfg.root, list(cfg.settings.paths), list(cfg.settings.exclude))
    rows = []
    for stage in STAGES:
        for scanner in scanners_for(stage):
            with tempfile.TemporaryDirectory() as tmp:
                ctx = ScanContext(root=cfg.root, stage=stage, stage_config=cfg.stages[stage], files=files,
                                  work_dir=Path(tmp), timeout=3600, artifacts_dir=Path(tmp))
                output = scanner.scan(ctx)
            run = output.run
            if run.status.value == "skipped":
                continue
            rss = run.details.get("max_rss_kb")
            rows.append(Row(f"alone:{scanner.name}", run.duration_s, run.details.get("cpu_s"),
                            rss / 1024 if rss else None, note=f"{run.status.value} {run.error[:160]}".strip()))
    return rows


def pull_request(root: Path, out: Path, extra: list[str]) -> Row:
    """Three Python files changed on a branch, scanned in PR mode against the commit before."""
    changed = sorted(FileSet(root).python)[:: max(1, len(FileSet(root).python) // 3)][:3]
    for rel in changed:
        with (root / rel).open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef _bench_added(value):\n    return value\n")
    _git(root, "checkout", "-q", "-b", "bench-pr")
    _git(root, "commit", "-qam", "bench: a pull request that changes three files")
    try:
        row = run_cli(root, out, [*extra, "--base", "HEAD~1"])
    finally:
        _git(root, "checkout", "-q", "-")
    row.name = "pr-3"
    return row


def bench_size(tree: Path, factor: int, scratch: Path, help_text: str) -> list[Row]:
    cache_flags = "--cache" in help_text
    pr_mode = bool(re.search(r"--base REF [^-]*(introduc|changed|diff)", help_text))
    cold = ["--no-cache"] if "--no-cache" in help_text else []
    rows = alone(tree)
    rows.append(run_cli(tree, scratch / "full", cold))
    cores = available_cores()
    tool_cpu = [r.cpu_s for r in rows if r.name.startswith("alone:") and r.cpu_s is not None]
    rows.append(Row("floor", sum(tool_cpu) / cores, note=f"{sum(tool_cpu):.1f} CPU s / {cores} cores"))
    if cache_flags:
        cache = scratch / "cache"
        run_cli(tree, scratch / "prime", ["--cache", str(cache)])
        warm = run_cli(tree, scratch / "warm", ["--cache", str(cache)])
        warm.name = "warm"
        rows.append(warm)
    else:
        rows.append(Row("warm", 0.0, note="skipped: `pipeline run --help` offers no --cache"))
    if pr_mode:
        rows.append(pull_request(tree, scratch / "pr", cold))
    else:
        rows.append(Row("pr-3", 0.0, note="skipped: `pipeline run --help` offers no PR mode (--base only compares policy)"))
    for row in rows:
        row.name = f"{factor}x {row.name}"
    return rows


def verdicts(rows: list[Row]) -> list[str]:
    by = {r.name.split(" ", 1)[1]: r for r in rows}
    full, floor = by["full"], by["floor"]
    slowest = max((r for k, r in by.items() if k.startswith("alone:")), key=lambda r: r.wall_s)
    lines = [f"full / floor = {full.wall_s / floor.wall_s:.2f} (target <= 1.15)",
             f"full / slowest tool alone ({slowest.name.split(':')[1]}) = {full.wall_s / slowest.wall_s:.2f} (target < 1)"]
    for key, target in (("warm", 0.10), ("pr-3", 0.15)):
        if by[key].wall_s:
            lines.append(f"{key} / full = {by[key].wall_s / full.wall_s:.2f} (target <= {target})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, help="a checkout to measure (default: clone --source at --commit)")
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--commit", default=DEFAULT_COMMIT)
    parser.add_argument("--sizes", default="1,2,4", help="repository sizes, as multiples of the package")
    parser.add_argument("--json", type=Path, help="also write every row here")
    args = parser.parse_args()
    help_text = cli_help()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-static-") as tmp:
        scratch = Path(tmp)
        base = args.root.resolve() if args.root else clone(args.source, args.commit, scratch / "source")
        for factor in (int(n) for n in args.sizes.split(",")):
            tree = grow(base, factor, scratch / f"tree-{factor}x")
            count = len(FileSet(tree).python)
            size_rows = bench_size(tree, factor, scratch / f"run-{factor}x", help_text)
            print(f"--- {factor}x: {count} Python files, {available_cores()} cores")
            for row in size_rows:
                cpu = f"{row.cpu_s:8.1f}" if row.cpu_s is not None else "       -"
                rss = f"{row.max_rss_mb:8.0f}" if row.max_rss_mb is not None else "       -"
                print(f"{row.name:24} wall {row.wall_s:8.1f} s  cpu {cpu} s  rss {rss} MiB  {row.note}")
                for tool, figures in row.tools.items():
                    print(f"{'':26}{tool}: wall {figures['wall_s']} s, cpu {figures['cpu_s']} s, {figures['status']}")
            for line in verdicts(size_rows):
                print("  " + line)
            rows.extend(size_rows)
            shutil.rmtree(tree, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()

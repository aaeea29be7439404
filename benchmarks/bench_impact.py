"""pylint's PR-mode scope on real commits: plain transitive importers against the name-level impact
(pipeline/change_impact.py). Only the plan is computed, unless ``--check`` is given.

    python benchmarks/bench_impact.py CLONE COMMIT...          # each commit against its first parent
    python benchmarks/bench_impact.py CLONE --check COMMIT...  # and check the scope against real pylint
    python benchmarks/bench_impact.py CLONE --bench-pr         # the three files bench_static.py's pr-3 changes

``--check`` is the model's soundness on real history: pylint (one process, the harness's rcfile,
duplicate-code and cyclic-import off as in PR mode) lints the whole tree of the commit and of its
parent, and every file whose messages differ must be a changed file or in the scope. A file outside
it is printed as MISSED and the exit status is 1. One process keeps the file order, and so astroid's
cross-module inference cache, the same on both sides (pylint_parity.py measures that order effect).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import changes as changes_mod  # noqa: E402
from pipeline import git, pr_mode  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.registry import scanners_for  # noqa: E402

PYLINTRC = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "pylintrc"
Messages = dict[str, set[tuple[object, ...]]]


@dataclass(frozen=True)
class Planned:
    change: changes_mod.ChangeSet
    scope: pr_mode.ToolScope
    seconds: float


def plan(root: Path, base: str) -> Planned:
    files = FileSet(root)
    started = time.perf_counter()
    change = changes_mod.compute(root, base, files.all)
    entries = changes_mod.base_tree(root, change.base_commit)
    pylint = [s for s in scanners_for("lint") if s.name == "pylint"]
    scope = pr_mode.plan(root, change, files, entries, pylint, {}).scopes["pylint"]
    return Planned(change, scope, time.perf_counter() - started)


def measure(root: Path, planned: Planned) -> dict[str, object]:
    change, scope = planned.change, planned.scope
    return {"changed_py": sorted(p for p in change.changed if p.endswith(".py")),
            "deleted": list(change.deleted), "importers": len(scope.dependents) + scope.spared,
            "dependents": len(scope.dependents), "scanned": len(scope.files or ()),
            "python_files": len(FileSet(root).python), "seconds": round(planned.seconds, 2), "why": scope.why}


def messages(root: Path) -> Messages:
    """Every file's pylint messages over the whole checked-out tree."""
    python = sorted(FileSet(root).python)
    proc = subprocess.run([sys.executable, "-m", "pylint", f"--rcfile={PYLINTRC}", "--persistent=n", "--jobs=1",
                           "--output-format=json", "--disable=duplicate-code,cyclic-import", "--", *python],
                          cwd=root, capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode >= 32:
        raise SystemExit(f"bench_impact: pylint failed on {root}: {proc.stderr[-400:]}")
    found: Messages = {p: set() for p in python}
    for message in json.loads(proc.stdout or "[]"):
        found.setdefault(message["path"], set()).add((message["line"], message["column"], message["symbol"],
                                                      message["message"]))
    return found


def check(root: Path, commit: str, planned: Planned, cache: dict[str, Messages]) -> list[str]:
    """The files whose messages the commit changes but the scope leaves out."""
    sides = {}
    for rev in (f"{commit}~1", commit):
        # Keyed on the Python files' blobs: commits that change no Python file share one lint.
        key = "\n".join(line for line in _git(root, "ls-tree", "-r", rev).splitlines() if line.endswith((".py", ".pyi")))
        if key not in cache:
            _git(root, "checkout", "-q", "--detach", rev)
            cache[key] = messages(root)
        sides[rev] = cache[key]
    before, after = sides[f"{commit}~1"], sides[commit]
    differ = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    edited = set(planned.change.changed) | set(planned.change.deleted)
    print(f"  {len(differ)} file(s) with other messages, {len(differ - edited)} beyond the changed ones")
    return sorted(differ - edited - set(planned.scope.files or ()))


def _git(root: Path, *args: str) -> str:
    return git.raw(root, *args).decode()


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    args = sys.argv[2:]
    checking = "--check" in args
    commits = [a for a in args if a != "--check"]
    start = _git(root, "rev-parse", "HEAD").strip()
    missed_any = False
    cache: dict[str, Messages] = {}
    try:
        if commits == ["--bench-pr"]:
            python = sorted(FileSet(root).python)
            for rel in python[:: max(1, len(python) // 3)][:3]:  # as benchmarks/bench_static.py pull_request
                with (root / rel).open("a", encoding="utf-8") as handle:
                    handle.write("\n\ndef _bench_added(value):\n    return value\n")
            print("bench-pr", measure(root, plan(root, "HEAD")))
            _git(root, "checkout", "-q", "--", ".")
            return 0
        for commit in commits:
            _git(root, "checkout", "-q", "--detach", commit)
            planned = plan(root, f"{commit}~1")
            print(commit[:10], measure(root, planned), flush=True)
            if checking:
                missed = check(root, commit, planned, cache)
                for path in missed:
                    print(f"  MISSED {path}")
                missed_any |= bool(missed)
    finally:
        _git(root, "checkout", "-q", "--detach", start)
    return 1 if missed_any else 0


if __name__ == "__main__":
    sys.exit(main())

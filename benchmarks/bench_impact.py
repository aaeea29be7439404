"""pylint's PR-mode scope on real commits: plain transitive importers against the name-level impact
(pipeline/change_impact.py). No tool runs; only the plan is computed.

    python benchmarks/bench_impact.py CLONE COMMIT...      # each commit against its first parent
    python benchmarks/bench_impact.py CLONE --bench-pr     # the three files bench_static.py's pr-3 changes
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import changes as changes_mod  # noqa: E402
from pipeline import (
    git,  # noqa: E402
    pr_mode,  # noqa: E402
)
from pipeline.files import FileSet  # noqa: E402


@dataclass
class _Pylint:
    name: str = "pylint"
    stage: str = "lint"
    pr_scope: str = pr_mode.IMPORTERS


def measure(root: Path, base: str) -> dict[str, object]:
    files = FileSet(root)
    started = time.perf_counter()
    change = changes_mod.compute(root, base, files.all)
    entries = changes_mod.base_tree(root, change.base_commit)
    plan = pr_mode.plan(root, change, files, entries, [_Pylint()], {})
    scope = plan.scopes["pylint"]
    return {"changed_py": sorted(p for p in change.changed if p.endswith(".py")),
            "deleted": list(change.deleted), "importers": len(scope.dependents) + scope.spared,
            "dependents": len(scope.dependents), "scanned": len(scope.files or ()),
            "python_files": len(files.python), "seconds": round(time.perf_counter() - started, 2), "why": scope.why}


def _git(root: Path, *args: str) -> str:
    return git.raw(root, *args).decode()


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    start = _git(root, "rev-parse", "HEAD").strip()
    try:
        if sys.argv[2:] == ["--bench-pr"]:
            python = sorted(FileSet(root).python)
            for rel in python[:: max(1, len(python) // 3)][:3]:  # as benchmarks/bench_static.py pull_request
                with (root / rel).open("a", encoding="utf-8") as handle:
                    handle.write("\n\ndef _bench_added(value):\n    return value\n")
            print("bench-pr", measure(root, "HEAD"))
            _git(root, "checkout", "-q", "--", ".")
            return
        for commit in sys.argv[2:]:
            _git(root, "checkout", "-q", "--detach", commit)
            print(commit[:10], measure(root, f"{commit}~1"), flush=True)
    finally:
        _git(root, "checkout", "-q", "--detach", start)


if __name__ == "__main__":
    main()

"""pylint's import errors that only say "the dependencies are not installed here", told apart from real ones.

Without the scanned repository's environment (pipeline/target_env.py), pylint reports every import
of a third-party package as ``import-error`` (E0401), or ``no-name-in-module`` (E0611) when the
harness's own environment has another version of it: a wall of findings about where pylint runs,
not about the code. Those become one note naming the packages, and leave the findings: the verdict
re-derives tool-side acceptances from the repository's files (pipeline/acceptances.py) and never
trusts a report's gate, and "no environment was given" is a fact of this run, not of a file, so a
kept finding could not be marked non-blocking in a way the verdict honours. Their count and the
packages stay in the report (the note, and the tool run's ``unresolved_imports`` details).

An import of the repository's own modules (a typo, a missing file) stays a finding, and with an
environment given every import error stays one (a dependency missing from the requirements).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .model import Finding
from .target_env import HOW_TO_SET

# pylint's message texts: "Unable to import 'flask.views'", "No name 'x' in module 'google.cloud'".
_IMPORTED = {
    "E0401": re.compile(r"^Unable to import '([^']+)'"),
    "E0611": re.compile(r"^No name '[^']*' in module '([^']+)'"),
}
_SHOWN_PACKAGES = 8


def own_modules(root: Path, python_files: Iterable[str]) -> frozenset[str]:
    """Every name an import of the repository's own code can start with: each folder and module of its
    Python files, and each top-level folder. Generous on purpose: a name counted as the repository's
    own keeps its import error a finding."""
    names: set[str] = set()
    for rel in python_files:
        parts = PurePosixPath(rel).parts
        names.update(parts[:-1])
        names.add(PurePosixPath(parts[-1]).stem)
    try:
        names.update(p.name for p in root.iterdir() if p.is_dir())
    except OSError:
        pass
    return frozenset(names)


def imported_module(finding: Finding) -> str | None:
    """The module an E0401/E0611 finding is about, or None for any other finding."""
    pattern = _IMPORTED.get(finding.rule_id)
    match = pattern.match(finding.message) if pattern else None
    return match.group(1) if match else None


@dataclass(frozen=True)
class Unresolved:
    """The import errors about third-party packages that were not installed where pylint ran."""

    packages: Counter[str] = field(default_factory=Counter)  # top-level package -> findings about it

    @property
    def count(self) -> int:
        return sum(self.packages.values())

    def note(self) -> str:
        names = [name for name, _ in sorted(self.packages.items(), key=lambda kv: (-kv[1], kv[0]))]
        shown = ", ".join(names[:_SHOWN_PACKAGES]) + (", ..." if len(names) > _SHOWN_PACKAGES else "")
        return (f"pylint could not resolve {self.count} import(s) of {len(names)} third-party package(s) ({shown}): "
                f"the repository's dependencies are not installed where pylint runs, so these were left out "
                f"(they do not block); {HOW_TO_SET}")


def split(findings: list[Finding], own: frozenset[str]) -> tuple[list[Finding], Unresolved]:
    """The findings to keep, and the third-party import errors taken out of them."""
    kept: list[Finding] = []
    packages: Counter[str] = Counter()
    for finding in findings:
        module = imported_module(finding)
        top = module.split(".")[0] if module else ""
        if module is None or not top or top in own:
            kept.append(finding)
        else:
            packages[top] += 1
    return kept, Unresolved(packages)

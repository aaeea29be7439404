"""Which findings of a verdict sit on the lines a pull request changes (for reporters that have to pick).

The change is computed once per verdict (pipeline/changes.py, from git objects only) and only over the
files that have findings: a reporter asks "is this finding on a changed line?", nothing else.
"""

from __future__ import annotations

from .changes import ChangeSet, compute
from .config import Config
from .files import FileSet
from .git import GitError
from .model import Finding
from .policy import Verdict


def for_verdict(config: Config, base_ref: str, verdict: Verdict) -> tuple[ChangeSet | None, str]:
    """The change relative to ``base_ref`` over the files with findings, or (None, why not).

    Only what annotations and the PR comment show depends on it, never the gate, so a base that git
    cannot diff against (a shallow clone) costs the diff placement, with a note, not the verdict.
    """
    if not base_ref:
        return None, ""
    with_findings = {f.finding.location.path for f in verdict.findings if f.finding.location.path}
    scanned = FileSet(config.root, list(config.settings.paths), list(config.settings.exclude)).all
    try:
        return compute(config.root, base_ref, [p for p in scanned if p in with_findings]), ""
    except GitError as exc:
        return None, f"annotations are not placed on the pull request's changed lines: {exc}"


def on_changed_lines(finding: Finding, changes: ChangeSet) -> bool:
    """True when ``finding`` is on a line the change adds or modifies (or is file-level in a changed file)."""
    loc = finding.location
    if not loc.path or not changes.is_changed(loc.path):
        return False
    lines = changes.lines(loc.path)
    if loc.line is None:
        return bool(lines)  # a file-level finding (a dependency pin file): the file's change touches it
    last = max(loc.end_line or loc.line, loc.line)
    return any(loc.line <= n <= last for n in lines)

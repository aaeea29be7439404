"""PR mode: which files each scanner scans when a change is measured against a base branch, and the
base side's counterparts of them.

Each adapter declares ``pr_scope``, how its results depend on the files:

- ``changed``: file by file (bandit, detect-secrets, pyflakes, ruff, hadolint): a file's findings
  depend on its own bytes (and its path), so the changed, added and renamed files are scanned;
- ``importers``: pylint, whose messages for a module also depend on what it imports: the changed
  files plus the modules that import one of them, transitively (pipeline/import_graph.py), and
  read a top-level name the change alters (pipeline/change_impact.py; both over-approximate, so
  their intersection does too, and the scope records how many importers that spared), plus
  one file of each package root so pylint builds the same ``sys.path`` as a full run (it adds the
  root of every file it is given, in order, and the first root holding a module name wins); those
  are path hints (``ScanContext.path_hints``): given to pylint, never linted.
  duplicate-code and cyclic-import compare every module with every other: a partial run cannot
  reproduce them, so PR mode turns them off on both sides and says so;
- ``when-changed``: the dependency audits, which read requirement and lock files: a full audit when
  one of those changed, else skipped with the reason (new advisories for unchanged pins are the
  scheduled full scan's to find);
- ``full``: everything else (zizmor, checkov, zap): scanned in full and gated as in a full scan.

The base side is scanned by the same adapters with the head's configuration, over the base versions
of the scanned files, read from git objects into a scratch folder (pipeline/changes.py): the merge
base's findings are never taken from an earlier upload. A finding the change does not introduce
(same fingerprint, counted like the baseline) is shown as present on the base, not blocking.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import change_impact
from . import changes as changes_mod
from .changes import ChangeSet
from .dependencies import AUTO_PATTERNS
from .files import BUILTIN_EXCLUDES, FileSet, UnreadableFile, glob_match, read_regular_file
from .git import GitError
from .import_closure import read_sources
from .import_graph import ImportGraph

CHANGED, IMPORTERS, WHEN_CHANGED, FULL = "changed", "importers", "when-changed", "full"
KINDS = (CHANGED, IMPORTERS, WHEN_CHANGED, FULL)
PYTHON = (".py", ".pyi")
# pylint checks that compare the whole linted set with itself; off on both sides in PR mode.
WHOLE_SET_CHECKS = {
    "duplicate-code": "it compares every module with every other, so a run over part of the tree cannot "
                      "reproduce it; the full scan (push, merge queue, schedule) runs it",
    "cyclic-import": "which import cycles pylint reports depends on every module it lints; the full scan "
                     "(push, merge queue, schedule) runs it",
}
# What the dependency audits may read, over-approximated: `-r other.txt` can name any text file.
DEPENDENCY_FILES = (*AUTO_PATTERNS, "*.txt", "*.in", "*.lock", "*.toml", "*.cfg", "setup.py", "Pipfile*")
# Head files copied into the base scratch so the base is scanned with the head's configuration.
CONFIG_FILES = (".config/hadolint.yaml", ".config/hadolint.yml")


def scope_kind(scanner: Any) -> str:
    """The adapter's declared ``pr_scope``; an adapter that declares none is scanned in full."""
    kind = getattr(scanner, "pr_scope", FULL)
    return kind if kind in KINDS else FULL


@dataclass(frozen=True)
class ToolScope:
    """What one scanner scans in PR mode, and why."""

    tool: str
    kind: str
    why: str
    files: tuple[str, ...] | None = None  # head paths handed over; None: the whole tree (kind full)
    dependents: tuple[str, ...] = ()  # for pylint, the importers of the changed files the change can reach
    anchors: tuple[str, ...] = ()  # for pylint, one file per package root, for the same sys.path
    base_files: Mapping[str, str] = field(default_factory=dict)  # head path -> base path scanned on the base
    skip: str = ""  # non-empty: not run in PR mode, for this reason
    disabled_checks: tuple[str, ...] = ()  # pylint symbols turned off on both sides
    spared: int = 0  # for pylint, importers left out because no name they read changed (change_impact)

    @property
    def compares(self) -> bool:
        """Whether a base side is scanned (only for the kinds whose scope is narrowed)."""
        return self.kind in (CHANGED, IMPORTERS) and not self.skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.kind, "why": self.why, "skipped": self.skip,
            "files": list(self.files) if self.files is not None else None,
            "dependents": list(self.dependents), "anchors": list(self.anchors),
            "base_files": dict(sorted(self.base_files.items())),
            "disabled_checks": list(self.disabled_checks), "spared_importers": self.spared,
        }


@dataclass(frozen=True)
class PrPlan:
    changes: ChangeSet
    scopes: Mapping[str, ToolScope]  # by tool name

    def summary(self, tools: Iterable[str]) -> str:
        """One line for a stage's notes: what PR mode scanned and skipped for these tools."""
        scopes = [self.scopes[t] for t in tools if t in self.scopes]
        parts = [f"PR mode against {self.changes.base_ref} (merge base {self.changes.base_commit[:12]}): "
                 f"{len(self.changes.changed)} changed file(s), {len(self.changes.deleted)} deleted"]
        for scope in scopes:
            if scope.skip:
                parts.append(f"{scope.tool} skipped: {scope.skip}")
            elif scope.kind == IMPORTERS:
                parts.append(f"{scope.tool} also on {len(scope.dependents)} dependent(s)"
                             + (f" and {len(scope.anchors)} package-root file(s)" if scope.anchors else "")
                             + (f" ({scope.spared} importer(s) spared: no name they read changed)"
                                if scope.spared else ""))
            elif scope.kind != CHANGED:
                parts.append(f"{scope.tool}: {scope.why}")
            for check in scope.disabled_checks:
                parts.append(f"{check} skipped: {WHOLE_SET_CHECKS[check]}")
        return "; ".join(parts)


def head_paths(changes: ChangeSet) -> list[str]:
    """Changed, added and renamed files: what a file-by-file tool scans."""
    return sorted(changes.changed)


def _base_map(changes: ChangeSet, paths: Iterable[str], base_selected: set[str]) -> dict[str, str]:
    """head path -> base path, for the scanned head files that have a counterpart the base scan selects."""
    mapping: dict[str, str] = {}
    for rel in paths:
        change = changes.changed.get(rel)
        base_path = rel if change is None else change.base_path
        if base_path is not None and base_path in base_selected:
            mapping[rel] = base_path
    return mapping


def package_root(root: Path, rel: str) -> str:
    """The folder pylint adds to sys.path for this file: the first parent upwards without __init__.py."""
    folder = (root / rel).parent
    while folder != root and (folder / "__init__.py").exists():
        folder = folder.parent
    return folder.relative_to(root).as_posix() if folder != root else "."


def anchors(root: Path, python_files: Iterable[str]) -> dict[str, str]:
    """The first file (in the order pylint is given them) of each package root."""
    first: dict[str, str] = {}
    for rel in sorted(python_files):
        first.setdefault(package_root(root, rel), rel)
    return first


def _python_tree(paths: Iterable[str]) -> list[str]:
    return sorted(p for p in paths if p.endswith(PYTHON) and not any(glob_match(p, pat) for pat in BUILTIN_EXCLUDES))


def _pylint_changed(changes: ChangeSet, head_python: set[str]) -> set[str]:
    """Every path whose module a change affects, head and base names alike (renames count as changed:
    the module's name is part of what pylint analyses); a folder that gains or loses its __init__.py
    renames every module in it."""
    affected = {p for p in changes.changed if p.endswith(PYTHON)}
    affected |= {c.base_path for c in changes.changed.values() if c.base_path and c.base_path.endswith(PYTHON)}
    affected |= {p for p in changes.deleted if p.endswith(PYTHON)}
    inits = {p for p in affected if p.rsplit("/", 1)[-1] == "__init__.py" and
             (p in changes.deleted or (p in changes.changed and changes.changed[p].base_path != p))}
    for init in inits:
        folder = init.rsplit("/", 1)[0] + "/" if "/" in init else ""
        affected |= {p for p in head_python if p.startswith(folder)}
    return affected


def plan(root: Path, changes: ChangeSet, files: FileSet, base_paths: Mapping[str, changes_mod.BaseEntry],
         scanners: Iterable[Any], options_by_stage: Mapping[str, Mapping[str, Any]]) -> PrPlan:
    """Every scanner's scope; ``base_paths`` is the merge base's tree (its regular files)."""
    base_list = sorted(base_paths)
    base_selected = {p for p in base_list if files.selects(p)}
    selected = set(files.all)
    changed = [p for p in head_paths(changes) if p in selected]
    scopes: dict[str, ToolScope] = {}
    graph: ImportGraph | None = None
    head_sources: dict[str, bytes] = {}
    head_modules: dict[str, change_impact.Module] = {}
    for scanner in scanners:
        kind = scope_kind(scanner)
        name = scanner.name
        if kind == CHANGED:
            scopes[name] = ToolScope(name, kind, "file by file: the changed files", tuple(changed),
                                     base_files=_base_map(changes, changed, base_selected))
        elif kind == IMPORTERS:
            if graph is None:
                every = _python_tree(FileSet(files.root).all)  # imports reach files the configuration does not lint
                head_sources = read_sources(root, every)
                head_modules = change_impact.summarize_all(head_sources)  # one parse: the graph and the impact
                graph = ImportGraph({p: set(m.imports) for p, m in head_modules.items()},
                                    frozenset(_packages(every, base_list)))
            linted = set(files.python)
            affected = _pylint_changed(changes, set(graph.imports))
            own = sorted(p for p in affected if p in linted)
            importers = (graph.importers(affected) & linted) - set(own)
            reached, why = _name_impact(root, changes, head_sources, head_modules, base_paths, affected,
                                        graph.packages)
            # Both are over-approximations, so their intersection is one too (and never wider than before).
            dependents = sorted(importers if reached is None else importers & reached)
            first = anchors(root, files.python)
            extra = sorted(set(first.values()) - set(own) - set(dependents))
            scanned = tuple(sorted({*own, *dependents, *extra}))
            scopes[name] = ToolScope(name, kind, why, scanned, tuple(dependents), tuple(extra),
                                     base_files=_base_map(changes, scanned, base_selected),
                                     disabled_checks=tuple(WHOLE_SET_CHECKS), spared=len(importers) - len(dependents))
        elif kind == WHEN_CHANGED:
            options = options_by_stage.get(scanner.stage, {})
            sources = [s for s in options.get("sources") or [] if s != "auto" and not str(s).startswith("env:")]
            patterns = (*DEPENDENCY_FILES, *sources)
            touched = [p for p in (*head_paths(changes), *changes.deleted)
                       if any(glob_match(p, pat) or fnmatch.fnmatchcase(p, pat) for pat in patterns)]
            if touched:
                scopes[name] = ToolScope(name, kind, f"full audit: {', '.join(touched[:3])} changed")
            else:
                scopes[name] = ToolScope(name, kind, "dependency files unchanged",
                                         skip="PR mode: no requirement, constraint, lock or pyproject file changed "
                                              "(the full scan audits the unchanged pins against new advisories)")
        else:
            scopes[name] = ToolScope(name, FULL, "always scanned in full in PR mode")
    return PrPlan(changes, scopes)


def _renamed_folders(changes: ChangeSet) -> set[str]:
    """The folders (with a trailing /) whose __init__.py was added, deleted or renamed (see _pylint_changed)."""
    inits = {p for p, c in changes.changed.items() if p.rsplit("/", 1)[-1] == "__init__.py" and c.base_path != p}
    inits |= {p for p in changes.deleted if p.rsplit("/", 1)[-1] == "__init__.py"}
    return {init.rsplit("/", 1)[0] + "/" if "/" in init else "" for init in inits}


def _name_impact(root: Path, changes: ChangeSet, head: Mapping[str, bytes],
                 head_modules: Mapping[str, change_impact.Module],
                 base_entries: Mapping[str, changes_mod.BaseEntry], affected: set[str],
                 packages: frozenset[str]) -> tuple[set[str] | None, str]:
    """The modules a change of top-level names can reach (pipeline/change_impact.py), or None (then
    every transitive importer counts) when the change cannot be read name by name; and the why."""
    fallback = "the changed modules and every module that imports them"
    renamed_folders = _renamed_folders(changes)
    modified = {p: p for p, c in changes.changed.items() if c.base_path == p and p in affected and p in head
                and not any(p.startswith(folder) for folder in renamed_folders)}
    opaque: dict[str, str] = {}
    for path in sorted(affected - set(modified)):
        change = changes.changed.get(path)
        if any(path.startswith(folder) for folder in renamed_folders):
            opaque[path] = "its folder gained or lost its __init__.py"  # which renames it
        elif change is not None:
            opaque[path] = "added" if change.base_path is None else "renamed or copied"
        elif path in changes.deleted:
            opaque[path] = "deleted"
        elif path not in head:
            opaque[path] = "renamed"
        # Else the same bytes on both sides (pipeline/changes.py lists only what differs): the
        # source of a copy (an empty news entry matches an empty __init__.py), not a change.
    base_python = [p for p in base_entries if p.endswith(PYTHON)]
    wanted = [p for p in base_python if p in modified or (p in opaque and p not in head)]
    try:
        blobs = changes_mod.read_blobs(root, [base_entries[p].oid for p in wanted])
    except GitError:
        return None, fallback + " (the base versions could not be read)"
    # The base tree: the head's unchanged files, the base versions of the changed ones.
    moved_in = {p for p, c in changes.changed.items() if c.base_path != p}
    base = {p: t for p, t in head.items() if p not in moved_in}
    base.update({p: blobs[base_entries[p].oid] for p in wanted})
    for path, change in changes.changed.items():
        if change.base_path and change.base_path != path and change.base_path in base_entries \
                and change.base_path not in base and change.base_path.endswith(PYTHON):
            base[change.base_path] = head.get(path, b"\0")  # a pure rename: byte-identical
    try:
        found = change_impact.scope(head, base, modified, opaque, packages, head_modules)
    except (RecursionError, MemoryError):
        return None, fallback + " (a changed module is nested too deeply to compare name by name)"
    return set(found.linted), ("the changed modules and the importers that read a top-level name the change alters "
                               "(or a name of an added, deleted, renamed or unreadable module)")


def _packages(head_python: Iterable[str], base_paths: Iterable[str]) -> set[str]:
    """Folders with an __init__.py on both sides of the change: packages, never on sys.path."""
    def inits(paths: Iterable[str]) -> set[str]:
        return {p.rsplit("/", 1)[0] for p in paths if p.endswith("/__init__.py")}
    return inits(head_python) & inits(base_paths)


def base_python_anchors(scratch: Path, base_python: Iterable[str]) -> dict[str, str]:
    """The base side's package-root files, read from the materialized base tree."""
    return anchors(scratch, base_python)


def materialize(root: Path, base_entries: Mapping[str, changes_mod.BaseEntry], paths: Iterable[str], dest: Path,
                config_from_head: Iterable[str]) -> None:
    """Write the base versions of ``paths`` under ``dest`` from git objects, then the head's
    configuration files that are not among them (the base is scanned with the head's configuration)."""
    wanted = sorted(set(paths))
    blobs = changes_mod.read_blobs(root, [base_entries[p].oid for p in wanted])
    for rel in wanted:
        target = _inside(dest, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs[base_entries[rel].oid])
    for rel in config_from_head:
        if rel in wanted:
            continue
        source = root / rel
        if source.is_symlink() or not source.is_file():
            continue
        try:
            data = read_regular_file(source)
        except (UnreadableFile, OSError):
            continue  # the head's own scan reports an unreadable configuration
        target = _inside(dest, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _inside(dest: Path, rel: str) -> Path:
    """dest/rel, refusing a path that climbs out (a crafted tree entry such as ``../x``)."""
    if rel.startswith("/") or any(part in ("..", "") for part in rel.split("/")):
        raise GitError(f"base tree entry {rel[:80]!r} is not a plain relative path")
    return dest / rel


def head_config_files(files: FileSet, option_paths: Iterable[str]) -> list[str]:
    """The head files the scanners read as configuration: the tree's top-level files and the files the
    options name (a rcfile, a hadolint configuration, the detect-secrets baseline)."""
    # Never a Python file: the base's own modules must be the base's (an added module would shadow nothing there).
    top = [p for p in FileSet(files.root).all if "/" not in p and not p.endswith(PYTHON)]
    named = [p for p in option_paths if p and not os.path.isabs(p)]
    return sorted({*top, *named, *CONFIG_FILES})

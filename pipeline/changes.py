"""What a change touches relative to a base branch: which files, and which of their lines.

The base side is the merge base of the base ref and HEAD (what a pull request is compared against on
GitHub). The head side is the files the harness scans, as they are on disk: a file is changed when the
blob id of its bytes differs from the base's blob at that path. Everything is read from git objects
and from the files themselves; no git command that runs worktree filters, diff drivers or textconv is
used (pipeline/git.py says why), and the line diff is computed here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import git
from .files import UnreadableFile, read_regular_file

# Files bigger than this are compared by id only: every line counts as changed (a line diff of a
# generated 50 MB file would cost more than scanning it).
MAX_DIFF_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileChange:
    path: str  # repo-relative, in the head tree
    # Where this content was on the base: the same path (modified), another path whose blob is
    # byte-identical (a pure rename or copy), or None (a new file).
    base_path: str | None
    # 1-based line numbers of the head version that are new or differ from the base version.
    lines: frozenset[int]

    @property
    def added(self) -> bool:
        return self.base_path is None


@dataclass(frozen=True)
class ChangeSet:
    base_ref: str
    base_commit: str  # the merge base: what the change is measured against
    head_commit: str  # HEAD ('' in a repository without commits); the tree on disk may differ from it
    changed: Mapping[str, FileChange] = field(default_factory=dict)
    deleted: tuple[str, ...] = ()  # base paths gone from the tree (a pure rename is not a deletion)

    def is_changed(self, path: str) -> bool:
        return path in self.changed

    def lines(self, path: str) -> frozenset[int]:
        """Changed lines of ``path`` (empty for an unchanged file or a pure rename)."""
        change = self.changed.get(path)
        return change.lines if change else frozenset()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.changed))


@dataclass(frozen=True)
class BaseEntry:
    path: str
    mode: str
    oid: str


def base_tree(root: Path, commit: str) -> dict[str, BaseEntry]:
    """Regular files of ``commit`` by path (symlinks and submodules are never scanned, so left out)."""
    listing = git.raw(root, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries: dict[str, BaseEntry] = {}
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split()
        if kind == "blob" and mode in ("100644", "100755"):
            path = name.decode("utf-8", "surrogateescape")
            entries[path] = BaseEntry(path, mode, oid)
    return entries


def read_blobs(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """The contents of several blobs in one ``git cat-file --batch`` (no filters: the stored bytes)."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    data = git.raw(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in wanted).encode("ascii"),
                   timeout=max(git.TIMEOUT, len(wanted) / 100))
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode("ascii", "replace").split()
        if len(header) != 3 or header[1] != "blob":
            raise git.GitError(f"git cat-file --batch: {oid} is not a readable blob ({' '.join(header)[:80]})")
        size = int(header[2])
        blobs[oid] = data[end + 1:end + 1 + size]
        pos = end + 1 + size + 1  # the content is followed by a newline
    return blobs


def changed_lines(before: bytes, after: bytes) -> frozenset[int]:
    """Line numbers of ``after`` that are not an unchanged line of ``before``."""
    if len(before) > MAX_DIFF_BYTES or len(after) > MAX_DIFF_BYTES:
        return frozenset(range(1, after.count(b"\n") + 2))
    old = before.splitlines()
    new = after.splitlines()
    lines: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            lines.update(range(j1 + 1, j2 + 1))
    return frozenset(lines)


def merge_base(root: Path, base_ref: str) -> tuple[str, str]:
    """(commit of ``base_ref``, merge base of it and HEAD); GitError naming the fix when unknown."""
    base = git.resolve_commit(root, base_ref)
    if not base:
        raise git.GitError(f"--base {base_ref}: git cannot resolve {base_ref!r} (nor origin/{base_ref}) in {root}; "
                           "fetch the base branch (actions/checkout with fetch-depth: 0)")
    head = git.head(root)
    if not head:
        return base, base
    found = git.run(root, "merge-base", base, head)
    if found.exit_code != 0 or not found.stdout.strip():
        raise git.GitError(f"--base {base_ref}: {base_ref} and HEAD share no history in {root} (a shallow clone? "
                           "use actions/checkout with fetch-depth: 0)")
    return base, found.stdout.strip()


def compute(root: Path, base_ref: str, head_files: Iterable[str]) -> ChangeSet:
    """What the scanned files ``head_files`` (repo-relative) change relative to ``base_ref``'s merge base."""
    _, base_commit = merge_base(root, base_ref)
    fmt = git.object_format(root)
    base = base_tree(root, base_commit)
    by_oid: dict[str, str] = {}
    for entry in base.values():
        by_oid.setdefault(entry.oid, entry.path)
    head_paths = sorted(set(head_files))
    contents: dict[str, bytes] = {}
    for rel in head_paths:
        try:
            contents[rel] = read_regular_file(root / rel, limit=1 << 31)
        except (UnreadableFile, OSError):
            contents[rel] = b""  # unreadable now: the scanners will say so; for the diff it counts as changed
    modified = [rel for rel in head_paths if rel in base and git.blob_id(contents[rel], fmt) != base[rel].oid]
    old = read_blobs(root, [base[rel].oid for rel in modified])
    changed: dict[str, FileChange] = {}
    for rel in head_paths:
        if rel in base:
            if rel in modified:
                changed[rel] = FileChange(rel, rel, changed_lines(old[base[rel].oid], contents[rel]))
            continue
        twin = by_oid.get(git.blob_id(contents[rel], fmt))
        if twin is not None:
            changed[rel] = FileChange(rel, twin, frozenset())
        else:
            changed[rel] = FileChange(rel, None, frozenset(range(1, contents[rel].count(b"\n") + 2)))
    moved_from = {c.base_path for c in changed.values() if c.base_path and c.base_path != c.path}
    deleted = tuple(sorted(p for p in base if p not in moved_from and not (root / p).exists()))
    return ChangeSet(base_ref, base_commit, git.head(root), changed, deleted)

"""Which files a stage scans: the git-tracked (and untracked, not ignored) files of the tree, or every
file when the tree is not a git repository, minus configured and built-in exclusions.

Scanners are given explicit file lists built here, so the harness can check afterwards that each
tool really covered every file it was given (several tools silently scan nothing).
"""

from __future__ import annotations

import fnmatch
import os
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import git
from .errors import ConfigError

# Never ours to scan: tool caches, virtual environments, build output.
BUILTIN_EXCLUDES = (
    ".git", ".nox", ".tox", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist", "*.egg-info", "site-packages",
)


# Configuration files (pyproject.toml, suppressions, baselines) are small; anything bigger is an attack
# or a mistake (a symlink to /dev/zero, a log file), and reading it would exhaust memory.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


class UnreadableFile(OSError):
    """A file that must not be read: not a regular file, or too large. ``str()`` says which."""


def read_regular_file(path: Path, limit: int = MAX_CONFIG_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; UnreadableFile (an OSError) otherwise.

    Opened non-blocking, so a FIFO or a device never hangs the harness, and checked with fstat on
    the open descriptor, so a file swapped for a symlink between check and read changes nothing.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                    or stat.S_ISBLK(info.st_mode) else "a directory" if stat.S_ISDIR(info.st_mode) else "a socket")
            raise UnreadableFile(f"not a regular file ({kind})")
        if info.st_size > limit:
            raise UnreadableFile(f"larger than {limit // (1024 * 1024)} MiB ({info.st_size} bytes)")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while we read it
                raise UnreadableFile(f"larger than {limit // (1024 * 1024)} MiB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content, or a ConfigError naming the file and what is wrong with it."""
    try:
        return tomllib.loads(read_regular_file(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def glob_match(rel: str, pattern: str) -> bool:
    """Glob match on the repo-relative POSIX path; a plain name also matches any path component."""
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    if pattern.endswith("/**") and (rel == pattern[:-3] or rel.startswith(pattern[:-3] + "/")):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in rel.split("/"))
    return rel.startswith(pattern + "/")


def is_git_repo(root: Path) -> bool:
    return git.is_repository(root)


def _git_files(root: Path) -> list[str] | None:
    try:
        listing = git.raw(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".", timeout=60)
    except git.GitError:
        return None
    return sorted({p for p in listing.decode("utf-8", "surrogateescape").split("\0") if p})


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = [
            d for d in dirnames
            if not any(glob_match(d, pat) for pat in BUILTIN_EXCLUDES) and not os.path.islink(os.path.join(dirpath, d))
        ]
        for name in filenames:
            found.append(name if rel_dir == "." else f"{rel_dir}/{name}")
    return sorted(found)


@dataclass
class FileSet:
    root: Path
    paths: list[str] = field(default_factory=lambda: ["."])
    exclude: list[str] = field(default_factory=list)
    # Repo-relative files or folders the harness itself writes (reports, baseline): never scanned.
    never: tuple[str, ...] = ()

    @cached_property
    def in_git(self) -> bool:
        return is_git_repo(self.root)

    @cached_property
    def all(self) -> list[str]:
        """Every file to scan, repo-relative POSIX paths, sorted."""
        listed = _git_files(self.root) if self.in_git else None
        candidates = listed if listed is not None else _walk_files(self.root)
        selected = []
        for rel in candidates:
            full = self.root / rel
            if self.selects(rel) and full.is_file() and not full.is_symlink():
                selected.append(rel)
        return selected

    def selects(self, rel: str) -> bool:
        """Whether the configuration's paths and exclusions keep ``rel`` (PR mode asks it of the base's files)."""
        roots = [p.strip("/") for p in self.paths if p.strip("/") not in ("", ".")]
        if roots and not any(rel == r or rel.startswith(r + "/") for r in roots):
            return False
        if any(glob_match(rel, pat) for pat in BUILTIN_EXCLUDES) or any(glob_match(rel, pat) for pat in self.exclude):
            return False
        return not any(rel == own or rel.startswith(own + "/") for own in self.never)

    def restricted(self, paths: Iterable[str]) -> FileSet:
        """This selection limited to ``paths`` (PR mode's changed files, a cache's misses); same order."""
        wanted = set(paths)
        subset = FileSet(self.root, list(self.paths), list(self.exclude), self.never)
        subset.__dict__["in_git"] = self.in_git  # cached_property values: no second `git ls-files`
        subset.__dict__["all"] = [p for p in self.all if p in wanted]
        return subset

    @cached_property
    def python(self) -> list[str]:
        return [p for p in self.all if p.endswith(".py")]

    def matching(self, *patterns: str) -> list[str]:
        return [p for p in self.all if any(glob_match(p, pat) for pat in patterns)]


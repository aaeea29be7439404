"""What a cached result's key is made of: everything that can change a tool's findings for an input.

* the harness: its version and the digest of its own code and data (the adapters, the vetting
  that rewrites tool configuration, the canaries and the pylint plugin all live in the package);
* the tool: its name and the version this run found;
* the effective configuration: the stage's options, the content of every tool configuration file
  the harness may read or vet (a fixed list, over-inclusive on purpose: an extra miss is cheap, a
  missed dependency is a wrong result), and the environment variables passed through to the tool;
* the input: its path and content, plus what the adapter says the result also depends on
  (another module, the advisory data's identity).

An input that cannot be read is no key at all: it is always a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .files import read_regular_file

# Every configuration file an adapter or its vetting reads from the scanned tree.
CONFIG_FILES = (
    "pyproject.toml", "setup.cfg", "tox.ini", ".bandit", ".pylintrc", "pylintrc", ".pylintrc.toml", "pylintrc.toml",
    ".hadolint.yaml", ".hadolint.yml", ".config/hadolint.yaml", ".config/hadolint.yml", "zizmor.yml", "zizmor.yaml",
    ".github/zizmor.yml", ".github/zizmor.yaml", ".checkov.yaml", ".checkov.yml", "ruff.toml", ".ruff.toml",
    ".secrets.baseline",
)
_INPUT_LIMIT = 256 * 1024 * 1024
_CACHE_ENV = "SECURE_PIPELINE_CACHE"  # where the cache is changes no result


def sha256_text(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def harness_identity() -> str:
    """The harness's version and the digest of every file of its package (code, plugins, data)."""
    return package_identity(Path(__file__).resolve().parent, __version__)


def package_identity(package: Path, version: str) -> str:
    digest = hashlib.sha256(version.encode())
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{version}+{digest.hexdigest()[:32]}"


def file_digest(path: Path) -> str | None:
    """SHA-256 of a regular file's bytes, or None when it is missing or cannot be read safely."""
    try:
        if path.is_symlink():
            return None
        return hashlib.sha256(read_regular_file(path, _INPUT_LIMIT)).hexdigest()
    except OSError:
        return None


def tree_digest(folder: Path) -> str | None:
    """SHA-256 over a folder's (or a single file's) names and contents: an advisory snapshot's identity."""
    if folder.is_file():
        return file_digest(folder)
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        part = file_digest(path)
        if part is None:
            return None
        digest.update(f"{path.relative_to(folder).as_posix()}\0{part}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class InputDigests:
    """Content digests of a tree's files, each read once per run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[str, str | None] = {}
        self._sets: dict[tuple[str, ...], str | None] = {}

    def of(self, rel: str) -> str | None:
        if rel not in self._known:
            self._known[rel] = file_digest(self.root / rel)
        return self._known[rel]

    def of_all(self, rels: Iterable[str]) -> str | None:
        """One digest over several files' paths and contents (None when any cannot be read)."""
        names = tuple(sorted(set(rels)))
        if names not in self._sets:
            parts = [(name, self.of(name)) for name in names]
            self._sets[names] = None if any(d is None for _, d in parts) else sha256_text(
                *(f"{name}\0{d}" for name, d in parts))
        return self._sets[names]


def config_identity(root: Path, options: Mapping[str, Any], passthrough: Iterable[str],
                    digests: InputDigests) -> str:
    """The effective configuration: the options, the configuration files' contents, the passed-through environment."""
    files = {name: digests.of(name) for name in CONFIG_FILES if (root / name).exists()}
    baseline = options.get("secrets_baseline")
    if isinstance(baseline, str) and baseline and (root / baseline).exists():
        files[baseline] = digests.of(baseline)
    # The harness's own settings (SECURE_PIPELINE_TRUST, the advisory source...) and what reaches the tool.
    # Environment values can be tokens: only their digests enter the key.
    names = {*passthrough, *(n for n in os.environ if n.startswith("SECURE_PIPELINE_") and n != _CACHE_ENV)}
    env = {name: sha256_text(os.environ[name]) for name in sorted(names) if name in os.environ}
    return sha256_text(json.dumps({"options": options, "files": files, "env": env}, sort_keys=True, default=str))


def entry_key(**parts: Any) -> str:
    return sha256_text(json.dumps(parts, sort_keys=True, default=str))

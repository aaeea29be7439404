"""The exact result cache's storage: content-addressed entries, checked on every read, written atomically.

An entry lives at ``FOLDER/v1/TOOL/KK/KEY.json`` and records its own key, a schema tag and the
SHA-256 of its payload. Whatever does not agree with itself (another key than its address, a wrong
checksum, truncated JSON, another schema, not a regular file) is discarded with a note and removed,
never trusted. The key is derived from everything that can change a result (pipeline/cache_keys.py),
so an entry can only be reached by the exact inputs it was produced from.

The folder's location comes from the command line or the environment only, never from the scanned
repository (which could point it at a forged cache it ships). Entries hold findings as the tools
reported them, before redaction: the redactor needs the located secret values to mask them
wherever else they are quoted, so a cache of redacted findings would make later reports leak.
The cache is therefore kept as private as the checkout it was computed from: a 0700 folder owned
by this user, 0600 files; a folder that others can read or write is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_regular_file

SCHEMA = "secure-pipeline-result-cache/1"
ENV_FOLDER = "SECURE_PIPELINE_CACHE"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # an entry is one file's findings or one run's: anything bigger is not ours


def default_folder(env: Mapping[str, str]) -> Path:
    """``$SECURE_PIPELINE_CACHE``, else ``$XDG_CACHE_HOME/secure-pipeline``, else ``~/.cache/secure-pipeline``."""
    if env.get(ENV_FOLDER):
        return Path(env[ENV_FOLDER]).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "secure-pipeline"


def checksum(payload: Any) -> str:
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class CacheUnavailable(Exception):
    """The folder cannot be used safely (others can write it, it is not a folder...). ``str()`` says why."""


@dataclass
class ResultCache:
    """One run's handle on the cache folder; safe to share between the scanner threads (it holds no state)."""

    folder: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def open(cls, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ResultCache:
        folder = folder.expanduser().absolute()
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            info = folder.lstat()
        except OSError as exc:
            raise CacheUnavailable(f"cannot create {folder}: {exc.strerror or exc}") from exc
        if not stat.S_ISDIR(info.st_mode):
            raise CacheUnavailable(f"{folder} is not a folder")
        if info.st_uid != os.getuid():
            raise CacheUnavailable(f"{folder} belongs to another user")
        if info.st_mode & 0o077:
            # Entries can quote secrets of the scanned code, and a writable folder lets others plant entries.
            raise CacheUnavailable(f"{folder} is accessible to other users (mode {stat.S_IMODE(info.st_mode):o}; "
                                   "chmod 700 it)")
        return cls(folder, max_bytes)

    # --- entries -------------------------------------------------------------------------------
    def path_for(self, tool: str, key: str) -> Path:
        safe_tool = "".join(c if c.isalnum() or c in "-_" else "_" for c in tool) or "_"
        return self.folder / "v1" / safe_tool / key[:2] / f"{key}.json"

    def get(self, tool: str, key: str) -> tuple[dict[str, Any] | None, str]:
        """(payload, '') for a sound entry; (None, '') for a miss; (None, why) for an entry discarded (and removed)."""
        path = self.path_for(tool, key)
        try:
            if path.is_symlink():
                raise ValueError("is a symbolic link")
            raw = read_regular_file(path, MAX_ENTRY_BYTES)
        except FileNotFoundError:
            return None, ""
        except (OSError, ValueError) as exc:
            return None, self._discard(path, tool, f"cannot be read ({exc})")
        problem, payload = _check(raw, tool, key)
        if problem:
            return None, self._discard(path, tool, problem)
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return payload, ""

    def put(self, tool: str, key: str, payload: dict[str, Any]) -> str:
        """Write atomically (temporary file, then rename): a concurrent reader sees all of it or nothing.
        Returns '' or why the entry could not be written (the run's result stands either way)."""
        path = self.path_for(tool, key)
        entry = {"schema": SCHEMA, "key": key, "tool": tool, "checksum": checksum(payload), "payload": payload}
        try:
            for folder in (path.parents[2], path.parents[1], path.parent):
                folder.mkdir(exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # mode 0600
        except OSError as exc:
            return f"result cache: could not write a {tool} entry ({exc.strerror or exc})"
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(canonical(entry))
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            return f"result cache: could not write a {tool} entry ({exc.strerror or exc})"
        return ""

    def _discard(self, path: Path, tool: str, why: str) -> str:
        try:
            path.unlink()
        except OSError:
            pass
        return f"result cache: discarded the {tool} entry {path.stem[:12]}: {why}; not trusted, the tool ran instead"

    # --- size bound ----------------------------------------------------------------------------
    def prune(self) -> None:
        """Evict the least recently used entries until the cache fits ``max_bytes``; concurrent runs may race here."""
        entries: list[tuple[float, int, Path]] = []
        for path in (self.folder / "v1").glob("*/*/*"):
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.name.startswith(".tmp-") and info.st_mtime > time.time() - 3600:
                continue  # another run is writing it
            entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size


def _check(raw: bytes, tool: str, key: str) -> tuple[str, dict[str, Any]]:
    """('', payload) for an entry that agrees with itself, else (why not, {})."""
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not valid JSON ({exc.__class__.__name__}: truncated or corrupted)", {}
    if not isinstance(entry, dict) or entry.get("schema") != SCHEMA:
        return f"another schema ({str(entry.get('schema') if isinstance(entry, dict) else type(entry).__name__)[:40]!r})", {}
    if entry.get("key") != key or entry.get("tool") != tool:
        return "its recorded key or tool is not its address (moved or forged)", {}
    payload = entry.get("payload")
    if not isinstance(payload, dict):
        return "no payload object", {}
    if entry.get("checksum") != checksum(payload):
        return "checksum mismatch (corrupted or edited)", {}
    return "", payload

"""Instrumented copies: each input copied into a private folder, with a canary defect appended.

A tool that reports nothing for a clean file gives no evidence that it read it. Appending a canary
the tool must report (an unused import for pyflakes, a generated AWS key id for detect-secrets, a
deprecated instruction for hadolint) turns silence into evidence: a copy whose canary is missing
from the tool's output was not really scanned. The original lines keep their numbers (the canary
comes after them), copies keep their repository-relative paths under the folder (so the tool's
output names the same paths), and canary findings are removed before anything is reported.
"""

from __future__ import annotations

import secrets
import shutil
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScanError

# Reading more than this of one file for a copy would let a single huge file exhaust memory.
MAX_COPY_BYTES = 64 * 1024 * 1024


def token(length: int = 12, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    """A fresh random token, so a crafted file cannot carry a canary of its own."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Copies:
    """Where the copies are and what was done to them."""

    folder: Path  # run the tool here, with the repository-relative paths as arguments
    files: tuple[str, ...]
    canary_line: dict[str, int] = field(default_factory=dict)  # rel -> line number of its canary
    transcoded: tuple[str, ...] = ()  # not UTF-8: decoded as Latin-1 so the tool really reads them
    binary: tuple[str, ...] = ()  # NUL bytes: not text, not copied


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def make(root: Path, rels: Iterable[str], folder: Path, canary: str | None, *, transcode: bool = False,
         skip_binary: bool = False) -> Copies:
    """Copy each file with ``canary`` appended on its own line, after one blank line (None: plain copies).

    The blank line keeps the canary out of a trailing construct such as a "pragma: allowlist
    nextline" comment. ``transcode`` rewrites non-UTF-8 text as UTF-8 (for tools that skip such
    files silently); ``skip_binary`` leaves out files with NUL bytes (listed in ``binary``).
    """
    copied: list[str] = []
    lines: dict[str, int] = {}
    transcoded: list[str] = []
    binary: list[str] = []
    if folder.exists():
        shutil.rmtree(folder)
    for rel in rels:
        source = root / rel
        try:
            with source.open("rb") as handle:
                data = handle.read(MAX_COPY_BYTES + 1)
        except OSError as exc:
            raise ScanError(f"cannot read {rel} to scan it: {exc.strerror or exc}") from exc
        if len(data) > MAX_COPY_BYTES:
            raise ScanError(f"{rel} is larger than {MAX_COPY_BYTES // (1024 * 1024)} MiB; refusing to scan it")
        if skip_binary and b"\0" in data:
            binary.append(rel)
            continue
        if transcode:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                data = data.decode("latin-1").encode("utf-8")
                transcoded.append(rel)
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if canary is None:
            target.write_bytes(data)
        else:
            if data and not data.endswith(b"\n"):
                data += b"\n"
            lines[rel] = _line_count(data) + 2
            target.write_bytes(data + b"\n" + canary.encode("utf-8") + b"\n")
        copied.append(rel)
    return Copies(folder, tuple(copied), lines, tuple(transcoded), tuple(binary))


def control_file(folder: Path, suffix: str, text: str) -> Path:
    """A harness-owned input with a known defect, handed to the tool beside the real ones.

    It proves the tool really analysed what it was given (a tool that prints a well-formed "clean"
    report without reading anything misses it). Its name is fresh for every run.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"secure_pipeline_canary_{token()}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def confirmed(copies: Copies, reported: Iterable[tuple[str, int]]) -> frozenset[str]:
    """The copies whose canary the tool reported, given (path, line) pairs of canary findings."""
    return frozenset(path for path, line in reported if copies.canary_line.get(path) == line)

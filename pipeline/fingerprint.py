"""Stable fingerprints: the same problem gets the same fingerprint across runs, machines and checkouts.

A fingerprint never contains an absolute path or a bare line number: for code it hashes the tool, the
rule, the repository-relative path and the *content* of the flagged line (whitespace-normalised), so
adding unrelated lines above a finding leaves it unchanged. Web findings hash method, URL path and
parameter; dependency findings hash package, version and advisory. An adapter that knows a better
identity (detect-secrets' hashed secret, say) sets ``Finding.identity``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .model import Finding

SCHEME_VERSION = 1
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


class SourceCache:
    """Reads each source file once per fingerprinting pass (files change between passes)."""

    def __init__(self, aliases: Mapping[Path, Path] | None = None) -> None:
        self._files: dict[Path, tuple[str, ...]] = {}
        # resolved path -> the file whose text stands in for it: PR mode fingerprints a base finding
        # under its head path (a rename keeps its identity) with the base version's line.
        self._aliases = dict(aliases or {})

    def lines(self, path: Path) -> tuple[str, ...]:
        if path not in self._files:
            try:
                source = self._aliases.get(path, path)
                self._files[path] = tuple(source.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                self._files[path] = ()
        return self._files[path]


def line_context(root: Path, rel_path: str, line: int | None, cache: SourceCache | None = None) -> str:
    """The whitespace-normalised text of one source line, or '' when it cannot be read."""
    if not line or line < 1:
        return ""
    lines = (cache or SourceCache()).lines((root / rel_path).resolve())
    if line > len(lines):
        return ""
    return _SPACE.sub(" ", lines[line - 1]).strip()


def _canonical(package: str) -> str:
    """PEP 503 name normalisation: Flask, flask and FLASK are one package."""
    return re.sub(r"[-_.]+", "-", package).lower()


def _web_key(finding: Finding) -> str:
    loc = finding.location
    parts = urlsplit(loc.url or "")
    # Scheme and host differ between a local deployment and staging; the path is the stable part.
    return f"{(loc.method or 'GET').upper()} {parts.path or '/'}?{parts.query} [{loc.param or ''}]"


def identity_of(finding: Finding, root: Path, cache: SourceCache | None = None) -> str:
    """The stable text that identifies this problem, before hashing."""
    loc = finding.location
    explicit = finding.identity
    if explicit:
        where = loc.path or ""
        if loc.package:
            where += f"|{_canonical(loc.package)}=={loc.version or ''}"
        return f"{where}|{explicit}"
    if loc.path:
        context = line_context(root, loc.path, loc.line, cache)
        if not context:
            # No readable source line: fall back to the message with numbers removed, never the line number.
            context = _DIGITS.sub("#", finding.message or finding.title)
        return f"{loc.path}|{context}"
    if loc.url:
        return _web_key(finding)
    if loc.package:
        return f"{_canonical(loc.package)}=={loc.version or ''}"
    return _DIGITS.sub("#", finding.message or finding.title)


def compute(finding: Finding, root: Path, cache: SourceCache | None = None) -> str:
    key = f"v{SCHEME_VERSION}|{finding.tool}|{finding.rule_id}|{identity_of(finding, root, cache)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def assign(findings: list[Finding], root: Path, cache: SourceCache | None = None) -> None:
    """Give every finding that lacks one its fingerprint."""
    cache = cache or SourceCache()
    for finding in findings:
        if not finding.fingerprint:
            finding.fingerprint = compute(finding, root, cache)

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


# Masks a text as the reports will show it (pipeline.redact.Redactor.text): what a fingerprint hashes
# never contains a secret value the reports would not show.
Mask = Callable[[str], str]


def _unmasked(text: str) -> str:
    return text


def _web_key(finding: Finding, mask: Mask) -> str:
    loc = finding.location
    # As the redactor masks them: a URL's query or a parameter name can carry a token.
    url = mask(loc.url or "") or None
    param = mask(loc.param or "") or None
    parts = urlsplit(url or "")
    # Scheme and host differ between a local deployment and staging; the path is the stable part.
    return f"{(loc.method or 'GET').upper()} {parts.path or '/'}?{parts.query} [{param or ''}]"


def identity_of(finding: Finding, root: Path, cache: SourceCache | None = None, mask: Mask = _unmasked) -> str:
    """The stable text that identifies this problem, before hashing.

    Its texts from the tool (the adapter's identity, the message, the URL) are taken masked; the
    source line is read from the tree as it is (it is only ever hashed, never shown).
    """
    loc = finding.location
    explicit = mask(finding.identity)
    if explicit:
        where = loc.path or ""
        if loc.package:
            where += f"|{_canonical(loc.package)}=={loc.version or ''}"
        return f"{where}|{explicit}"
    if loc.path:
        context = line_context(root, loc.path, loc.line, cache)
        if not context:
            # No readable source line: fall back to the message with numbers removed, never the line number.
            context = _DIGITS.sub("#", mask(finding.message) or mask(finding.title))
        return f"{loc.path}|{context}"
    if loc.url:
        return _web_key(finding, mask)
    if loc.package:
        return f"{_canonical(loc.package)}=={loc.version or ''}"
    return _DIGITS.sub("#", mask(finding.message) or mask(finding.title))


@dataclass(frozen=True)
class Key:
    """What a fingerprint hashes: the tool and rule it is counted under, and the problem's identity."""

    tool: str
    rule_id: str
    identity: str


# The (tool, rule) a stage counts a finding under instead of its own, or None (pipeline/stage.py).
Scope = Callable[[Finding], tuple[str, str] | None]


def key_of(finding: Finding, root: Path, cache: SourceCache | None = None, mask: Mask = _unmasked,
           scope: Scope | None = None) -> Key:
    tool, rule_id = (scope(finding) if scope else None) or (finding.tool, finding.rule_id)
    return Key(tool, rule_id, identity_of(finding, root, cache, mask))


def digest(key: Key) -> str:
    text = f"v{SCHEME_VERSION}|{key.tool}|{key.rule_id}|{key.identity}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def compute(finding: Finding, root: Path, cache: SourceCache | None = None, mask: Mask = _unmasked,
            scope: Scope | None = None) -> str:
    """The fingerprint of one finding (pipeline/finding_pipeline.py gives every finding its own)."""
    return digest(key_of(finding, root, cache, mask, scope))

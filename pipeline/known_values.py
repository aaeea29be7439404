"""Values that look random but are known not to be secrets, recognised by their syntactic context.

detect-secrets' entropy detectors flag any quoted string that looks random enough: an Alembic
revision id, a Subresource Integrity hash in a template, the content hash of a lock file. Each of
these is recognised here by *where* it stands (the module-level ``revision``/``down_revision``
assignment of an Alembic revision file parsed with :mod:`ast`; an ``integrity`` attribute of an
HTML tag; a hash-named key of a parsed lock file) and by having exactly the shape that position
requires (twelve hex digits; ``shaNNN-`` and a base64 digest of that algorithm's length; ``algo:hex``
of the algorithm's length). A flagged value is dropped only when detect-secrets' hash of what it
flagged equals the hash of such a value, so another secret on the same line is still reported.
"""

from __future__ import annotations

import ast
import base64
import binascii
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

ALEMBIC = "Alembic revision id"
SRI = "SRI hash"
LOCK = "lock-file hash"
_PLURALS = {ALEMBIC: "Alembic revision ids", SRI: "SRI hashes", LOCK: "lock-file hashes"}

# Digest sizes in bytes: what an SRI token or an `algo:hex` hash of each algorithm must decode to.
_DIGEST_BYTES = {"md5": 16, "sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}
_SRI_ALGORITHMS = ("sha256", "sha384", "sha512")  # the only ones the SRI specification allows
# Alembic's generated ids are uuid4().hex[-12:]; a custom --rev-id is not assumed to be harmless.
_ALEMBIC_ID = re.compile(r"[0-9a-f]{12}")
_ALEMBIC_TARGETS = ("revision", "down_revision")
_HEX = re.compile(r"[0-9a-fA-F]+")
TEMPLATE_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".jinja", ".jinja2", ".j2", ".djhtml"})
JSON_LOCKS = frozenset({"package-lock.json", "npm-shrinkwrap.json", "Pipfile.lock", "composer.lock",
                        "packages.lock.json", "Brewfile.lock.json"})
TOML_LOCKS = frozenset({"poetry.lock", "uv.lock", "Cargo.lock", "pdm.lock", "pylock.toml"})
# Keys under which lock files record digests (npm, pipenv, poetry, uv, cargo, composer, nuget, pdm).
_HASH_KEYS = frozenset({"hash", "hashes", "integrity", "checksum", "content-hash", "content_hash", "contentHash",
                        "shasum", *_DIGEST_BYTES})


@dataclass(frozen=True)
class KnownValue:
    kind: str  # ALEMBIC, SRI or LOCK: what the value is, for the report's note
    value: str
    line: int | None  # where it stands; None for formats parsed without positions (anywhere in the file)


def known_values(rel: str, text: str) -> list[KnownValue]:
    """The known non-secret values in one file, given its repository-relative path and its text."""
    path = PurePosixPath(rel)
    if path.suffix == ".py" and "down_revision" in text:
        return list(_alembic_ids(text))
    if path.suffix.lower() in TEMPLATE_SUFFIXES and "integrity" in text:
        return _sri_hashes(text)
    if path.name in JSON_LOCKS or path.name in TOML_LOCKS:
        return list(_lock_hashes(path.name, text))
    return []


def counted(kind: str, count: int) -> str:
    """'3 Alembic revision ids', '1 SRI hash'."""
    return f"{count} {kind}" if count == 1 else f"{count} {_PLURALS[kind]}"


def matching_kind(values: list[KnownValue], line: int, hashed_secret: str) -> str:
    """The kind of known value detect-secrets flagged at ``line`` with ``hashed_secret`` ('' when none).

    detect-secrets' hashed_secret is the SHA-1 of the string it flagged: it identifies the value.
    """
    for known in values:
        if known.line in (None, line) and _sha1(known.value) == hashed_secret:
            return known.kind
    return ""


def _sha1(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def _alembic_ids(text: str) -> Iterator[KnownValue]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    assigned: dict[str, ast.expr] = {}
    has_upgrade = False
    for node in tree.body:  # module level only: an Alembic revision file's identifiers are there
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            assigned[node.target.id] = node.value  # newer templates: `revision: str = "..."`
        elif isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            has_upgrade = True
    if not has_upgrade or not all(name in assigned for name in _ALEMBIC_TARGETS):
        return
    for name in _ALEMBIC_TARGETS:
        value = assigned[name]
        # down_revision of a merge revision is a tuple of ids.
        constants = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        for constant in constants:
            if (isinstance(constant, ast.Constant) and isinstance(constant.value, str)
                    and _ALEMBIC_ID.fullmatch(constant.value)):
                yield KnownValue(ALEMBIC, constant.value, constant.lineno)


def is_sri(value: str) -> bool:
    """An integrity attribute's value: one or more `shaNNN-<base64 digest>` tokens (options after '?')."""
    tokens = value.split()
    return bool(tokens) and all(_is_sri_token(token) for token in tokens)


def _is_sri_token(token: str) -> bool:
    algorithm, dash, digest = token.partition("?")[0].partition("-")
    if not dash or algorithm not in _SRI_ALGORITHMS:
        return False
    try:
        decoded = base64.b64decode(digest, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(decoded) == _DIGEST_BYTES[algorithm] and len(digest) == 4 * ((len(decoded) + 2) // 3)


class _IntegrityAttributes(HTMLParser):
    """Collects the valid SRI values of `integrity` attributes, each with the line it stands on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[KnownValue] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        first_line = self.getpos()[0]
        for name, value in attrs:
            if name != "integrity" or value is None or not is_sri(value):
                continue
            offset = raw.find(value)
            line = first_line + raw.count("\n", 0, offset) if offset >= 0 else first_line
            self.found.append(KnownValue(SRI, value, line))
            # With several tokens detect-secrets flags each quoted run, never the whole value.
            self.found.extend(KnownValue(SRI, token, line) for token in value.split() if token != value)

    handle_startendtag = handle_starttag


def _sri_hashes(text: str) -> list[KnownValue]:
    parser = _IntegrityAttributes()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError, RecursionError):  # html.parser on malformed markup
        pass
    return parser.found


def is_digest(value: str) -> bool:
    """`algo:hex` or an SRI token of the algorithm's exact length, or bare hex of a digest's length."""
    algorithm, colon, digest = value.partition(":")
    if colon:
        size = _DIGEST_BYTES.get(algorithm.lower())
        return size is not None and len(digest) == 2 * size and bool(_HEX.fullmatch(digest))
    if _is_sri_token(value):
        return True
    return len(value) in {2 * size for size in _DIGEST_BYTES.values()} and bool(_HEX.fullmatch(value))


def _lock_hashes(name: str, text: str) -> Iterator[KnownValue]:
    try:
        data: Any = json.loads(text) if name in JSON_LOCKS else tomllib.loads(text)
    except (ValueError, RecursionError):  # tomllib.TOMLDecodeError and json's errors are ValueErrors
        return
    for value in _values_under_hash_keys(data):
        if is_digest(value):
            yield KnownValue(LOCK, value, None)
            if ":" in value:  # in files read unquoted detect-secrets may flag the digest alone
                yield KnownValue(LOCK, value.partition(":")[2], None)


def _values_under_hash_keys(node: Any) -> Iterator[str]:
    """Every string value stored under a hash-named key (directly, in a list, or in a digest table)."""
    stack: list[tuple[Any, bool]] = [(node, False)]  # iterative: a hostile lock file may nest deeply
    while stack:
        item, under_hash_key = stack.pop()
        if isinstance(item, dict):
            # Not inherited through tables: only a digest table's own keys (sha256, ...) are hash-named.
            stack.extend((value, key in _HASH_KEYS) for key, value in item.items())
        elif isinstance(item, list):
            stack.extend((value, under_hash_key) for value in item)
        elif isinstance(item, str) and under_hash_key:
            yield item

"""Removes secret values from any text that reaches a report or a log.

Scanners echo what they find: bandit's B105 message quotes the password, its ``code`` field holds
the source line, ZAP evidence can hold a token. Every text field of every finding and every stderr
tail passes through :func:`redact` before it is stored, so no reporter has to remember to.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

MASK = "[REDACTED]"

_PATTERNS: tuple[re.Pattern[str], ...] = (  # each match is replaced by MASK
    # PEM private keys, whole block (or to the end of the text when the block is cut).
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)", re.S),
    re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),  # GitLab
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}\b"),  # Slack
    re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"),  # Stripe
    re.compile(r"\bsk-[A-Za-z0-9_\-]{20,}\b"),  # OpenAI-style keys
    re.compile(r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}\b"),  # SendGrid
    re.compile(r"\bpypi-[A-Za-z0-9_\-]{50,}\b"),
    re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\b"),  # JWT
)
# Patterns whose first group is kept and whose last group is masked.
_KEEP_PREFIX: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)\b((?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=)([^;&\s\"']+)"),
    re.compile(r"(?i)(://[^/\s:@]+:)([^@\s/]+)(?=@)"),  # user:password@host in URLs
)
# key = "value", key: "value", key=value: keep the key, mask the value. An unquoted value after a
# colon must contain a digit, so prose such as "Potential secret: Secret Keyword" survives.
_CREDENTIAL_KEY = (
    r"(?i)\b([A-Za-z0-9_\-]*(?:passw(?:or)?d|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|"  # pragma: allowlist secret
    r"private[_\-]?key|credential|auth)[A-Za-z0-9_\-]*[\"']?\s*"
)
_ASSIGNMENT = re.compile(_CREDENTIAL_KEY + r"(?:=|=>)\s*)([\"']?)(?!\[REDACTED\])([^\"'\s,;)}\]]{3,})(\2)")
_COLON_QUOTED = re.compile(_CREDENTIAL_KEY + r":\s*)([\"'])(?!\[REDACTED\])([^\"']{3,})(\2)")
_COLON_BARE = re.compile(_CREDENTIAL_KEY + r":\s*)()(?!\[REDACTED\])(?=[^\s,;]*\d)([^\"'\s,;)}\]]{3,})()")
# Bandit's hardcoded-password messages: "Possible hardcoded password: 'value'".  # pragma: allowlist secret
_QUOTED_AFTER_COLON = re.compile(r"(?i)(hardcoded password:?\s*)(['\"]).*?\2")
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_\-]{32,}")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


_PATH_SEGMENT = re.compile(r"[a-z_]{3,}")


def _looks_like_path(token: str) -> bool:
    """tests/deps/fixtures/PYSEC-2023-192 is a path, not a key: it has plain lowercase words between slashes."""
    segments = token.split("/")
    return len(segments) > 1 and any(_PATH_SEGMENT.fullmatch(seg) for seg in segments)


def _mask_high_entropy(match: re.Match[str]) -> str:
    token = match.group(0)
    if _looks_like_path(token):
        return token
    # Long, random-looking strings are keys; hex digests of 40/64 chars are commit ids and hashes we print on purpose.
    if re.fullmatch(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}", token):
        return token
    return MASK if _entropy(token) >= 4.2 else token


def redact(text: str) -> str:
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    for pattern in _KEEP_PREFIX:
        text = pattern.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _QUOTED_AFTER_COLON.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    for pattern in (_ASSIGNMENT, _COLON_QUOTED, _COLON_BARE):
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(4)}", text)
    return _TOKENISH.sub(_mask_high_entropy, text)


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v) for v in value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value

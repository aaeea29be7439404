"""Severity of an advisory: the CVSS v3 base score computed from its vector, else the database's rating.

CVSS v3.0/v3.1 base scores are computed here from the vector (the formula in the CVSS v3.1
specification, section 7.1), because OSV records carry only vectors. CVSS v2 and v4 vectors are not
scored (v4 needs the full macro-vector lookup table); those records fall back to
``database_specific.severity`` (GitHub's LOW/MODERATE/HIGH/CRITICAL), and a record with neither has
no severity here: the caller applies its documented default.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Severity

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}
_REQUIRED = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")
_DATABASE_WORDS = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM,
                   "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}


class BadVector(ValueError):
    """A CVSS v3 vector that is malformed or lacks a base metric."""


def _roundup(value: float) -> float:
    """CVSS v3.1 Roundup: the smallest one-decimal number >= value, immune to float noise."""
    scaled = round(value * 100000)
    if scaled % 10000 == 0:
        return scaled / 100000.0
    return (math.floor(scaled / 10000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float:
    parts = vector.strip().split("/")
    if not parts or not parts[0].startswith("CVSS:3."):
        raise BadVector(f"{vector!r} is not a CVSS v3 vector")
    metrics: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if not sep:
            raise BadVector(f"{vector!r}: {part!r} is not METRIC:VALUE")
        metrics[key] = value
    missing = [m for m in _REQUIRED if m not in metrics]
    if missing:
        raise BadVector(f"{vector!r} lacks base metric(s) {', '.join(missing)}")
    try:
        changed = {"U": False, "C": True}[metrics["S"]]
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[metrics["PR"]]
        exploitability = 8.22 * _AV[metrics["AV"]] * _AC[metrics["AC"]] * pr * _UI[metrics["UI"]]
        iss = 1 - (1 - _CIA[metrics["C"]]) * (1 - _CIA[metrics["I"]]) * (1 - _CIA[metrics["A"]])
    except KeyError as exc:
        raise BadVector(f"{vector!r}: unknown value for metric {exc}") from exc
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return 0.0
    total = impact + exploitability
    return _roundup(min(1.08 * total if changed else total, 10.0))


def severity_of_score(score: float) -> Severity:
    """CVSS qualitative rating: 0 none (info here), <4 low, <7 medium, <9 high, else critical."""
    if score == 0:
        return Severity.INFO
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0:
        return Severity.HIGH
    return Severity.CRITICAL


@dataclass(frozen=True)
class Rating:
    severity: Severity
    source: str  # "CVSS:3.1/... = 7.5" or "database_specific.severity HIGH"
    score: float | None = None


def rate_record(record: Mapping[str, Any]) -> Rating | None:
    """The record's own severity: CVSS v3 first, then the database's word; None when it has neither."""
    for item in record.get("severity") or ():
        if str(item.get("type", "")) == "CVSS_V3":
            vector = str(item.get("score", ""))
            try:
                score = cvss3_base_score(vector)
            except BadVector:
                continue
            return Rating(severity_of_score(score), f"{vector} = {score:.1f}", score)
    word = str((record.get("database_specific") or {}).get("severity") or "").upper()
    if word in _DATABASE_WORDS:
        return Rating(_DATABASE_WORDS[word], f"database_specific.severity {word}")
    return None


def highest(ratings: Iterable[Rating | None]) -> Rating | None:
    best: Rating | None = None
    for rating in ratings:
        if rating is not None and (best is None or rating.severity > best.severity):
            best = rating
    return best

"""The one suppressions file: each entry matches by rule and/or fingerprint and/or path, and must say
who owns it, why, and until when. An expired entry stops suppressing; one that matches nothing is stale.

    # .secure-pipeline/suppressions.toml
    [[suppress]]
    tool = "bandit"                 # optional
    rule = "B101"                   # optional: the tool's rule id or name (B101, W0611, unused-import)
    path = "tests/**"               # optional: glob on the repo-relative path (or the URL for web findings)
    fingerprint = "3f2a..."         # optional: exactly one finding
    owner = "appsec@example.com"    # required
    reason = "asserts are how pytest works"   # required
    expires = 2027-03-31            # required (TOML date)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, read_toml
from .files import glob_match
from .model import Finding

MATCH_KEYS = ("tool", "rule", "path", "fingerprint")
REQUIRED_KEYS = ("owner", "reason", "expires")


@dataclass(frozen=True)
class Suppression:
    index: int  # 1-based position in the file, for messages
    owner: str
    reason: str
    expires: dt.date
    tool: str = ""
    rule: str = ""
    path: str = ""
    fingerprint: str = ""

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint and finding.fingerprint != self.fingerprint:
            return False
        if self.tool and self.tool not in finding.found_by and self.tool != finding.tool:
            return False
        if self.rule and self.rule not in (finding.rule_id, finding.rule_name):
            return False
        if self.path:
            target = finding.location.path or finding.location.url or finding.location.package or ""
            if not glob_match(target, self.path):
                return False
        return True

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def describe(self) -> str:
        what = ", ".join(f"{k}={getattr(self, k)}" for k in MATCH_KEYS if getattr(self, k))
        return f"#{self.index} ({what}; owner {self.owner}; expires {self.expires.isoformat()})"

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("index", "owner", "reason", *MATCH_KEYS) if getattr(self, k)}
        data["expires"] = self.expires.isoformat()
        return data


def _entry(path: Path, index: int, raw: Any) -> Suppression:
    where = f"{path}: suppression #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = set(raw) - set(MATCH_KEYS) - set(REQUIRED_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(MATCH_KEYS + REQUIRED_KEYS)})")
    for key in REQUIRED_KEYS:
        if key not in raw or raw[key] in ("", None):
            raise ConfigError(f"{where}: {key}: required")
    if not any(raw.get(k) for k in ("rule", "path", "fingerprint")):
        raise ConfigError(f"{where}: needs at least one of rule, path or fingerprint")
    for key in (*MATCH_KEYS, "owner", "reason"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"{where}: {key}: expected a string, got {raw[key]!r}")
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError as exc:
            raise ConfigError(f"{where}: expires: {raw['expires']!r} is not a date like 2027-01-31") from exc
    if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
        raise ConfigError(f"{where}: expires: expected a date like 2027-01-31, got {raw['expires']!r}")
    return Suppression(
        index=index, owner=raw["owner"].strip(), reason=raw["reason"].strip(), expires=expires,
        tool=raw.get("tool", ""), rule=raw.get("rule", ""), path=raw.get("path", ""), fingerprint=raw.get("fingerprint", ""),
    )


def load(path: Path) -> list[Suppression]:
    """Read the suppressions file; a missing file means no suppressions."""
    if not path.exists():
        return []
    data = read_toml(path)
    unknown = set(data) - {"suppress"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} (entries go in [[suppress]] tables)")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: suppress: expected [[suppress]] tables")
    return [_entry(path, i, raw) for i, raw in enumerate(entries, start=1)]

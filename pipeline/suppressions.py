"""The one suppressions file: each entry matches by rule and/or fingerprint and/or path, and must say
who owns it, why, and until when. An expired entry stops suppressing; one that matches nothing is stale.

Rejected always (a configuration error, exit 3, naming the file and the entry): a blank owner or
reason, an entry without rule or fingerprint whose path matches everything (``*``, ``**``), and an
expiry further than ``max_suppression_days`` (default 180) from today.

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

from .errors import ConfigError
from .files import glob_match, read_toml
from .model import Finding
from .options import GlobalSettings

MATCH_KEYS = ("tool", "rule", "path", "fingerprint")
REQUIRED_KEYS = ("owner", "reason", "expires")
DEFAULT_MAX_DAYS = GlobalSettings().max_suppression_days  # the declared default, read once
# Targets of very different kinds (code, dot-folders, URLs, packages): a path glob matching them all
# matches every finding, so without a rule or fingerprint its entry would suppress everything.
_PROBES = ("x", "app/views.py", "a/b/c/d.txt", ".github/workflows/ci.yml", "https://example.invalid/p?q=1", "requests")


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


def matches_everything(path_glob: str) -> bool:
    """True for ``*``, ``**``, ``**/*`` and any other glob that matches every kind of target."""
    pattern = path_glob.strip()
    # Nested paths are nearly every finding, so a glob that matches all of them counts (``**/*``).
    return bool(pattern) and all(glob_match(probe, pattern) for probe in _PROBES if "/" in probe)


def _entry(path: Path, index: int, raw: Any, today: dt.date, max_days: int) -> Suppression:
    where = f"{path}: suppression #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = set(raw) - set(MATCH_KEYS) - set(REQUIRED_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(MATCH_KEYS + REQUIRED_KEYS)})")
    for key in REQUIRED_KEYS:
        if key not in raw or raw[key] in ("", None):
            raise ConfigError(f"{where}: {key}: required")
    for key in (*MATCH_KEYS, "owner", "reason"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"{where}: {key}: expected a string, got {raw[key]!r}")
    for key in ("owner", "reason"):
        if not raw[key].strip():
            raise ConfigError(f"{where}: {key}: must not be blank (say who owns it and why)")
    if not any(str(raw.get(k) or "").strip() for k in ("rule", "path", "fingerprint")):
        raise ConfigError(f"{where}: needs at least one of rule, path or fingerprint")
    if not str(raw.get("rule") or "").strip() and not str(raw.get("fingerprint") or "").strip() \
            and matches_everything(str(raw.get("path") or "")):
        raise ConfigError(f"{where}: path {raw['path']!r} without a rule or fingerprint matches every finding; "
                          "name the rule (or the fingerprint) it is for")
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError as exc:
            raise ConfigError(f"{where}: expires: {raw['expires']!r} is not a date like 2027-01-31") from exc
    if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
        raise ConfigError(f"{where}: expires: expected a date like 2027-01-31, got {raw['expires']!r}")
    latest = today + dt.timedelta(days=max_days)
    if expires > latest:
        raise ConfigError(f"{where}: expires: {expires.isoformat()} is more than max_suppression_days ({max_days}) "
                          f"from today; the latest allowed is {latest.isoformat()}")
    return Suppression(
        index=index, owner=raw["owner"].strip(), reason=raw["reason"].strip(), expires=expires,
        tool=raw.get("tool", ""), rule=raw.get("rule", ""), path=raw.get("path", ""), fingerprint=raw.get("fingerprint", ""),
    )


def load(path: Path, today: dt.date | None = None, max_days: int = DEFAULT_MAX_DAYS) -> list[Suppression]:
    """Read the suppressions file; a missing file means no suppressions."""
    if not path.exists():
        return []
    return parse(read_toml(path), path, today, max_days)


def parse(data: dict[str, Any], path: Path, today: dt.date | None = None, max_days: int = DEFAULT_MAX_DAYS) -> list[Suppression]:
    """The entries of an already read suppressions file (``path`` names it in messages)."""
    today = today or dt.date.today()
    unknown = set(data) - {"suppress"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} (entries go in [[suppress]] tables)")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: suppress: expected [[suppress]] tables")
    return [_entry(path, i, raw, today, max_days) for i, raw in enumerate(entries, start=1)]

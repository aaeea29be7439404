"""Turning an advisory hit (a package version plus the ids a tool reported) into a Finding.

Shared by every dependency scanner so pip-audit's and safety's findings look alike and merge:
the same canonical id, the same identity (so fingerprints do not depend on which tool reported
first or on pip-audit's unordered aliases), the same severity rules and the same fix hint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from packaging.version import InvalidVersion, Version

from ..model import Acceptance, Confidence, Disposition, Finding, Location, Severity
from .severity import Rating

# The most widely shared id first: CVE is what every source (OSV, GitHub, safety) carries.
_ID_PRIORITY = ("CVE-", "GHSA-", "PYSEC-", "OSV-")


def sorted_ids(ids: Iterable[str]) -> list[str]:
    unique = {str(i).strip() for i in ids if str(i).strip()}

    def rank(advisory_id: str) -> tuple[int, str]:
        for index, prefix in enumerate(_ID_PRIORITY):
            if advisory_id.upper().startswith(prefix):
                return (index, advisory_id.upper())
        return (len(_ID_PRIORITY), advisory_id.upper())

    return sorted(unique, key=rank)


def canonical_id(ids: Iterable[str]) -> str:
    """One id for a vulnerability that does not depend on which source or alias order reported it."""
    ordered = sorted_ids(ids)
    return ordered[0] if ordered else "UNKNOWN"


def advisory_url(ids: Iterable[str]) -> str:
    ordered = sorted_ids(ids)
    for advisory_id in ordered:
        if advisory_id.startswith("GHSA-"):
            return f"https://github.com/advisories/{advisory_id}"
    for advisory_id in ordered:
        if advisory_id.startswith(("PYSEC-", "OSV-", "MAL-")):
            return f"https://osv.dev/vulnerability/{advisory_id}"
    for advisory_id in ordered:
        if advisory_id.startswith("CVE-"):
            return f"https://nvd.nist.gov/vuln/detail/{advisory_id}"
    return ""


def version_key(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def sort_versions(versions: Iterable[str]) -> list[str]:
    unique = {str(v) for v in versions if str(v).strip()}
    return sorted(unique, key=lambda v: (version_key(v) is None, version_key(v) or Version("0"), v))


def needed_upgrade(current: str, fixes: Iterable[str]) -> str | None:
    """The smallest fixed version above ``current`` (None when there is none)."""
    now = version_key(current)
    candidates = [v for v in sort_versions(fixes) if (key := version_key(v)) is not None and (now is None or key > now)]
    return candidates[0] if candidates else None


def dependency_finding(
    *,
    tool: str,
    package: str,
    version: str,
    ids: Iterable[str],
    summary: str,
    fixed_versions: Iterable[str],
    rating: Rating | None,
    unknown_severity: Severity,
    path: str | None,
    line: int | None,
    origins: list[str],
    extra: dict[str, Any] | None = None,
) -> Finding:
    all_ids = sorted_ids(ids)
    primary = canonical_id(all_ids)
    fixes = sort_versions(fixed_versions)
    severity = rating.severity if rating else unknown_severity
    properties: dict[str, Any] = {
        "ids": all_ids,
        "aliases": [i for i in all_ids if i != primary],
        "fixed_versions": fixes,
        "sources": origins,
        "severity_source": rating.source if rating else f"unknown (default {unknown_severity.label})",
        "package": package,
        "installed_version": version,
    }
    extra = dict(extra or {})
    ignored = extra.pop("suppressed_by", None)  # the tool's own policy ignores it (safety's)
    properties.update(extra)
    fix = needed_upgrade(version, fixes)
    return Finding(
        tool=tool,
        rule_id=primary,
        rule_name=primary,
        title=f"{package} {version}: {primary}",
        severity=severity,
        tool_severity=rating.source if rating else "",
        confidence=Confidence.HIGH,
        location=Location(path=path, line=line, package=package, version=version),
        message=summary or f"{package} {version} is affected by {primary}",
        help_uri=advisory_url(all_ids),
        fix_hint=f"Upgrade {package} to {fix} or later" if fix else f"No fixed release of {package} is known for {primary}",
        properties=properties,
        identity=f"{package}=={version}|{primary}",
        accepted_by=Acceptance(Disposition.SUPPRESSED, str(ignored)) if ignored else None,
    )

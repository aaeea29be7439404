"""The deps stage: known-vulnerable dependencies, from pip-audit and safety merged into one answer.

Merging: findings about the same package version whose advisory ids or aliases overlap (CVE, GHSA,
PYSEC, safety's ids) are one vulnerability. The merged finding lists every tool in ``found_by``,
every id, the union of fixed versions, the highest severity, and a fix hint naming the smallest
upgrade that clears *all* of that package version's vulnerabilities. Its fingerprint hashes package,
version and the canonical id under the stage's name (``fingerprint_scope``), so it does not depend on
which tool reported it or on the order pip-audit printed aliases in.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from packaging.version import Version

from ..advisories.findings import advisory_url, canonical_id, needed_upgrade, sort_versions, sorted_ids, version_key
from ..model import Finding
from ..options import StageSettings, override, setting
from ..stage import StageSpec

# The order tools are listed in found_by; the first is the merged finding's `tool`.
_TOOL_ORDER = ("pip-audit", "safety")


def _tool_rank(finding: Finding) -> int:
    return _TOOL_ORDER.index(finding.tool) if finding.tool in _TOOL_ORDER else len(_TOOL_ORDER)


def _groups(findings: list[Finding]) -> list[list[Finding]]:
    """Connected components of findings sharing an id (same package and version only)."""
    parent = list(range(len(findings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str, str], int] = {}
    for index, finding in enumerate(findings):
        loc = finding.location
        for advisory_id in finding.properties.get("ids") or [finding.rule_id]:
            key = (loc.package or "", loc.version or "", advisory_id.upper())
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index
    components: dict[int, list[Finding]] = {}
    for index, finding in enumerate(findings):
        components.setdefault(root(index), []).append(finding)
    return list(components.values())


def _combine(group: list[Finding]) -> Finding:
    group = sorted(group, key=lambda f: (_tool_rank(f), f.rule_id))
    primary = group[0]
    ids = sorted_ids(i for f in group for i in (f.properties.get("ids") or [f.rule_id]))
    canonical = canonical_id(ids)
    fixes = sort_versions(v for f in group for v in f.properties.get("fixed_versions") or [])
    strongest = max(group, key=lambda f: f.severity)
    properties = dict(primary.properties)
    for other in group[1:]:
        for key, value in other.properties.items():
            properties.setdefault(key, value)
    loc = primary.location
    properties.update({
        "ids": ids,
        "aliases": [i for i in ids if i != canonical],
        "fixed_versions": fixes,
        "sources": sorted({s for f in group for s in f.properties.get("sources") or []}),
        "severity_source": strongest.properties.get("severity_source", ""),
        "found_by_ids": {f.tool: f.rule_id for f in group},
    })
    found_by: list[str] = []
    for finding in group:
        for tool in finding.found_by or (finding.tool,):
            if tool not in found_by:
                found_by.append(tool)
    return dataclasses.replace(
        primary, rule_id=canonical, rule_name=canonical,
        title=primary.title.replace(primary.rule_id, canonical, 1),
        severity=strongest.severity, tool_severity=strongest.tool_severity,
        help_uri=advisory_url(ids) or primary.help_uri, found_by=tuple(found_by), properties=properties,
        identity=f"{loc.package}=={loc.version}|{canonical}",
        accepted_by=next((f.accepted_by for f in group if f.accepted_by is not None), None),
    )


def _with_fix_hints(findings: list[Finding]) -> list[Finding]:
    """One hint per package version: the smallest upgrade clearing every vulnerability found in it."""
    by_package: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_package.setdefault((finding.location.package or "", finding.location.version or ""), []).append(finding)
    hinted: dict[int, Finding] = {}
    for (package, version), group in by_package.items():
        unfixed = [f.rule_id for f in group if needed_upgrade(version, f.properties.get("fixed_versions") or []) is None]
        needs = [needed_upgrade(version, f.properties.get("fixed_versions") or []) for f in group]
        checked = [f.properties["clears_all"] for f in group if f.properties.get("clears_all")]
        candidates = [v for v in [*needs, *checked] if v]
        target = max(candidates, key=Version) if candidates else None  # fix versions: each one parses
        count = len(group)
        if unfixed:
            hint = (f"No fixed release of {package} is known for {', '.join(sorted(unfixed))}: replace or "
                    f"remove it" + (f"; upgrading to {target} clears the others" if target else ""))
        else:
            hint = (f"Upgrade {package} {version} to {target} or later: the smallest release that clears "
                    f"all {count} known vulnerabilit{'y' if count == 1 else 'ies'} found in it")
        for finding in group:
            hinted[id(finding)] = dataclasses.replace(
                finding, fix_hint=hint, properties={**finding.properties, "upgrade_to": target})
    return [hinted[id(f)] for f in findings]


def merge(findings: list[Finding]) -> list[Finding]:
    dependency = [f for f in findings if f.location.package]
    others = [f for f in findings if not f.location.package]
    merged = [_combine(group) if len(group) > 1 else group[0] for group in _groups(dependency)]
    # A vulnerability's identity must not depend on which tool saw it first.
    merged = [dataclasses.replace(f, identity=(f"{f.location.package}=={f.location.version}|"
                                               f"{canonical_id(f.properties.get('ids') or [f.rule_id])}"))
              for f in merged]
    merged = _with_fix_hints(merged)
    merged.sort(key=lambda f: (f.location.package or "", version_key(f.location.version or "") is None, f.rule_id))
    return merged + others


def fingerprint_scope(finding: Finding) -> tuple[str, str] | None:
    """Every tool's report of one vulnerability is one problem: counted under the stage, not the tool."""
    return (SPEC.name, "dependency") if finding.location.package else None


@dataclass(frozen=True)
class DepsSettings(StageSettings):
    """The deps stage: where the dependencies and the advisory data come from."""

    # Any known vulnerability in a pinned dependency fails the gate: unlike a lint message, a published
    # advisory is a confirmed problem, and its fix is usually a version bump.
    fail_severity: str = override(StageSettings, "fail_severity", "low")
    timeout: float = override(StageSettings, "timeout", 300.0)
    sources: tuple[str, ...] = setting(
        ("auto",),
        "Dependency sources: requirements/constraints files, lock files (uv.lock, poetry.lock, pylock.toml), "
        "pyproject.toml, `env:` (the harness's Python environment) or `env:/path/to/python`. `auto` finds "
        "requirements*.txt, requirements/*.txt, constraints*.txt, requirements*.lock, *.lock.txt, pylock*.toml, "
        "uv.lock, poetry.lock and pyproject.toml in the scanned tree. A listed source that does not exist is an error.")
    offline: bool = setting(
        False, "No network: audit against the local advisory database (`advisory_db`, else the synced cache); "
               "safety runs only with `safety_db`.")
    advisory_db: str = setting(
        "", "Folder or zip of OSV records (OSV PyPI export or PyPA advisory-database layout, JSON or YAML). When set "
            "(or when offline), pip-audit audits against it through a loopback OSV endpoint. A trusted setting: "
            "only from the command line (`--advisory-db PATH`) or the harness's SECURE_PIPELINE_ADVISORY_DB; set in "
            "the scanned repository's pyproject.toml it is a configuration error. It must hold the canary advisories "
            "(flask 0.12 CVE-2018-1000656, requests 2.19.0 CVE-2018-18074), proof that it is a real PyPI database.")
    max_advisory_age_days: int = setting(
        7, "A local advisory database whose newest record is older than this is named in a warning note.")
    unknown_severity: str = setting(
        "high", "Severity of a vulnerability whose advisory has no CVSS v3 vector and no database severity (most PYSEC "
                "records); high so that raising fail_severity never quietly passes an unrated vulnerability.",
        kind="severity")


SPEC = StageSpec(
    name="deps",
    description="Known-vulnerable dependencies: pip-audit and safety, merged by advisory id and alias.",
    settings=DepsSettings,
    merge=merge,
    fingerprint_scope=fingerprint_scope,
)

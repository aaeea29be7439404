"""OSV version matching for the PyPI ecosystem, exactly as the OSV schema describes it.

An ``affected`` entry matches a version when the version is in its explicit ``versions`` list or
inside one of its ECOSYSTEM ranges. A range is evaluated by walking its events in PEP 440 order:
``introduced`` turns "affected" on, ``fixed`` turns it off at that version, ``last_affected`` turns
it off just after that version, and ``limit`` events bound the whole range from above. GIT and
SEMVER ranges say nothing about PyPI release numbers and are ignored (the OSV spec leaves their
evaluation to tools that know the repository).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

_SEPARATORS = re.compile(r"[-_.]+")
_ZERO = Version("0")


class BadRange(ValueError):
    """A range event whose version PEP 440 cannot order: the record cannot be evaluated safely."""


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``Flask``, ``flask`` and ``FLASK`` are one project, as are ``flask_x`` and ``flask-x``."""
    return _SEPARATORS.sub("-", name).lower()


def parse_version(text: str) -> Version:
    try:
        return Version(str(text))
    except InvalidVersion as exc:
        raise BadRange(f"{text!r} is not a PEP 440 version") from exc


def _event_version(kind: str, value: str) -> Version:
    # "introduced: 0" means "from the very first release", which sorts before every real version.
    if kind == "introduced" and str(value) == "0":
        return _ZERO
    return parse_version(value)


# The order of events at one version. The schema says "sorted(range.events)" without ranking ties, and
# real records tie: PyPA writes one range as introduced/fixed pairs in any order, so "fixed 3.2.0" (end
# of 3.1.1..3.2.0) and "introduced 3.2.0" (start of 3.2.0..3.2.2) meet. A fix at X closes the interval
# *before* X, so it is applied first and the introduction at X then opens the next one: applying the
# introduction first would drop every version of the later interval (pyspark 3.2.0 and 3.2.1 for
# PYSEC-2023-72). `last_affected X` ends an interval *after* X, so it comes last.
_TIE_ORDER = {"fixed": 0, "introduced": 1, "last_affected": 2}


def _sorted_events(events: Iterable[Mapping[str, Any]]) -> list[tuple[Version, str]]:
    parsed: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, order in _TIE_ORDER.items():
            if kind in event:
                parsed.append((_event_version(kind, event[kind]), order, kind))
    parsed.sort(key=lambda item: (item[0], item[1]))
    return [(version, kind) for version, _order, kind in parsed]


def _below_limits(version: Version, events: Iterable[Mapping[str, Any]]) -> bool:
    limits = [str(e["limit"]) for e in events if "limit" in e]
    if not limits:
        return True
    return any(limit == "*" or version < parse_version(limit) for limit in limits)


def in_range(version: Version, events: list[Mapping[str, Any]]) -> bool:
    """Whether ``version`` lies inside one ECOSYSTEM range (a list of OSV events)."""
    if not _below_limits(version, events):
        return False
    affected = False
    for at, kind in _sorted_events(events):
        if kind == "introduced":
            if version >= at:
                affected = True
        elif kind == "fixed":
            if version >= at:
                affected = False
        elif version > at:  # last_affected: that version is still affected, the next one is not
            affected = False
    return affected


def _listed(version: Version, listed: Iterable[Any]) -> bool:
    for item in listed:
        text = str(item)
        try:
            if Version(text) == version:
                return True
        except InvalidVersion:
            if text == str(version):
                return True
    return False


def entry_affects(entry: Mapping[str, Any], version: Version) -> bool:
    """Whether one OSV ``affected`` entry covers ``version`` (its list or any ECOSYSTEM range)."""
    if _listed(version, entry.get("versions") or ()):
        return True
    for rng in entry.get("ranges") or ():
        if rng.get("type") == "ECOSYSTEM" and in_range(version, list(rng.get("events") or ())):
            return True
    return False


def entries_for(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The record's PyPI ``affected`` entries for the canonical package ``name``."""
    found = []
    for entry in record.get("affected") or ():
        package = entry.get("package") or {}
        if package.get("ecosystem") == "PyPI" and canonical_name(str(package.get("name", ""))) == name:
            found.append(entry)
    return found


def record_affects(record: Mapping[str, Any], name: str, version: Version) -> bool:
    return any(entry_affects(entry, version) for entry in entries_for(record, name))


def fixed_versions(record: Mapping[str, Any], name: str) -> list[str]:
    """Every ``fixed`` version the record's ECOSYSTEM ranges give for ``name``, in PEP 440 order."""
    fixes: set[str] = set()
    for entry in entries_for(record, name):
        for rng in entry.get("ranges") or ():
            if rng.get("type") == "ECOSYSTEM":
                fixes.update(str(e["fixed"]) for e in rng.get("events") or () if "fixed" in e)
    return sorted(fixes, key=_sort_key)


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def make_orderable(record: dict[str, Any]) -> list[str]:
    """Rewrite, in place, the PyPI ECOSYSTEM events PEP 440 cannot order; return one line per rewrite.

    pip-audit parses every ``fixed`` with ``packaging.Version`` and crashes on one it cannot read
    (PYSEC-2019-125's ``2019-09-12``), which ends the audit of every other pin too. So the record is
    served in a form it accepts, failing closed: an unreadable ``fixed``, ``last_affected`` or
    ``limit`` is dropped (the range then never ends, so every later version stays affected) and an
    unreadable ``introduced`` becomes ``0`` (affected from the first release).
    """
    rewrites = []
    for entry in record.get("affected") or ():
        if (entry.get("package") or {}).get("ecosystem") != "PyPI":
            continue
        for rng in entry.get("ranges") or ():
            if rng.get("type") != "ECOSYSTEM":
                continue
            kept = []
            for event in rng.get("events") or ():
                bad = [(kind, str(value)) for kind, value in event.items() if not _orderable(kind, str(value))]
                for kind, value in bad:
                    rewrites.append(f"{kind} {value!r} is not a PEP 440 version")
                if any(kind == "introduced" for kind, _v in bad):
                    kept.append({"introduced": "0"})
                elif not bad:
                    kept.append(event)
            rng["events"] = kept
    return rewrites


def _orderable(kind: str, value: str) -> bool:
    if kind not in ("introduced", "fixed", "last_affected", "limit"):
        return True  # not an event version (the schema allows nothing else; leave it to the schema checks)
    if (kind == "introduced" and value == "0") or (kind == "limit" and value == "*"):
        return True
    try:
        Version(value)
    except InvalidVersion:
        return False
    return True

"""Canaries: releases every real PyPI advisory source knows to be vulnerable, asked before trusting an answer.

An advisory source that answers "no vulnerabilities" cannot be told apart from one that knows
nothing (an OSV endpoint answering ``{}`` to everything, an empty or truncated mirror). So each
audit also asks, in the same pip-audit run and through the same endpoint, about two of these
releases, and must get back the advisory named here: positive evidence that the source really holds
PyPI advisories. A local database must also hold them itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .database import AdvisoryDB
from .versions import canonical_name


@dataclass(frozen=True)
class Canary:
    package: str
    version: str
    advisory: str  # an id or alias the answer must carry

    @property
    def pin(self) -> str:
        return f"{self.package}=={self.version}"


# Each is in the OSV PyPI export, the PyPA advisory database and PyPI's own JSON API for years.
CANDIDATES = (
    Canary("flask", "0.12", "CVE-2018-1000656"),     # PYSEC-2018-66, fixed in 0.12.3
    Canary("requests", "2.19.0", "CVE-2018-18074"),  # PYSEC-2018-28, fixed in 2.20.0
    Canary("jinja2", "2.10", "CVE-2019-10906"),      # PYSEC-2019-217, fixed in 2.10.1
    Canary("urllib3", "1.24.1", "CVE-2021-33503"),   # PYSEC-2021-108, fixed in 1.26.5
    Canary("werkzeug", "2.0.0", "CVE-2022-29361"),   # PYSEC-2022-203, fixed in 2.1.1
)
NEEDED = 2


def choose(pinned: dict[str, set[str]]) -> list[Canary]:
    """Two canaries, preferring packages the repository does not pin at another version.

    pip-audit refuses one package twice in a run, so a canary beside a different pin of its package
    would cost a second pip-audit run; with five candidates that happens only when all five collide.
    """
    free = [c for c in CANDIDATES if pinned.get(c.package, {c.version}) == {c.version}]
    return [*free, *(c for c in CANDIDATES if c not in free)][:NEEDED]


def missing_from_database(db: AdvisoryDB, canaries: Iterable[Canary]) -> list[str]:
    """Canaries the loaded data does not itself report with their advisory (empty when all are there)."""
    missing = []
    for canary in canaries:
        ids = {i for record in db.query(canary.package, canary.version)
               for i in (record["id"], *map(str, record.get("aliases") or ()))}
        if canary.advisory not in ids:
            missing.append(f"{canary.pin} ({canary.advisory})")
    return missing


def unanswered(reported: Iterable[tuple[str, str, Iterable[str]]], canaries: Iterable[Canary]) -> list[str]:
    """Canaries absent from what a tool reported, given as (package, version, ids) triples."""
    seen = {(canonical_name(package), version, i) for package, version, ids in reported for i in ids}
    return [f"{c.pin} ({c.advisory})" for c in canaries if (c.package, c.version, c.advisory) not in seen]

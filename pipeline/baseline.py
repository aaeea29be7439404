"""The baseline of accepted findings, matched by counts (a multiset), never by set membership.

One baselined finding absorbs exactly one current finding with the same fingerprint, so a second,
identical problem is new. Entries that absorbed nothing are reported as fixed (stale). The file is
sorted and carries no timestamp, so regenerating it on an unchanged tree changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import read_regular_file
from .model import Finding

SCHEMA = "secure-pipeline/baseline"
VERSION = 1


@dataclass
class BaselineEntry:
    stage: str
    fingerprint: str
    tool: str
    rule_id: str
    where: str
    title: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage, "fingerprint": self.fingerprint, "tool": self.tool, "rule_id": self.rule_id,
            "where": self.where, "title": self.title, "count": self.count,
        }


@dataclass
class Baseline:
    entries: list[BaselineEntry] = field(default_factory=list)

    def counter(self, stage: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for entry in self.entries:
            if entry.stage == stage:
                counts[entry.fingerprint] += entry.count
        return counts

    def for_stage(self, stage: str) -> list[BaselineEntry]:
        return [e for e in self.entries if e.stage == stage]


def load(path: Path) -> Baseline:
    if not path.exists():
        return Baseline()
    try:
        data = json.loads(read_regular_file(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: not a secure-pipeline baseline (schema must be {SCHEMA!r})")
    if data.get("version") != VERSION:
        raise ConfigError(f"{path}: baseline version {data.get('version')!r} is not supported (expected {VERSION})")
    entries = []
    for i, raw in enumerate(data.get("findings", []), start=1):
        try:
            entry = BaselineEntry(**raw)
        except TypeError as exc:
            raise ConfigError(f"{path}: baseline entry #{i}: {exc}") from exc
        if not isinstance(entry.count, int) or entry.count < 1:
            raise ConfigError(f"{path}: baseline entry #{i}: count must be a positive integer")
        entries.append(entry)
    return Baseline(entries)


def build(stage_findings: dict[str, list[Finding]], keep: Baseline | None = None) -> Baseline:
    """A baseline accepting the given findings; entries of stages not given are kept from ``keep``."""
    entries: list[BaselineEntry] = []
    if keep is not None:
        entries.extend(e for e in keep.entries if e.stage not in stage_findings)
    for stage, findings in stage_findings.items():
        grouped: dict[str, list[Finding]] = {}
        for finding in findings:
            grouped.setdefault(finding.fingerprint, []).append(finding)
        for fingerprint, group in grouped.items():
            first = group[0]
            entries.append(BaselineEntry(
                stage=stage, fingerprint=fingerprint, tool=first.tool, rule_id=first.rule_id,
                where=first.location.anchor(), title=first.title, count=len(group),
            ))
    entries.sort(key=lambda e: (e.stage, e.where, e.tool, e.rule_id, e.fingerprint))
    return Baseline(entries)


def save(baseline: Baseline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"schema": SCHEMA, "version": VERSION, "findings": [e.to_dict() for e in baseline.entries]}
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")

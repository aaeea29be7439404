"""What a stage is: a named group of scanners with default gate thresholds and an optional merge step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .model import Finding
from .options import StageSettings

# Merges what the stage's scanners reported (e.g. pylint and pyflakes both flagging one unused import).
MergeFn = Callable[[list[Finding]], list[Finding]]


def keep_all(findings: list[Finding]) -> list[Finding]:
    return findings


def own_scope(finding: Finding) -> tuple[str, str] | None:
    """A finding's fingerprint counts it under its own tool and rule."""
    del finding
    return None


@dataclass(frozen=True)
class StageSpec:
    name: str
    description: str
    # The stage's settings dataclass: StageSettings with the stage's own defaults (``override``) and the
    # options only this stage reads (its scanners declare theirs in their own settings dataclass).
    settings: type[StageSettings] = StageSettings
    # Per-tool threshold overrides, e.g. {"pyflakes": {"fail_severity": "low"}}.
    tool_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    merge: MergeFn = keep_all
    # Pair findings of different tools that report the same problem on the same line (pipeline/merge.py),
    # using each adapter's ``problem()``; applied before ``merge``.
    merge_same_problem: bool = False
    # The (tool, rule) a merged finding's fingerprint counts it under instead of its own (deps: one
    # vulnerability, whichever tool saw it first); pipeline/fingerprint.py hashes it.
    fingerprint_scope: Callable[[Finding], tuple[str, str] | None] = own_scope

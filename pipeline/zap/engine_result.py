"""What either engine hands the adapter: the alerts, the URLs it saw, and facts for the report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import HarnessError
from .model import CONF_FALSE_POSITIVE, Alert


class EngineError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The scan cannot be trusted; the message is the one-line cause (zap-baseline.py would exit 3)."""


@dataclass
class EngineResult:
    engine: str  # "embedded" or "zap"
    version: str
    target: str
    alerts: list[Alert] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    partial: str = ""  # why the scan stopped short (its alerts are kept); "" for a complete scan


def dedupe_and_cap(alerts: list[Alert], max_per_rule: int) -> tuple[list[Alert], dict[str, int]]:
    """One alert per ZAP alert key, false positives dropped, at most ``max_per_rule`` per plugin (0 = no cap),
    like zap-baseline.py's ``pscan.set_max_alerts_per_rule(10)``. Returns the kept alerts and the capped counts."""
    seen: set[tuple[str, ...]] = set()
    per_rule: Counter[str] = Counter()
    capped: Counter[str] = Counter()
    kept: list[Alert] = []
    for alert in alerts:
        if alert.confidence == CONF_FALSE_POSITIVE or alert.key() in seen:
            continue
        seen.add(alert.key())
        if max_per_rule and per_rule[alert.plugin_id] >= max_per_rule:
            capped[alert.plugin_id] += 1
            continue
        per_rule[alert.plugin_id] += 1
        kept.append(alert)
    return kept, dict(capped)

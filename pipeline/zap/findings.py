"""Alerts become findings, gated by the rules file exactly as zap-baseline.py gates them.

FAIL -> ``gate=fail`` (blocks), WARN and INFO -> shown, never blocking, IGNORE (and PASS) ->
``gate=ignore`` plus ``suppressed_by``; rules missing from the file are WARN. OUTOFSCOPE lines
drop the alerts whose URL they match, and the count is kept for the report.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..model import Acceptance, Confidence, Disposition, Finding, Location, Severity
from .model import Alert
from .rules_file import RulesConfig

SEVERITY_BY_RISK = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH)
CONFIDENCE_BY_ZAP = (Confidence.LOW, Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH, Confidence.HIGH)
GATE_BY_LEVEL = {"FAIL": "fail", "WARN": "warn", "INFO": "info", "IGNORE": "ignore", "PASS": "ignore"}  # nosec B105 - levels, not passwords
_TAGS = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://[^\s<>\"']+")


def plain(text: str) -> str:
    """ZAP's descriptions are HTML paragraphs; reports want one line of text."""
    return " ".join(html.unescape(_TAGS.sub(" ", text or "")).split())


@dataclass
class Gated:
    findings: list[Finding] = field(default_factory=list)
    out_of_scope: Counter[str] = field(default_factory=Counter)  # plugin id -> dropped alerts
    levels: Counter[str] = field(default_factory=Counter)  # FAIL/WARN/... -> findings


def to_finding(alert: Alert, rules: RulesConfig, engine: str) -> Finding:
    level = rules.level_for(alert.plugin_id)
    gate = GATE_BY_LEVEL[level]
    properties = {
        "plugin_id": alert.plugin_id, "alert_ref": alert.ref, "risk": alert.risk_label, "evidence": alert.evidence,
        "other": plain(alert.other)[:1000], "attack": alert.attack, "wasc_id": alert.wasc_id, "engine": engine,
        "rules_level": level,
    }
    identity = (f"{alert.ref} {alert.method.upper()} {urlsplit(alert.url).path or '/'}"
                f"?{urlsplit(alert.url).query} [{alert.param}] {alert.evidence[:200]}")
    message_for = rules.message_for(alert.plugin_id)
    if message_for:
        properties["rules_message"] = message_for
    accepted = Acceptance(Disposition.SUPPRESSED, f"{rules.source} {level}") if gate == "ignore" else None
    reference = _URL.search(alert.reference or "")
    description = plain(alert.description)
    evidence = f" Evidence: {alert.evidence[:200]}" if alert.evidence else ""
    return Finding(
        tool="zap", rule_id=alert.plugin_id, title=alert.name, rule_name=alert.name,
        severity=SEVERITY_BY_RISK[alert.risk], tool_severity=alert.risk_label,
        confidence=CONFIDENCE_BY_ZAP[alert.confidence], tool_confidence=alert.confidence_label,
        location=Location(url=alert.url, method=alert.method.upper(), param=alert.param or None),
        message=(description[:500] + evidence).strip() or alert.name,
        cwe=(alert.cwe_id,) if alert.cwe_id > 0 else (), help_uri=reference.group(0) if reference else "",
        fix_hint=plain(alert.solution)[:500], properties=properties,
        identity=identity, tool_gate=gate, accepted_by=accepted,
    )


def gate(alerts: list[Alert], rules: RulesConfig, engine: str) -> Gated:
    result = Gated()
    for alert in alerts:
        if rules.out_of_scope_for(alert.plugin_id, alert.url):
            result.out_of_scope[alert.plugin_id] += 1
            continue
        finding = to_finding(alert, rules, engine)
        result.levels[finding.properties["rules_level"]] += 1
        result.findings.append(finding)
    return result

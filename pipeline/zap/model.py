"""One alert, in ZAP's own terms: what both engines produce before it becomes a Finding."""

from __future__ import annotations

from dataclasses import dataclass

# ZAP's Alert.MSG_RISK / MSG_CONFIDENCE labels, indexed by their numeric codes.
RISKS = ("Informational", "Low", "Medium", "High")
CONFIDENCES = ("False Positive", "Low", "Medium", "High", "Confirmed")

RISK_INFO, RISK_LOW, RISK_MEDIUM, RISK_HIGH = range(4)
CONF_FALSE_POSITIVE, CONF_LOW, CONF_MEDIUM, CONF_HIGH, CONF_CONFIRMED = range(5)


@dataclass(frozen=True)
class Alert:
    """The fields of ZAP's alert API object (``AlertAPI.alertToSet``) that a gate and a report need."""

    plugin_id: str
    name: str
    risk: int  # 0..3, see RISKS
    confidence: int  # 0..4, see CONFIDENCES
    url: str
    method: str = "GET"
    param: str = ""
    attack: str = ""
    evidence: str = ""
    other: str = ""
    alert_ref: str = ""
    cwe_id: int = 0
    wasc_id: int = 0
    description: str = ""
    solution: str = ""
    reference: str = ""
    source_id: str = "3"  # ZAP's source id for passive scanning

    @property
    def ref(self) -> str:
        return self.alert_ref or self.plugin_id

    @property
    def risk_label(self) -> str:
        return RISKS[self.risk]

    @property
    def confidence_label(self) -> str:
        return CONFIDENCES[self.confidence]

    def key(self) -> tuple[str, ...]:
        """ZAP keeps one alert per rule, name, URL, method, parameter, attack and evidence."""
        return (self.plugin_id, self.ref, self.name, self.url, self.method, self.param, self.attack, self.evidence)


def risk_code(label: str) -> int:
    try:
        return RISKS.index(label)
    except ValueError as exc:
        raise ValueError(f"unknown ZAP risk {label!r} (expected one of {', '.join(RISKS)})") from exc


def confidence_code(label: str) -> int:
    try:
        return CONFIDENCES.index(label)
    except ValueError as exc:
        raise ValueError(f"unknown ZAP confidence {label!r} (expected one of {', '.join(CONFIDENCES)})") from exc

"""10032 Viewstate (CWE-642, WASC-14): what an ASP.NET ``__VIEWSTATE`` field gives away.

Follows ZAP's ``ViewstateScanRule`` (zap-extensions pscanrules v76). The field (joined from
``__VIEWSTATE``, ``__VIEWSTATE1``... when ``__VIEWSTATEFIELDCOUNT`` splits it) must be base64 of an
ASP.NET 1.x (``dD``) or 2.0+ (``/w``) viewstate. Alerts, in ZAP's order: 10032-5 "Viewstate without
MAC Signature (Sure)" (High, Medium) when both MAC tests fail, 10032-4 "(Unsure)" (High, Low) at LOW
when one fails; 10032-3 "Old Asp.Net Version in Use" (Low); 10032-2 e-mail addresses and 10032-1
IP addresses found in the decoded value (Medium, other info lists them; ZAP's set has no order, the
list here is sorted); 10032-6 "Split Viewstate in Use" (Informational).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document, parse
from ..model import CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule

EMAIL = re.compile(r"[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,4}", re.I)
IP_ADDRESS = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_MAC_REFS = "https://learn.microsoft.com/en-us/previous-versions/msp-n-p/ff649308(v=pandp.10)"


def _decode(value: str) -> str | None:
    """java.util.Base64 (padding optional), retried without the last character on a dangling unit."""
    text = value.strip()
    if len(text) % 4 == 1:
        text = text[:-1]
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _hidden_fields(doc: Document) -> dict[str, str]:
    fields: dict[str, str] = {}
    for element in doc.elements:
        name = element.get("name")
        if element.name != "input" and not (name or "").startswith("__"):
            continue
        key = element.get("id") if element.get("id") is not None else name
        if key is not None:
            fields[key] = element.get("value") or ""
    return fields


class Viewstate(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10032", "Viewstate", RISK_MEDIUM, CONF_MEDIUM, 642, 14
    follows = "ViewstateScanRule, pscanrules v76"
    solution = "Verify the provided information isn't confidential."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if "__VIEWSTATE" not in ex.text:
            return  # nothing for the rule to read (ZAP finds no such field either)
        fields = _hidden_fields(doc if ex.is_html else parse(ex.text))
        if "__VIEWSTATE" not in fields:
            return
        split = "__VIEWSTATEFIELDCOUNT" in fields
        value = fields["__VIEWSTATE"]
        if split:
            try:
                count = int(fields["__VIEWSTATEFIELDCOUNT"])
            except ValueError:
                return
            value += "".join(fields.get(f"__VIEWSTATE{i}", "") for i in range(1, count))
        version = 2 if value.startswith("/w") else 1 if value.startswith("dD") else 0
        decoded = _decode(value)
        if decoded is None or not version or len(decoded) < 22:
            return
        marker = "dd" if version == 2 else ">>"
        mac_test_1 = decoded[-22:-20] == marker
        mac_test_2 = decoded[-2:] != marker
        if not mac_test_1 and not mac_test_2:
            yield self.alert(ex, alert_ref="10032-5", name="Viewstate without MAC Signature (Sure)", risk=RISK_HIGH,
                             description="This website uses ASP.NET's Viewstate but without any MAC.",
                             solution="Ensure the MAC is set for all pages on this website.", reference=_MAC_REFS)
        elif (not mac_test_1 or not mac_test_2) and self.threshold == "LOW":
            yield self.alert(ex, alert_ref="10032-4", name="Viewstate without MAC Signature (Unsure)", risk=RISK_HIGH,
                             confidence=CONF_LOW, description="This website uses ASP.NET's Viewstate but maybe without any MAC.",
                             solution="Ensure the MAC is set for all pages on this website.", reference=_MAC_REFS)
        if version == 1:
            yield self.alert(ex, alert_ref="10032-3", name="Old Asp.Net Version in Use", risk=RISK_LOW,
                             description="This website uses ASP.NET version 1.0 or 1.1.",
                             solution="Ensure the engaged framework is still supported by Microsoft.")
        for pattern, ref, name, description in (
                (EMAIL, 2, "Emails Found in the Viewstate", "Email addresses were found being serialized in the viewstate field."),
                (IP_ADDRESS, 1, "Potential IP Addresses Found in the Viewstate",
                 "Potential IP addresses were found being serialized in the viewstate field.")):
            found = sorted(set(pattern.findall(decoded)))
            if found:
                yield self.alert(ex, alert_ref=f"10032-{ref}", name=name, description=description, other=f"[{', '.join(found)}]")
        if split:
            yield self.alert(ex, alert_ref="10032-6", name="Split Viewstate in Use", risk=RISK_INFO, confidence=CONF_LOW,
                             description="This website uses ASP.NET's Viewstate and its value is split into several chunks.",
                             solution="None - this may be a deliberate tuning of the configuration as this isn't the default setting.")

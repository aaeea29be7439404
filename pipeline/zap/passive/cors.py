"""10098 Cross-Domain Misconfiguration (Medium, Medium; CWE-264, WASC-14).

Fires when ``Access-Control-Allow-Origin`` is exactly ``*``: any site may read the response with
the browser's help (the value trimmed, as ZAP's header parser does). Evidence is the header line.
Follows ZAP's ``CrossDomainMisconfigurationScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_MEDIUM, Alert
from .base import PassiveRule


class CrossDomainMisconfiguration(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10098", "Cross-Domain Misconfiguration", RISK_MEDIUM, CONF_MEDIUM, 264, 14
    description = "Web browser data loading may be possible, due to a Cross Origin Resource Sharing (CORS) misconfiguration on the web server."
    solution = "Ensure that sensitive data is not available in an unauthenticated manner (using IP address white-listing, for instance). Configure the \"Access-Control-Allow-Origin\" HTTP header to a more restrictive set of domains, or remove all CORS headers entirely, to allow the web browser to enforce the Same Origin Policy (SOP) in a more restrictive manner."
    reference = "https://vulncat.fortify.com/en/detail?id=desc.config.dotnet.html5_overly_permissive_cors_policy"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        value = ex.header("Access-Control-Allow-Origin")
        if value == "*":
            line = next((f"{k}: {v.strip()}" for k, v in ex.headers if k.lower() == "access-control-allow-origin"), "")
            yield self.alert(ex, evidence=line, other="The CORS misconfiguration on the web server permits cross-domain read requests from arbitrary third party domains, using unauthenticated APIs on this domain.")

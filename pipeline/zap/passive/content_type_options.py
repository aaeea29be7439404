"""10021 X-Content-Type-Options Header Missing (Low, Medium; CWE-693, WASC-15).

Fires on a non-empty response that is not an error or a redirect (ZAP's MEDIUM threshold) without
``X-Content-Type-Options``, or once per value that does not contain ``nosniff`` (the value is the evidence).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, Alert
from .base import PassiveRule


class XContentTypeOptions(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10021", "X-Content-Type-Options Header Missing", RISK_LOW, CONF_MEDIUM, 693, 15
    description = "The Anti-MIME-Sniffing header X-Content-Type-Options was not set to 'nosniff'. This allows older versions of Internet Explorer and Chrome to perform MIME-sniffing on the response body, potentially causing the response body to be interpreted and displayed as a content type other than the declared content type."
    solution = "Ensure that the application/web server sets the Content-Type header appropriately, and that it sets the X-Content-Type-Options header to 'nosniff' for all web pages."
    reference = "https://owasp.org/www-community/Security_Headers"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        errors_too = self.threshold == "LOW"  # ZAP includes errors and redirects only at LOW
        if not ex.body or (not errors_too and (ex.is_server_error or ex.is_client_error or ex.is_redirect)):
            return
        values = ex.header_values("X-Content-Type-Options")
        if not values:
            yield self.alert(ex, param="x-content-type-options")
        for value in values:
            if "nosniff" not in value.lower():
                yield self.alert(ex, param="x-content-type-options", evidence=value)

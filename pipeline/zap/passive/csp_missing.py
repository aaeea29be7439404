"""10038 Content Security Policy (CSP) Header Not Set (Medium, High; CWE-693, WASC-15).

On an HTML response that is not a redirect: 10038-1 neither a ``Content-Security-Policy`` header
nor a CSP ``<meta http-equiv>``; 10038-2 "Obsolete Content Security Policy (CSP) Header Found"
(``X-Content-Security-Policy``/``X-WebKit-CSP``, Informational); 10038-3 "Content Security Policy
(CSP) Report-Only Header Found" (Informational). Error pages are included, as in ZAP.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, RISK_INFO, RISK_MEDIUM, Alert
from .base import PassiveRule


def has_meta_csp(doc: Document) -> bool:
    return any((m.get("http-equiv") or "").lower() == "content-security-policy" for m in doc.all("meta"))


class CspMissing(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10038", "Content Security Policy (CSP) Header Not Set", RISK_MEDIUM, CONF_HIGH, 693, 15
    description = "Content Security Policy (CSP) is an added layer of security that helps to detect and mitigate certain types of attacks, including Cross Site Scripting (XSS) and data injection attacks."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to set the Content-Security-Policy header."
    reference = "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if (not ex.is_html or ex.is_redirect) and self.threshold != "LOW":
            return
        if not ex.header_values("Content-Security-Policy") and not has_meta_csp(doc):
            yield self.alert(ex, alert_ref="10038-1")
        if ex.header_values("X-Content-Security-Policy") or ex.header_values("X-WebKit-CSP"):
            yield self.alert(ex, alert_ref="10038-2", risk=RISK_INFO, name="Obsolete Content Security Policy (CSP) Header Found")
        if ex.header_values("Content-Security-Policy-Report-Only"):
            yield self.alert(ex, alert_ref="10038-3", risk=RISK_INFO, name="Content Security Policy (CSP) Report-Only Header Found")

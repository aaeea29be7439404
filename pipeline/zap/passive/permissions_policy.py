"""10063 Permissions Policy Header Not Set (Low, Medium; CWE-693, WASC-15).

On an HTML or JavaScript response that is not a redirect: 10063-1 no ``Permissions-Policy``;
10063-2 "Deprecated Feature Policy Header Set" (``Feature-Policy`` present; CWE-16).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, Alert
from .base import PassiveRule


class PermissionsPolicy(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10063", "Permissions Policy Header Not Set", RISK_LOW, CONF_MEDIUM, 693, 15
    description = "Permissions Policy Header is an added layer of security that helps to restrict from unauthorized access or usage of browser/client features by web resources."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to set the Permissions-Policy header."
    reference = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Permissions-Policy"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not (ex.is_html or ex.is_javascript) or (ex.is_redirect and self.threshold != "LOW"):
            return
        if ex.header_values("Feature-Policy"):
            yield self.alert(ex, alert_ref="10063-2", name="Deprecated Feature Policy Header Set", evidence="Feature-Policy", cwe_id=16)
        elif not ex.header_values("Permissions-Policy"):
            yield self.alert(ex, alert_ref="10063-1")

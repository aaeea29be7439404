"""10020 Missing Anti-clickjacking Header (Medium, Medium; CWE-1021, WASC-15).

On a non-empty HTML response that is not a redirect or an error, and whose CSP has no
``frame-ancestors`` (which takes precedence): 10020-1 no ``X-Frame-Options``; 10020-4 "X-Frame-Options
Setting Malformed" (neither DENY nor SAMEORIGIN); 10020-2 "Multiple X-Frame-Options Header Entries";
10020-3 "X-Frame-Options Defined via META (Non-compliant with Spec)". At the LOW threshold any text
response counts, errors and redirects too, and a CSP ``frame-ancestors`` lowers the risk to Low
instead of silencing the rule. Param is ZAP's lower-case ``x-frame-options``.
Follows ZAP's ``AntiClickjackingScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule

IN_CSP = ("The Content-Security-Policy does include a 'frame-ancestors' element which takes precedence over the X-Frame-Options "
          "header, which is why this has been raised with a LOW risk.")


class AntiClickjacking(PassiveRule):
    follows = "AntiClickjackingScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10020", "Missing Anti-clickjacking Header", RISK_MEDIUM, CONF_MEDIUM, 1021, 15
    description = "The response does not protect against 'ClickJacking' attacks. It should include either Content-Security-Policy with 'frame-ancestors' directive or X-Frame-Options."
    solution = "Modern Web browsers support the Content-Security-Policy and X-Frame-Options HTTP headers. Ensure one of them is set on all web pages returned by your site/app."
    reference = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        low = self.threshold == "LOW"
        if (not low and not ex.is_html) or not ex.body or not ex.is_text:
            return
        if not low and (ex.is_server_error or ex.is_client_error or ex.is_redirect):
            return
        in_csp = "frame-ancestors" in " ".join(ex.header_values("Content-Security-Policy"))
        if in_csp and not low:
            return
        xfo = ex.header_values("X-Frame-Options")
        common: dict[str, Any] = {"param": "x-frame-options"}
        if in_csp:
            common.update(risk=RISK_LOW, other=IN_CSP)
        if not xfo:
            yield self.alert(ex, alert_ref="10020-1", **common)
        for value in xfo:
            if "deny" not in value.lower() and "sameorigin" not in value.lower():
                yield self.alert(ex, alert_ref="10020-4", name="X-Frame-Options Setting Malformed", evidence=value, **common)
        if len(xfo) > 1:
            yield self.alert(ex, alert_ref="10020-2", name="Multiple X-Frame-Options Header Entries", **common)
        for meta in doc.all("meta"):
            if (meta.get("http-equiv") or "").lower() == "x-frame-options":
                yield self.alert(ex, alert_ref="10020-3", name="X-Frame-Options Defined via META (Non-compliant with Spec)",
                                 evidence=meta.start_tag, **common)
                break

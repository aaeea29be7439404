"""10015 Re-examine Cache-control Directives (Informational, Low confidence; CWE-525, WASC-13). HTTPS only.

Fires on a non-empty response to a secure, non-POST request for a non-image text resource (not
JavaScript or CSS, not a redirect or an error, except at the LOW threshold) whose
``Cache-Control`` lacks any of ``no-store``, ``no-cache``, ``must-revalidate``. Evidence is the
header values lower-cased, param ``cache-control``. Follows ZAP's ``CacheControlScanRule`` (pscanrules v76).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, RISK_INFO, Alert
from .base import PassiveRule


class CacheControl(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10015", "Re-examine Cache-control Directives", RISK_INFO, CONF_LOW, 525, 13
    https_only = True
    description = "The cache-control header has not been set properly or is missing, allowing the browser and proxies to cache content. For static assets like css, js, or image files this might be intended, however, the resources should be reviewed to ensure that no sensitive content will be cached."
    solution = "For secure content, ensure the cache-control HTTP header is set with \"no-cache, no-store, must-revalidate\". If an asset should be cached consider setting the directives \"public, max-age, immutable\"."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#web-content-caching"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_secure or not ex.body or ex.method.upper() == "POST" or ex.is_image:
            return
        if self.threshold != "LOW" and (ex.is_redirect or ex.is_client_error or ex.is_server_error or not ex.is_text
                                        or ex.is_javascript or ex.is_css):
            return
        values = ex.header_values("Cache-Control")
        joined = ", ".join(values).lower()
        if not values or any(d not in joined for d in ("no-store", "no-cache", "must-revalidate")):
            # ZAP's evidence is the header list's toString(), lower-cased, brackets stripped.
            yield self.alert(ex, param="cache-control", evidence=joined)

"""90004 Insufficient Site Isolation Against Spectre Vulnerability (Low, Medium; CWE-693, WASC-14).

On 2xx responses: 90004-1 "Cross-Origin-Resource-Policy Header Missing or Invalid" (missing, or a
value other than same-origin/cross-origin, ``same-site`` included; skipped when any
``Access-Control-Allow-*`` header is present); for documents (``text/html``, ``application/xml``)
90004-2 "Cross-Origin-Embedder-Policy Header Missing or Invalid" (not require-corp/credentialless)
and 90004-3 "Cross-Origin-Opener-Policy Header Missing or Invalid" (not same-origin).
``report-to`` parameters are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, Alert
from .base import PassiveRule

CORP, COEP, COOP = "Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Opener-Policy"


def _tokens(value: str) -> list[str]:
    return [t.strip() for t in value.split(";") if not t.strip().startswith("report-to")]


class SiteIsolation(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90004", "Insufficient Site Isolation Against Spectre Vulnerability", RISK_LOW, CONF_MEDIUM, 693, 14
    description = "Cross-Origin-Resource-Policy, Cross-Origin-Embedder-Policy and Cross-Origin-Opener-Policy response headers let a site opt in to process isolation, which protects its data against side-channel attacks such as Spectre."
    solution = "Ensure that the application/web server sets the Cross-Origin-Resource-Policy, Cross-Origin-Embedder-Policy and Cross-Origin-Opener-Policy headers appropriately."
    reference = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Cross-Origin_Resource_Policy"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_success:
            return
        if not any(k.lower().startswith("access-control-allow-") for k, _ in ex.headers):
            yield from self._check(ex, CORP, "90004-1", lambda t: t.lower() == "same-site" or t.lower() not in ("same-origin", "cross-origin"))
        is_document = any(v.startswith("text/html") or v.startswith("application/xml") for v in ex.header_values("Content-Type"))
        if is_document:
            yield from self._check(ex, COEP, "90004-2", lambda t: t.lower() not in ("require-corp", "credentialless"))
            yield from self._check(ex, COOP, "90004-3", lambda t: t.lower() != "same-origin")

    def _check(self, ex: Exchange, header: str, ref: str, invalid: Callable[[str], bool]) -> Iterator[Alert]:
        name = f"{header} Header Missing or Invalid"
        values = ex.header_values(header)
        if not values:
            yield self.alert(ex, alert_ref=ref, name=name, param=header)
        for value in values:
            for token in _tokens(value):
                if invalid(token):
                    yield self.alert(ex, alert_ref=ref, name=name, param=header, evidence=token)

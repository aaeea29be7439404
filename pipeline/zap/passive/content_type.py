"""10019 Content-Type Header Missing (Informational, Medium; CWE-345, WASC-12).

Fires on a response with a body but no ``Content-Type`` (10019-1), or with an empty one
(10019-2, "Content-Type Header Empty"): the browser then sniffs the type.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_INFO, Alert
from .base import PassiveRule


class ContentTypeMissing(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10019", "Content-Type Header Missing", RISK_INFO, CONF_MEDIUM, 345, 12
    description = "The Content-Type header was either missing or empty."
    solution = "Ensure each page is setting the specific and appropriate content-type value for the content being delivered."
    reference = "https://learn.microsoft.com/en-us/previous-versions/windows/internet-explorer/ie-developer/compatibility/gg622941(v=vs.85)"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body:
            return
        values = ex.header_values("Content-Type")
        if not values:
            yield self.alert(ex, param="content-type", alert_ref="10019-1")
        for value in values:
            if not value:
                yield self.alert(ex, param="content-type", alert_ref="10019-2", name="Content-Type Header Empty")

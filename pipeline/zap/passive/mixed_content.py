"""10040 Secure Pages Include Mixed Content (Low, Medium; CWE-311, WASC-4). HTTPS only.

On an HTML page served over HTTPS: any element attribute (src, background, classid, codebase,
data, icon, usemap, action, formaction) whose value starts with ``http:``. One alert per page;
evidence is the first such URL, other info lists them all. When a ``<script src>`` is among them
the alert is "Secure Pages Include Mixed Content (Including Scripts)" at Medium risk.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule

_ATTRS = ("background", "classid", "codebase", "data", "icon", "usemap", "action", "formaction")


class MixedContent(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10040", "Secure Pages Include Mixed Content", RISK_LOW, CONF_MEDIUM, 311, 4
    https_only = True
    description = "The page includes mixed content, that is content accessed via HTTP instead of HTTPS."
    solution = "A page that is available over SSL/TLS must be comprised completely of content which is transmitted over SSL/TLS. The page must not contain any content that is transmitted over unencrypted HTTP. This includes content from third party sites."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Security_Cheat_Sheet.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_secure or not ex.body or not ex.is_html:
            return
        mixed: list[tuple[str, str, str]] = []
        scripts = False
        for element in doc.elements:
            for attr in ("src", *_ATTRS):
                value = element.get(attr)
                if value is not None and value.lower().startswith("http:"):
                    mixed.append((element.name, attr, value))
                    scripts |= attr == "src" and element.name == "script"
        if mixed:
            other = "".join(f"tag={tag} {attr}={value}\n" for tag, attr, value in mixed)
            if scripts:
                yield self.alert(ex, evidence=mixed[0][2], other=other, risk=RISK_MEDIUM,
                                 name="Secure Pages Include Mixed Content (Including Scripts)")
            else:
                yield self.alert(ex, evidence=mixed[0][2], other=other)

"""10017 Cross-Domain JavaScript Source File Inclusion (Low, Medium; CWE-829, WASC-15).

Fires on HTML pages for each ``<script src>`` whose host differs from the page's host and which
carries no ``integrity`` (Subresource Integrity) attribute, unless the URL matches one of the
``rules.domains.trusted`` regexes. Param is the script URL, evidence the whole element (start tag,
content, end tag). Relative sources (``/``, ``./``, ``../``) are same-domain.
Follows ZAP's ``CrossDomainScriptInclusionScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, Alert
from .base import PassiveRule


class CrossDomainScriptInclusion(PassiveRule):
    follows = "CrossDomainScriptInclusionScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10017", "Cross-Domain JavaScript Source File Inclusion", RISK_LOW, CONF_MEDIUM, 829, 15
    description = "The page includes one or more script files from a third-party domain."
    solution = "Ensure JavaScript source files are loaded from only trusted sources, and the sources can't be controlled by end users of the application."
    reference = "https://developer.mozilla.org/en-US/docs/Web/Security/Subresource_Integrity"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body or not ex.is_html:
            return
        for script in doc.all("script"):
            src = script.get("src")
            if src is None or self.settings.is_trusted(src) or not _other_domain(ex.host, src):
                continue
            if not (script.get("integrity") or "").strip():
                yield self.alert(ex, param=src, evidence=script.text)


def _other_domain(host: str, src: str) -> bool:
    if not src.startswith("//") and src.startswith(("/", "./", "../")):
        return False
    try:
        script_host = urlsplit(src).hostname
    except ValueError:
        return False
    return script_host is not None and script_host.lower() != host.lower()

"""90003 Sub Resource Integrity Attribute Missing (Medium, High; CWE-345, WASC-15).

Follows ZAP's ``SubResourceIntegrityAttributeScanRule`` (zap-extensions pscanrules v76): every
``<script>`` and every ``<link>`` whose ``rel`` is absent or names ``stylesheet``, ``preload`` or
``modulepreload``, when it has no ``integrity`` attribute and its absolute URL's host is neither the
page's host nor matched by a ``rules.domains.trusted`` regex (host regexes here, as in ZAP).
Relative, scheme-relative and ``data:`` URLs count as the page's own. Evidence is the element.
Other info is empty: ZAP fills it only with the hash of a script it holds in its site tree, which a
baseline's spider does not fetch from another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..exchange import Exchange
from ..html import Document, Element, parse
from ..model import CONF_HIGH, RISK_MEDIUM, Alert
from .base import PassiveRule

_RELEVANT_REL = frozenset(("stylesheet", "preload", "modulepreload"))
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _relevant(element: Element) -> bool:
    if element.name == "script":
        return True
    if element.name != "link":
        return False
    rel = element.get("rel")
    return rel is None or any(part in _RELEVANT_REL for part in rel.lower().split(" "))


def _host(element: Element, origin: str) -> str | None:
    url = element.get("src" if element.name == "script" else "href")
    if url is None or url.startswith("data:") or not _SCHEME.match(url):
        return origin  # java.net.URI: not absolute, so the page's own
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


class SubResourceIntegrityMissing(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90003", "Sub Resource Integrity Attribute Missing", RISK_MEDIUM, CONF_HIGH, 345, 15
    follows = "SubResourceIntegrityAttributeScanRule, pscanrules v76"
    description = "The integrity attribute is missing on a script or link tag served by an external server. The integrity tag prevents an attacker who have gained access to this server from injecting a malicious content."
    solution = "Provide a valid integrity attribute to the tag."
    reference = "https://developer.mozilla.org/en-US/docs/Web/Security/Defenses/Subresource_Integrity"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body:
            return
        if not ex.is_html:
            # ZAP parses every body; only markup with these elements can raise it.
            if not re.search(rb"<(?:script|link)\b", ex.body, re.I):
                return
            doc = parse(ex.text)
        origin = ex.host
        for element in doc.elements:
            if not _relevant(element) or element.get("integrity") is not None:
                continue
            host = _host(element, origin)
            if host is not None and (host == origin or self.settings.is_trusted(host)):
                continue
            yield self.alert(ex, evidence=element.text)

"""10062 PII Disclosure (High, Medium; CWE-359, WASC-13): a credit card number in a response.

Follows ZAP's ``PiiScanRule`` (zap-extensions pscanrules v76). Not on CSS or images; below LOW
only on HTML, JSON or XML responses that are not PDFs (by URL or Content-Type). It reads the page's
visible text and each ``<script>`` element (at LOW: the whole body less ``<style>`` elements and
``style`` attributes), takes runs of 3+ digit groups, and reports each run that a card brand's
pattern matches and that passes the Luhn check, unless it sits in a decimal (below LOW), next to an
underscore (below LOW) or in scientific notation. Evidence is the number as written; other info
names the brand. ZAP raises the confidence to High when its BIN list knows the card's issuer; that
list is not shipped with ZAP's sources, so the confidence here is always Medium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document, parse
from ..model import CONF_MEDIUM, RISK_HIGH, Alert
from .base import PassiveRule
from .private_data import luhn_valid

CARDS = tuple((name, re.compile(p)) for name, p in (
    ("American Express", r"\b(?:3[47][0-9]{13})\b"),
    ("DinersClub", r"\b(?:3(?:0[0-5]|[68][0-9])[0-9]{11})\b"),
    ("Discover", r"\b(?:6(?:011|5[0-9]{2})(?:[0-9]{12}))\b"),
    ("Jcb", r"\b(?:(?:2131|1800|35\d{3})\d{11})\b"),
    ("Maestro", r"\b(?:(?:5[0678]\d\d|6304|6390|67\d\d)\d{8,15})\b"),
    ("Mastercard", r"\b(?:(?:5[1-5][0-9]{2}|222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12})\b"),
    ("Visa", r"\b(?:4[0-9]{12})(?:[0-9]{3})?\b"),
))
_SEQUENCE = re.compile(r"(?:\d{3,}\s*)+")
_PDF_PATH = re.compile(r"\.pdf\Z", re.I)
_STYLE_ELEMENT = re.compile(r"<style\b.*?</style\s*>", re.I | re.S)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def _is_sci(containing: str) -> bool:
    if "e" not in containing.lower():
        return False
    try:
        float(re.sub(r"[^0-9eE-]+", "", containing))
    except ValueError:
        return False
    return True


class PiiDisclosure(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10062", "PII Disclosure", RISK_HIGH, CONF_MEDIUM, 359, 13
    follows = "PiiScanRule, pscanrules v76"
    description = "The response contains Personally Identifiable Information, such as CC number, SSN and similar sensitive data."
    solution = "Check the response for the potential presence of personally identifiable information (PII), ensure nothing sensitive is leaked by the application."

    def _suitable(self, ex: Exchange) -> bool:
        is_pdf = bool(_PDF_PATH.search(ex.path)) or ex.has_content_type("application/pdf")
        return (ex.is_html or ex.has_content_type("json") or ex.has_content_type("xml")) and not is_pdf

    def _strings(self, ex: Exchange, doc: Document) -> list[str]:
        if self.threshold == "LOW":
            return [_STYLE_ATTRIBUTE.sub("", _STYLE_ELEMENT.sub("", ex.text))]
        markup = doc if ex.is_html else parse(ex.text)
        return [markup.text if markup.texts else ex.text] + [s.text for s in markup.all("script")]

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.is_css or ex.is_image or (self.threshold != "LOW" and not self._suitable(ex)):
            return
        low = self.threshold == "LOW"
        for text in self._strings(ex, doc):
            if not text.strip():
                continue
            for match in _SEQUENCE.finditer(text):
                containing = re.sub(r"\s+", "", text[max(match.start() - 3, 0):match.end() + 3])
                if not low and "_" in containing:
                    continue
                candidate = re.sub(r"\s+", "", match.group(0))
                for brand, pattern in CARDS:
                    for _ in pattern.finditer(candidate):
                        if "." in containing and not low:
                            return  # ZAP stops at the first card-like decimal number
                        if luhn_valid(candidate) and not _is_sci(containing):
                            yield self.alert(ex, evidence=match.group(0), other=f"Credit Card Type detected: {brand}")

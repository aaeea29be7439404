"""Identifiers leaked where others can read them. Each follows its ZAP class in zap-extensions
pscanrules v76:

- 2 Private IP Disclosure (Low, Medium; CWE-497, WASC-13), ``InfoPrivateAddressDisclosureScanRule``:
  RFC 1918 addresses (or EC2 ``ip-10-0-0-1`` names), with an optional port, in a text body; the
  request's own host is skipped except at LOW. Evidence is the first, other info lists them all.
- 3 Session ID in URL Rewrite (Medium, High; CWE-598, WASC-13), ``InfoSessionIdUrlScanRule``: a URL
  parameter named like one of ZAP's default session tokens (value over 8 characters; 3-1), else a
  ``jsessionid=`` in the path (3-2); then "Referer Exposes Session ID" (3-3; Medium over HTTPS, Low
  over HTTP) when the body links to another host.
- 10025 Information Disclosure - Sensitive Information in HTTP Referrer Header (Informational, Medium;
  CWE-598, WASC-13), ``InformationDisclosureReferrerScanRule``: a ``Referer`` from another host that
  holds a sensitive word, a (Luhn-valid) card number, an e-mail address or a US SSN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, CONF_MEDIUM, RISK_INFO, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule
from .url_disclosure import SENSITIVE_NAMES

_OCTET = r"(25[0-5]|2[0-4]\d|[01]?\d{1,2})"
_NO_DOT_AFTER, _NO_DASH_AFTER, _NO_DOT_BEFORE = r"\b(?!\.\d)", r"\b(?!-\d)", r"(?<!\d\.)\b"
PRIVATE_IP = re.compile(
    "(" + _NO_DOT_BEFORE + r"10\.(" + _OCTET + r"\.){2}" + _OCTET + _NO_DOT_AFTER
    + "|" + _NO_DOT_BEFORE + r"172\.(3[01]|2\d|1[6-9])\." + _OCTET + r"\." + _OCTET + _NO_DOT_AFTER
    + "|" + _NO_DOT_BEFORE + r"192\.168\." + _OCTET + r"\." + _OCTET + _NO_DOT_AFTER
    + "|" + r"\bip-10-(" + _OCTET + "-){2}" + _OCTET + _NO_DOT_AFTER
    + "|" + r"\bip-172-(3[01]|2\d|1[6-9])-" + _OCTET + "-" + _OCTET + _NO_DASH_AFTER
    + "|" + r"\bip-192-168-" + _OCTET + "-" + _OCTET + _NO_DASH_AFTER
    + ")" + r"(:(0|[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65([0-4]\d{2}|5[0-2]\d|53[0-5]))\b)?", re.M)
# zaproxy's HttpSessionsParam default session token names.
SESSION_TOKENS = frozenset(("asp.net_sessionid", "aspsessionid", "siteserver", "cfid", "cftoken", "jsessionid", "phpsessid",
                            "sessid", "sid", "viewstate", "zenid"))
_PATH_SESSION = re.compile(r"jsessionid=[\dA-Z]{8,}", re.I)
_EXT_LINKS = tuple(re.compile(p + r"https?://([\w\.\-_]+)", re.I) for p in (r"src\s*=\s*[\"']?", r"href\s*=\s*[\"']?", r"[=\(]\s*[\"']"))
_EMAIL = re.compile(r"\b[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,4}\b")
_CARD = re.compile(r"\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
                   r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})\b")
_SSN = re.compile(r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b")


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    return bool(digits) and total % 10 == 0


class PrivateIpDisclosure(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "2", "Private IP Disclosure", RISK_LOW, CONF_MEDIUM, 497, 13
    follows = "InfoPrivateAddressDisclosureScanRule, pscanrules v76"
    description = "A private IP (such as 10.x.x.x, 172.x.x.x, 192.168.x.x) or an Amazon EC2 private hostname (for example, ip-10-0-56-78) has been found in the HTTP response body. This information might be helpful for further attacks targeting internal systems."
    solution = "Remove the private IP address from the HTTP response body. For comments, use JSP/ASP/PHP comment instead of HTML/JavaScript comment which can be seen by client browsers."
    reference = "https://datatracker.ietf.org/doc/html/rfc1918"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_text:
            return
        found = [m for m in PRIVATE_IP.finditer(ex.text) if self.threshold == "LOW" or m.group(1).lower() != ex.host]
        if found:
            yield self.alert(ex, evidence=found[0].group(0), other="".join(m.group(0) + "\n" for m in found))


class SessionIdInUrl(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "3", "Session ID in URL Rewrite", RISK_MEDIUM, CONF_HIGH, 598, 13
    follows = "InfoSessionIdUrlScanRule, pscanrules v76"
    description = "URL rewrite is used to track user session ID. The session ID may be disclosed via cross-site referer header. In addition, the session ID might be stored in browser history or server logs."
    solution = "For secure content, put session ID in a cookie. To be even more secure consider using a combination of cookie and URL rewrite."
    reference = "https://seclists.org/webappsec/2002/q4/111"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        found = False
        for name, value in sorted(set(ex.url_params())):
            if name.lower() in SESSION_TOKENS and len(value) > 8:
                found = True
                yield self.alert(ex, alert_ref="3-1", param=name, evidence=value)
        if not found:
            match = _PATH_SESSION.search(ex.path)
            if match:
                found = True
                yield self.alert(ex, alert_ref="3-2", evidence=match.group(0))
        if found:
            for pattern in _EXT_LINKS:
                match = pattern.search(ex.text)
                if match:
                    if match.group(1).lower() != ex.host:
                        yield self.alert(ex, alert_ref="3-3", name="Referer Exposes Session ID", confidence=CONF_MEDIUM,
                                         risk=RISK_MEDIUM if ex.is_secure else RISK_LOW, evidence=match.group(1),
                                         description="A hyperlink pointing to another host name was found. As session ID URL rewrite is used, it may be disclosed in referer header to external hosts.",
                                         solution="This is a risk if the session ID is sensitive and the hyperlink refers to an external or third party host. For secure content, put session ID in secured session cookie.")
                        break


class SensitiveInfoInReferrer(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10025", "Information Disclosure - Sensitive Information in HTTP Referrer Header", RISK_INFO, CONF_MEDIUM, 598, 13
    follows = "InformationDisclosureReferrerScanRule, pscanrules v76"
    description = "The HTTP header may have leaked a potentially sensitive parameter to another domain. This can violate PCI and most organizational compliance policies. You can configure the list of strings for this check to add or remove values specific to your environment."
    solution = "Do not pass sensitive information in URIs."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        referrers = ex.request_header_values("Referer")
        if not referrers or self._same_host(ex.host, referrers[0]):
            return
        for referrer in referrers:
            lowered = referrer.lower()
            word = next((w for w in SENSITIVE_NAMES if w in lowered), None)
            if word:
                start = lowered.index(word)
                yield self.alert(ex, evidence=referrer[start:start + len(word)],
                                 other="The URL in the HTTP referrer header field appears to contain sensitive information.")
            card = _CARD.search(referrer)
            if card and luhn_valid(card.group(0)):
                # ZAP adds the card's BIN record when it knows it (confidence High); no BIN list here.
                yield self.alert(ex, evidence=card.group(0),
                                 other="The URL in the HTTP referrer header field appears to contain credit card information.")
            for pattern, other in ((_EMAIL, "The URL in the HTTP referrer header field contains email address(es)."),
                                   (_SSN, "The URL in the HTTP referrer header field appears to contain US Social Security Number(s).")):
                match = pattern.search(referrer)
                if match:
                    yield self.alert(ex, evidence=match.group(0), other=other)

    @staticmethod
    def _same_host(host: str, referrer: str) -> bool:
        if referrer.startswith("/"):
            return True
        try:
            other = urlsplit(referrer).hostname
        except ValueError:
            return False
        return other is not None and other.lower() == host.lower()

"""Cookie attribute rules: 10010 (HttpOnly), 10011 (Secure, HTTPS only), 10054 (SameSite), 90033 (Domain).

Each looks at every ``Set-Cookie``/``Set-Cookie2`` header; cookies that are already expired (deletions)
are skipped, as in ZAP's CookieUtils, and so are cookies named on ``rules.cookie.ignorelist``
(``cookie_ignore_list``). Follows ZAP's CookieHttpOnlyScanRule, CookieSecureFlagScanRule,
CookieSameSiteScanRule and CookieLooselyScopedScanRule (zap-extensions pscanrules v76).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, CONF_MEDIUM, RISK_INFO, RISK_LOW, Alert
from .base import (
    PassiveRule,
    cookie_attribute,
    cookie_expired,
    cookie_name,
    has_cookie_attribute,
    set_cookie_evidence,
    set_cookie_headers,
)


class _CookieRule(PassiveRule):  # pylint: disable=abstract-method  # a base for the four cookie rules
    follows = "Cookie*ScanRule, pscanrules v76"

    def cookies(self, ex: Exchange) -> list[str]:
        ignored = self.settings.cookie_ignore_list
        return [v for v in set_cookie_headers(ex) if cookie_name(v) not in ignored]


class CookieNoHttpOnly(_CookieRule):
    """10010 Cookie No HttpOnly Flag (Low, Medium confidence; CWE-1004, WASC-13).

    Fires for each cookie set without the ``HttpOnly`` attribute: script can read it, so an XSS
    can steal it. Param is the cookie name, evidence ``Set-Cookie: name``.
    """

    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10010", "Cookie No HttpOnly Flag", RISK_LOW, CONF_MEDIUM, 1004, 13
    description = "A cookie has been set without the HttpOnly flag, which means that the cookie can be accessed by JavaScript."
    solution = "Ensure that the HttpOnly flag is set for all cookies."
    reference = "https://owasp.org/www-community/HttpOnly"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for value in self.cookies(ex):
            if not has_cookie_attribute(value, "HttpOnly") and not cookie_expired(value):
                yield self.alert(ex, param=cookie_name(value), evidence=set_cookie_evidence(ex, value))


class CookieWithoutSecure(_CookieRule):
    """10011 Cookie Without Secure Flag (Low, Medium; CWE-614, WASC-13). HTTPS responses only.

    Fires for each cookie set over HTTPS without ``Secure``: the browser would also send it over
    plain HTTP, where it can be read.
    """

    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10011", "Cookie Without Secure Flag", RISK_LOW, CONF_MEDIUM, 614, 13
    https_only = True
    description = "A cookie has been set without the secure flag, which means that the cookie can be accessed via unencrypted connections."
    solution = "Whenever a cookie contains sensitive information or is a session token, then it should always be passed using an encrypted channel. Ensure that the secure flag is set for cookies containing such sensitive information."
    reference = "https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/06-Session_Management_Testing/02-Testing_for_Cookies_Attributes.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_secure:
            return
        for value in self.cookies(ex):
            if not has_cookie_attribute(value, "Secure") and not cookie_expired(value):
                yield self.alert(ex, param=cookie_name(value), evidence=set_cookie_evidence(ex, value))


class CookieSameSite(_CookieRule):
    """10054 Cookie without SameSite Attribute (Low, Medium; CWE-1275, WASC-13).

    Variants: 10054-1 no ``SameSite``; 10054-2 "Cookie with SameSite Attribute None"; 10054-3
    "Cookie with Invalid SameSite Attribute" (a value other than Strict, Lax, None).
    """

    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10054", "Cookie without SameSite Attribute", RISK_LOW, CONF_MEDIUM, 1275, 13
    description = "A cookie has been set without the SameSite attribute, which means that the cookie can be sent as a result of a 'cross-site' request."
    solution = "Ensure that the SameSite attribute is set to either 'lax' or ideally 'strict' for all cookies."
    reference = "https://tools.ietf.org/html/draft-ietf-httpbis-cookie-same-site"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for value in self.cookies(ex):
            if cookie_expired(value):
                continue
            same_site = cookie_attribute(value, "SameSite")
            common = {"param": cookie_name(value), "evidence": set_cookie_evidence(ex, value)}
            if same_site is None:
                yield self.alert(ex, alert_ref="10054-1", **common)
            elif same_site.lower() == "none":
                if self.threshold == "HIGH":
                    continue
                yield self.alert(ex, alert_ref="10054-2", name="Cookie with SameSite Attribute None", **common)
            elif same_site.lower() not in ("strict", "lax"):
                yield self.alert(ex, alert_ref="10054-3", name="Cookie with Invalid SameSite Attribute", **common)


class LooselyScopedCookie(_CookieRule):
    """90033 Loosely Scoped Cookie (Informational, Low; CWE-565, WASC-15).

    Fires once per response when a cookie's ``Domain`` is a parent of the responding host (e.g.
    ``Domain=example.com`` from ``app.example.com``): every sibling subdomain receives it.
    """

    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90033", "Loosely Scoped Cookie", RISK_INFO, CONF_LOW, 565, 15
    description = "Cookies can be scoped by domain or path. This check is only concerned with domain scope. The domain scope applied to a cookie determines which domains can access it."
    solution = "Always scope cookies to a FQDN (Fully Qualified Domain Name)."
    reference = "https://tools.ietf.org/html/rfc6265#section-4.1"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        host = ex.host
        loose: list[tuple[str, str]] = []
        for value in self.cookies(ex):
            domain = (cookie_attribute(value, "Domain") or "").lower()
            if _is_loose(domain, host):
                written = _DOMAIN.search(value)
                loose.append((cookie_name(value), written.group(0) if written else ""))
        if loose:
            names = "".join(f"Cookie name: {name}\n" for name, _ in loose)
            other = f"The origin domain used for comparison was:\n{host}\n{names}"
            yield self.alert(ex, evidence=loose[0][1], other=other)


_DOMAIN = re.compile(r"\bdomain\b\s*=\s*[^;]+", re.I)


def _is_loose(cookie_domain: str, host: str) -> bool:
    cookie_domain = cookie_domain.removeprefix(".")
    if not cookie_domain or cookie_domain == host or len(cookie_domain) > len(host):
        return False
    return host.endswith("." + cookie_domain)

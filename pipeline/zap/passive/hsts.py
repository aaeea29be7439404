"""10035 Strict-Transport-Security Header Not Set (Low, High; CWE-319, WASC-15). HTTPS only.

For responses to secure requests: 10035-1 no HSTS header (a redirect to the same https origin or
a relative location is exempt); 10035-3 several headers; 10035-8 non-printable content;
10035-2 ``max-age=0`` ("Strict-Transport-Security Disabled"); 10035-5 no ``max-age``;
10035-7 a quoted max-age. Any page (HTTP too) defining HSTS in a META tag, whatever its content type (ZAP parses every body): 10035-6. At the LOW
threshold same-origin redirects are reported too, and an HSTS header on a plain-HTTP response raises
10035-4 "Strict-Transport-Security Header on Plain HTTP Response" (Informational).
Follows ZAP's ``StrictTransportSecurityScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..exchange import Exchange
from ..html import Document, parse
from ..model import CONF_HIGH, RISK_INFO, RISK_LOW, Alert
from .base import PassiveRule

_BAD_MAX_AGE = re.compile(r"\bmax-age\s*=\s*'*\"*\s*0\s*\"*'*\s*", re.I)
_MAX_AGE = re.compile(r"\bmax-age\s*=\s*'*\"*\s*\s*\d+\s*\"*'*\s*", re.I)
_MALFORMED_MAX_AGE = re.compile(r"['+|\"+]\s*max", re.I)
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
STS = "Strict-Transport-Security"


class StrictTransportSecurity(PassiveRule):
    follows = "StrictTransportSecurityScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10035", "Strict-Transport-Security Header Not Set", RISK_LOW, CONF_HIGH, 319, 15
    https_only = True
    description = "HTTP Strict Transport Security (HSTS) is a web security policy mechanism whereby a web server declares that complying user agents (such as a web browser) are to interact with it using only secure HTTPS connections (i.e. HTTP layered over TLS/SSL)."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to enforce Strict-Transport-Security."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        values = ex.header_values(STS)
        if ex.is_secure:
            if not values:
                # The exemption for a redirect to the same https origin applies below LOW only.
                if self.threshold == "LOW" or not self._same_origin_redirect(ex):
                    yield self.alert(ex, alert_ref="10035-1")
            elif len(values) > 1:
                yield self.alert(ex, alert_ref="10035-3", name="Strict-Transport-Security Multiple Header Entries (Non-compliant with Spec)")
            else:
                value = values[0]
                bad = _BAD_MAX_AGE.search(value)
                if not _PRINTABLE.fullmatch(value):
                    yield self.alert(ex, alert_ref="10035-8", evidence=STS,
                                     name="Strict-Transport-Security Malformed Content (Non-compliant with Spec)")
                elif bad:
                    yield self.alert(ex, alert_ref="10035-2", name="Strict-Transport-Security Disabled", evidence=bad.group(0))
                elif not _MAX_AGE.search(value):
                    yield self.alert(ex, alert_ref="10035-5", evidence=value,
                                     name="Strict-Transport-Security Missing Max-Age (Non-compliant with Spec)")
                elif _MALFORMED_MAX_AGE.search(value):
                    yield self.alert(ex, alert_ref="10035-7", evidence=value,
                                     name="Strict-Transport-Security Max-Age Malformed (Non-compliant with Spec)")
        elif values and self.threshold == "LOW":
            yield self.alert(ex, alert_ref="10035-4", risk=RISK_INFO, evidence=values[0],
                             name="Strict-Transport-Security Header on Plain HTTP Response",
                             description=("A HTTP Strict Transport Security (HSTS) header was found, but HSTS headers are ignored on "
                                          "plain (non-HTTPS) responses.\n" + self.description),
                             solution=("Review the configuration of this control. Ensure that your web server, application server, "
                                       "load balancer, etc. is configured to set Strict-Transport-Security for HTTPS responses."),
                             reference="https://datatracker.ietf.org/doc/html/rfc6797#section-8.1")
        markup = doc if ex.is_html or not ex.body else parse(ex.text)  # ZAP reads META in any body
        for meta in markup.all("meta"):
            equiv = meta.get("http-equiv") or ""
            if equiv.lower() == STS.lower():
                yield self.alert(ex, alert_ref="10035-6", evidence=equiv,
                                 name="Strict-Transport-Security Defined via META (Non-compliant with Spec)")
                break

    @staticmethod
    def _same_origin_redirect(ex: Exchange) -> bool:
        if not ex.is_redirect:
            return False
        location = ex.header("Location")
        if location is None:
            return False
        target = urlsplit(location)
        if not target.scheme and not target.netloc:
            return True
        source = ex.parts
        return target.scheme.lower() == "https" and target.hostname == source.hostname and target.port == source.port

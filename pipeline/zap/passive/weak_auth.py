"""10105 Weak Authentication Method (Medium, Medium; CWE-326, WASC-4).

Over plain HTTP: 10105-2 a ``WWW-Authenticate`` challenge for Basic or Digest (evidence is the
header); 10105-1 "Authentication Credentials Captured" when a request carried Basic/Digest
credentials (High when a Basic password decodes; CWE-287, WASC-1). The credentials themselves are
never copied into the alert (ZAP's other info prints them; ours names only the scheme). A Basic
header must be exactly ``Basic <value>``; a Digest header must carry ``username="..."``.
Follows ZAP's ``InsecureAuthenticationScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_HIGH, RISK_MEDIUM, Alert
from .base import PassiveRule

_DIGEST_USERNAME = re.compile(r'.*username="([^"]+)".*', re.S)


class WeakAuthentication(PassiveRule):
    follows = "InsecureAuthenticationScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10105", "Weak Authentication Method", RISK_MEDIUM, CONF_MEDIUM, 326, 4
    description = "HTTP basic or digest authentication has been used over an unsecured connection. The credentials can be read and then reused by someone with access to the network."
    solution = "Protect the connection using HTTPS or use a stronger authentication mechanism."
    reference = "https://owasp.org/www-community/Authentication_Cheat_Sheet"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.is_secure:
            return
        for value in ex.request_header_values("Authorization"):
            lowered = value.lower()
            if not lowered.startswith(("basic ", "digest ")):
                continue
            scheme = value[:6].strip()
            risk = RISK_MEDIUM
            if scheme.lower() == "basic":
                parts = value.split(" ")
                if len(parts) != 2:
                    continue  # ZAP: a malformed Basic header is not credentials
                try:
                    decoded = base64.b64decode(parts[1], validate=True).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    decoded = ""
                if ":" in decoded:
                    risk = RISK_HIGH
            elif not _DIGEST_USERNAME.match(value.split(" ", 1)[1]):
                continue  # ZAP: Digest credentials without a username="..." are not reported
            yield self.alert(ex, alert_ref="10105-1", name="Authentication Credentials Captured", risk=risk,
                             cwe_id=287, wasc_id=1,
                             other=f"[{ex.method}] [{ex.url}] uses insecure authentication mechanism [{scheme}].")
        for challenge in ex.header_values("WWW-Authenticate"):
            if "basic" in challenge.lower() or "digest" in challenge.lower():
                yield self.alert(ex, alert_ref="10105-2", evidence=f"WWW-Authenticate: {challenge}")

"""10024 Information Disclosure - Sensitive Information in URL (Informational, Medium; CWE-598, WASC-13).

Looks at the request's query parameters: a name containing a sensitive word (ZAP's
``URL-information-disclosure-messages.txt``: user, pass, token, session...), or a value that is a
credit card number, an e-mail address or a US SSN. Param is the parameter name; the evidence is the
name or the value, as in ZAP (the engine's redaction masks secret-looking values before any report).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_INFO, Alert
from .base import PassiveRule

SENSITIVE_NAMES = ("user", "username", "pass", "password", "pwd", "token", "ticket", "session", "jsessionid", "sessionid")
_EMAIL = re.compile(r"\b[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,4}\b")
_CARD = re.compile(r"\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}"
                   r"|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})\b")
_SSN = re.compile(r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b")


class SensitiveInfoInUrl(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10024", "Information Disclosure - Sensitive Information in URL", RISK_INFO, CONF_MEDIUM, 598, 13
    description = "The request appeared to contain sensitive information leaked in the URL. This can violate PCI and most organizational compliance policies."
    solution = "Do not pass sensitive information in URIs."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for name, value in sorted(set(ex.url_params())):
            word = next((w for w in SENSITIVE_NAMES if w in name.lower()), None)
            if word:
                yield self.alert(ex, param=name, evidence=name,
                                 other=f"The URL contains potentially sensitive information. The following string was found via the pattern: {word}\n{name}")
            if _CARD.search(value):
                yield self.alert(ex, param=name, evidence=value, other="The URL appears to contain credit card information.")
            if _EMAIL.search(value):
                yield self.alert(ex, param=name, evidence=value, other="The URL contains email address(es).")
            if _SSN.search(value):
                yield self.alert(ex, param=name, evidence=value, other="The URL appears to contain US Social Security Number(s).")

"""10110 Dangerous JS Functions (Low, Low; CWE-749).

Follows ZAP's ``JsFunctionScanRule`` (zap-extensions pscanrulesBeta v51) with its default list
``txt/js-function-list.txt``: on an HTML page, the first ``<script>`` element (the whole element as
written) in which one of the functions is called; on a JavaScript response, the whole body. One
alert per response; evidence is the first match of the first function in the list's order, e.g.
``eval(``. A ``$`` in a listed name is dropped and a ``$`` prefix allowed, as ZAP does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, RISK_LOW, Alert
from .base import PassiveRule

FUNCTIONS = ("bypassSecurityTrustHtml", "bypassSecurityTrustScript", "bypassSecurityTrustStyle", "bypassSecurityTrustUrl",
             "bypassSecurityTrustResourceUrl", "trustAsHtml", "$sce.trustAsHtml", "$eval", "$evalAsync", "eval")
# The name goes into the regex as written (ZAP does not quote it), so '.' matches any character.
PATTERNS = tuple(re.compile(r"\b\$?" + name.replace("$", "") + r"\s{0,5}\(", re.I) for name in FUNCTIONS)


def first_call(text: str) -> str:
    for pattern in PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return ""


class DangerousJsFunctions(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10110", "Dangerous JS Functions", RISK_LOW, CONF_LOW, 749, 0
    follows = "JsFunctionScanRule, pscanrulesBeta v51"
    description = "A dangerous JS function seems to be in use that would leave the site vulnerable."
    solution = "See the references for security advice on the use of these functions."
    reference = "https://v17.angular.io/guide/security"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body:
            return
        evidence = ""
        if ex.is_html:
            for script in doc.all("script"):
                evidence = first_call(script.text)
                if evidence:
                    break
        elif ex.is_javascript:
            evidence = first_call(ex.text)
        if evidence:
            yield self.alert(ex, evidence=evidence)

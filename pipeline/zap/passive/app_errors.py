"""90022 Application Error Disclosure (Medium, Medium; CWE-550, WASC-13).

An HTTP 500 response raises it at Low risk with the status line as evidence. Any other response
that is not a 404, not WebAssembly, not JavaScript or CSS, and whose body contains one of ZAP's
``application_errors.xml`` patterns (database driver errors, stack traces, server error banners)
raises it at Medium with the matched text as evidence: every plain string is tried before any
regex, as ZAP's ContentMatcher does, using all of the file's patterns (``app_error_patterns``).
At the LOW threshold JavaScript and CSS are scanned too; at HIGH an HTTP 500 alone is not reported.
Follows ZAP's ``ApplicationErrorScanRule`` (zap-extensions pscanrules v76). Bodies with control characters (binary) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, RISK_MEDIUM, Alert
from . import app_error_patterns as patterns
from .base import PassiveRule

ERROR_REGEXES = tuple(re.compile(p) for p in patterns.ERROR_REGEXES)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")


class ApplicationErrorDisclosure(PassiveRule):
    follows = "ApplicationErrorScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90022", "Application Error Disclosure", RISK_MEDIUM, CONF_MEDIUM, 550, 13
    description = "This page contains an error/warning message that may disclose sensitive information like the location of the file that produced the unhandled exception. This information can be used to launch further attacks against the web application. The alert could be a false positive if the error message is found inside a documentation page."
    solution = "Review the source code of this page. Implement custom error pages. Consider implementing a mechanism to provide a unique error reference/identifier to the client (browser) while logging the details on the server side and not exposing them to the user."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        text = ex.text
        if _CONTROL.search(text):
            return
        if ex.status == 500:
            if self.threshold == "HIGH":
                return
            yield self.alert(ex, risk=RISK_LOW, evidence=f"HTTP/1.1 {ex.status} {ex.reason}".rstrip())
            return
        if ex.status == 404 or ex.has_content_type("application/wasm"):
            return
        if self.threshold != "LOW" and (ex.is_javascript or ex.is_css):
            return
        for needle in patterns.ERROR_STRINGS:
            if needle in text:
                yield self.alert(ex, evidence=needle)
                return
        for pattern in ERROR_REGEXES:
            match = pattern.search(text)
            if match:
                yield self.alert(ex, evidence=match.group(0))
                return

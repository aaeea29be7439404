"""10023 Information Disclosure - Debug Error Messages (Low, Medium; CWE-1295, WASC-13).

Fires on a non-empty text response (not JavaScript) whose body contains, case-insensitively, one of
the debug-error fragments of ZAP's ``xml/debug-error-messages.txt``; evidence is the fragment as it
appears in the body.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_LOW, Alert
from .base import PassiveRule

# The fragments ZAP ships in zapHomeFiles/xml/debug-error-messages.txt (matched lower-cased).
DEBUG_ERRORS = tuple(s.lower() for s in (
    "Error Occurred While Processing Request", "Internal Server Error", "test page for apache",
    "failed to open stream: HTTP request failed!", "Parse error: parse error, unexpected T_VARIABLE",
    "The script whose uid is", "PHP Parse error", "PHP Warning", "PHP Error",
    "Warning: Cannot modify header information - headers already sent", "mysqli error is", "mysql error is",
    "404 SC_NOT_FOUND", "ASP.NET_SessionId", "servlet error:", "Under construction",
    "Welcome to Windows 2000 Internet Services", "welcome to iis 4.0",
    "Warning: Supplied argument is not a valid File-Handle resource", "Warning: Division by zero in",
    "Warning: SAFE MODE Restriction in effect.", "Error Message : Error loading required libraries.",
    "Fatal error: Call to undefined function", "access denied for user", "incorrect syntax near",
    "Unclosed quotation mark before the character string", "There seems to have been a problem with the",
    "customErrors mode", "This error page might contain sensitive information because ASP.NET",
))


class DebugErrorMessages(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10023", "Information Disclosure - Debug Error Messages", RISK_LOW, CONF_MEDIUM, 1295, 13
    description = "The response appeared to contain common error messages returned by platforms such as ASP.NET, and Web-servers such as IIS and Apache. You can configure the list of common debug messages."
    solution = "Disable debugging messages before pushing to production."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if (ex.is_javascript and self.threshold != "LOW") or not ex.body or not ex.is_text:
            return
        text = ex.text
        lowered = text.lower()
        for fragment in DEBUG_ERRORS:
            start = lowered.find(fragment)
            if start >= 0:
                yield self.alert(ex, evidence=text[start:start + len(fragment)])
                return

"""10050 Retrieved from Cache (Informational, Medium; CWE-525).

Follows ZAP's ``RetrievedFromCacheScanRule`` (zap-extensions pscanrules v76): 10050-1 when an
``X-Cache`` entry (comma-separated) starts with ``HIT`` (evidence: that entry); else 10050-2 when an
``Age`` header is a non-negative integer (evidence ``Age: <value>``: an HTTP/1.1 cache answered).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_INFO, Alert
from .base import PassiveRule


class RetrievedFromCache(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10050", "Retrieved from Cache", RISK_INFO, CONF_MEDIUM, 525, 0
    follows = "RetrievedFromCacheScanRule, pscanrules v76"
    description = "The content was retrieved from a shared cache. If the response data is sensitive, personal or user-specific, this may result in sensitive information being leaked. In some cases, this may even result in a user gaining complete control of the session of another user, depending on the configuration of the caching components in use in their environment. This is primarily an issue where caching servers such as \"proxy\" caches are configured on the local network. This configuration is typically found in corporate or educational environments, for instance."
    solution = "Validate that the response does not contain sensitive, personal or user-specific information. If it does, consider the use of the following HTTP response headers, to limit, or prevent the content being stored and retrieved from the cache by another user:\nCache-Control: no-cache, no-store, must-revalidate, private\nPragma: no-cache\nExpires: 0\nThis configuration directs both HTTP 1.0 and HTTP 1.1 compliant caching servers to not store the response, and to not retrieve the response (without validation) from the cache, in response to a similar request."
    reference = "https://datatracker.ietf.org/doc/html/rfc7234\nhttps://datatracker.ietf.org/doc/html/rfc7231\nhttps://www.rfc-editor.org/rfc/rfc9110.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for header in ex.header_values("X-Cache"):
            for entry in header.split(","):
                entry = entry[1:] if entry.startswith(" ") else entry
                if entry.split(" ", 2)[0].upper() == "HIT":
                    yield self.alert(ex, alert_ref="10050-1", evidence=entry)
                    return
        for age in ex.header_values("Age"):
            if age.isdigit():  # Long.parseLong and >= 0 (a '+' sign aside)
                yield self.alert(ex, alert_ref="10050-2", evidence=f"Age: {age}",
                                 other="The presence of the 'Age' header indicates that a HTTP/1.1 compliant caching server is in use.")
                return

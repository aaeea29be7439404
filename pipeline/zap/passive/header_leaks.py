"""Response headers that leak back-end or debugging details. Each follows its ZAP class in
zap-extensions pscanrules v76:

- 10039 X-Backend-Server Header Information Leak (Low, Medium; CWE-497, WASC-13),
  ``XBackendServerInformationLeakScanRule``: one alert per ``X-Backend-Server`` value (evidence).
- 10052 X-ChromeLogger-Data (XCOLD) Header Information Leak (Medium, High; CWE-532, WASC-13),
  ``XChromeLoggerDataInfoLeakScanRule``: one per ``X-ChromeLogger-Data``/``X-ChromePhp-Data`` value;
  other info is the value base64-decoded (or says it could not be).
- 10056 X-Debug-Token Information Leak (Low, High; CWE-489, WASC-13), ``XDebugTokenScanRule``: the
  ``X-Debug-Token-Link`` header line, else the ``X-Debug-Token`` line, as evidence.
- 10061 X-AspNet-Version Response Header (Low, High; CWE-933, WASC-14), ``XAspNetVersionScanRule``:
  the first ``X-AspNet-Version`` and the first ``X-AspNetMvc-Version`` value.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, CONF_MEDIUM, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule


class XBackendServerLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10039", "X-Backend-Server Header Information Leak", RISK_LOW, CONF_MEDIUM, 497, 13
    follows = "XBackendServerInformationLeakScanRule, pscanrules v76"
    description = "The server is leaking information pertaining to backend systems (such as hostnames or IP addresses). Armed with this information an attacker may be able to attack other systems or more directly/efficiently attack those systems."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to suppress X-Backend-Server headers."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for value in ex.header_values("X-Backend-Server"):
            yield self.alert(ex, evidence=value)


class XChromeLoggerDataLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10052", "X-ChromeLogger-Data (XCOLD) Header Information Leak", RISK_MEDIUM, CONF_HIGH, 532, 13
    follows = "XChromeLoggerDataInfoLeakScanRule, pscanrules v76"
    description = "The server is leaking information through the X-ChromeLogger-Data (or X-ChromePhp-Data) response header. The content of such headers can be customized by the developer, however it is not uncommon to find: server file system locations, vhost declarations, etc."
    solution = "Disable this functionality in Production when it might leak information that could be leveraged by an attacker. Alternatively ensure that use of the functionality is tied to a strong authorization check and only available to administrators or support personnel for troubleshooting purposes not general users."
    reference = "https://craig.is/writing/chrome-logger"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for value in ex.header_values("X-ChromeLogger-Data") + ex.header_values("X-ChromePhp-Data"):
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8", "replace")
                other = "The following represents an attempt to base64 decode the value:\n" + decoded
            except (binascii.Error, ValueError):
                other = "Header value could not be base64 decoded: " + value
            yield self.alert(ex, evidence=value, other=other)


class XDebugTokenLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10056", "X-Debug-Token Information Leak", RISK_LOW, CONF_HIGH, 489, 13
    follows = "XDebugTokenScanRule, pscanrules v76"
    description = "The response contained an X-Debug-Token or X-Debug-Token-Link header. This indicates that Symfony's Profiler may be in use and exposing sensitive data."
    solution = "Limit access to Symfony's Profiler, either via authentication/authorization or limiting inclusion of the header to specific clients (by IP, etc.)."
    reference = "https://symfony.com/doc/current/profiler.html\nhttps://symfony.com/blog/new-in-symfony-2-4-quicker-access-to-the-profiler-when-working-on-an-api"
    OTHER = "By accessing a URL in the form https://target_host/_profiler/token_value (i.e.: https://example.com/_profiler_/123ab4), you may gain access to the profiler and further leaked information."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for header in ("X-Debug-Token-Link", "X-Debug-Token"):
            if ex.header_values(header):
                # ZAP's evidence is the first header line starting with the name, as written.
                line = next((line for line in ex.header_block().split("\r\n") if line.lower().startswith(header.lower())), header)
                yield self.alert(ex, evidence=line, other=self.OTHER)
                return


class XAspNetVersionLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10061", "X-AspNet-Version Response Header", RISK_LOW, CONF_HIGH, 933, 14
    follows = "XAspNetVersionScanRule, pscanrules v76"
    description = 'Server leaks information via "X-AspNet-Version"/"X-AspNetMvc-Version" HTTP response header field(s).'
    solution = "Configure the server so it will not return those headers."
    reference = "https://www.troyhunt.com/shhh-dont-let-your-response-headers/\nhttps://learn.microsoft.com/en-us/archive/blogs/varunm/remove-unwanted-http-response-headers"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for header in ("X-AspNet-Version", "X-AspNetMvc-Version"):
            found = ex.header_values(header)
            if found:
                yield self.alert(ex, evidence=found[0], other="An attacker can use this information to exploit known vulnerabilities.")

"""Banner rules: 10036 (``Server`` with a version) and 10037 (``X-Powered-By`` present).

10036 Server Leaks Version Information via "Server" HTTP Response Header Field (Low, High;
CWE-497, WASC-13, alertRef 10036-2): a ``Server`` value containing a digit. At the LOW threshold a
value without one raises 10036-1 "Server Leaks its Webserver Application via "Server" HTTP Response
Header Field" (Informational). Both follow ZAP's ``ServerHeaderInfoLeakScanRule`` (pscanrules v76);
10037 follows ``XPoweredByHeaderInfoLeakScanRule``.

10037 Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s) (Low, Medium;
CWE-497, WASC-13): any ``X-Powered-By``; evidence is the first header line, the others go to other info.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, CONF_MEDIUM, RISK_INFO, RISK_LOW, Alert
from .base import PassiveRule

_DIGIT = re.compile(r".*\d.*", re.S)
LEAKS_APPLICATION = ('The web/application server is leaking the application it uses as a webserver via the "Server" HTTP response '
                     "header. Access to such information may facilitate attackers identifying other vulnerabilities your "
                     "web/application server is subject to. This information alone, i.e. without a version string, is not very "
                     "dangerous for the security of a server, nevertheless this information in the response header field is almost "
                     "always useless and thus just an obsolete attacking vector.")


class ServerVersionLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = (
        "10036", 'Server Leaks Version Information via "Server" HTTP Response Header Field', RISK_LOW, CONF_HIGH, 497, 13)
    description = "The web/application server is leaking version information via the \"Server\" HTTP response header. Access to such information may facilitate attackers identifying other vulnerabilities your web/application server is subject to."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to suppress the \"Server\" header or provide generic details."
    reference = "https://httpd.apache.org/docs/current/mod/core.html#servertokens"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for value in ex.header_values("Server"):
            if _DIGIT.fullmatch(value):
                yield self.alert(ex, alert_ref="10036-2", evidence=value)
            elif self.threshold == "LOW":
                yield self.alert(ex, alert_ref="10036-1", evidence=value, risk=RISK_INFO,
                                 name='Server Leaks its Webserver Application via "Server" HTTP Response Header Field',
                                 description=LEAKS_APPLICATION)


class XPoweredByLeak(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = (
        "10037", 'Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s)', RISK_LOW, CONF_MEDIUM, 497, 13)
    description = "The web/application server is leaking information via one or more \"X-Powered-By\" HTTP response headers. Access to such information may facilitate attackers identifying other frameworks/components your web application is reliant upon and the vulnerabilities such components may be subject to."
    solution = "Ensure that your web server, application server, load balancer, etc. is configured to suppress \"X-Powered-By\" headers."
    reference = "https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/08-Fingerprint_Web_Application_Framework"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        lines = [f"{k}: {v}" for k, v in ex.headers if k.lower() == "x-powered-by"]
        if lines:
            other = ""
            if len(lines) > 1:
                other = "The following X-Powered-By headers were also found:\r\n" + "".join(f"{line}\r\n" for line in lines[1:])
            yield self.alert(ex, evidence=lines[0], other=other)

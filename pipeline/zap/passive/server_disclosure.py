"""What a response body or header gives away about the server. Each follows its ZAP class in
zap-extensions pscanrules v76:

- 10009 In Page Banner Information Leak (Low, High; CWE-497, WASC-13), ``InPageBannerInfoLeakScanRule``:
  a Tomcat/Apache/nginx/Jetty/Squid version banner in the body of a 4xx/5xx response (2xx too at LOW).
- 10033 Directory Browsing (Medium, Medium; CWE-548, WASC-16), ``DirectoryBrowsingScanRule``: an
  Apache "Index of /" title or an IIS "[To Parent Directory]" listing.
- 10034 Heartbleed OpenSSL Vulnerability (Indicative) (High, Low; CWE-119, WASC-20),
  ``HeartBleedScanRule``: a ``Server`` header naming a vulnerable OpenSSL 1.0.1 build.
- 10044 Big Redirect Detected (Low, Medium; CWE-201, WASC-13), ``BigRedirectsScanRule``: a redirect
  (not 304) whose body is longer than the Location plus 300 bytes (10044-1), else one with more than
  one ``href`` (10044-2 "Multiple HREFs Redirect Detected").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule

BANNERS = tuple(re.compile(p, re.I) for p in (
    r"Tomcat\/\d\.\d\.\d{1,2}", r"Apache\/\d\.\d\.\d{1,2}", r"nginx\/\d\.\d{1,2}\.\d{1,2}", r"Jetty:\/\/\d\.\d{1,2}",
    r"squid\/\d\.\d{1,2}"))
LISTINGS = ((re.compile(r"<title>Index of /[^<]+?</title>", re.M | re.S), "Apache 2"),
            (re.compile(r"<pre><A\s+HREF\s*=\s*\"/[^>]*\">\[To Parent Directory\]</A><br><br>", re.M | re.S), "Microsoft IIS"))
_OPENSSL = re.compile(r"Server:.*?(OpenSSL/([0-9.]+[a-z-0-9]+))", re.I)
VULNERABLE_OPENSSL = frozenset(v.lower() for v in (
    "1.0.1-Beta1", "1.0.1-Beta2", "1.0.1-Beta3", "1.0.1", "1.0.1a", "1.0.1b", "1.0.1c", "1.0.1d", "1.0.1e", "1.0.1f", "1.0.2-beta"))
_HREF = re.compile("href", re.I)


class InPageBanner(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10009", "In Page Banner Information Leak", RISK_LOW, CONF_HIGH, 497, 13
    follows = "InPageBannerInfoLeakScanRule, pscanrules v76"
    description = "The server returned a version banner string in the response content. Such information leaks may allow attackers to further target specific issues impacting the product and version in use."
    solution = 'Configure the server to prevent such information leaks. For example:\nUnder Tomcat this is done via the "server" directive and implementation of custom error pages.\nUnder Apache this is done via the "ServerSignature" and "ServerTokens" directives.'
    reference = "https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not (ex.is_client_error or ex.is_server_error or (self.threshold == "LOW" and ex.is_success)):
            return
        for pattern in BANNERS:
            match = pattern.search(ex.text)
            if match:
                yield self.alert(ex, evidence=match.group(0), other=(
                    "There is a chance that the highlight in the finding is on a value in the headers, versus the actual "
                    "matched string in the response body."))
                return


class DirectoryBrowsing(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10033", "Directory Browsing", RISK_MEDIUM, CONF_MEDIUM, 548, 16
    follows = "DirectoryBrowsingScanRule, pscanrules v76"
    description = "It is possible to view a listing of the directory contents. Directory listings may reveal hidden scripts, include files, backup source files, etc., which can be accessed to reveal sensitive information."
    solution = "Configure the web server to disable directory browsing."
    reference = "https://cwe.mitre.org/data/definitions/548.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for pattern, server in LISTINGS:
            match = pattern.search(ex.text)
            if match:
                yield self.alert(ex, evidence=match.group(0), other=f"Web server identified: {server}")
                return


class HeartbleedIndicative(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10034", "Heartbleed OpenSSL Vulnerability (Indicative)", RISK_HIGH, CONF_LOW, 119, 20
    follows = "HeartBleedScanRule, pscanrules v76"
    description = "The TLS and DTLS implementations in OpenSSL 1.0.1 before 1.0.1g do not properly handle Heartbeat Extension packets, which allows remote attackers to obtain sensitive information from process memory via crafted packets that trigger a buffer over-read, potentially disclosing sensitive information."
    solution = "Update to OpenSSL 1.0.1g or later. Re-issue HTTPS certificates. Change asymmetric private keys and shared secret keys, since these may have been compromised, with no evidence of compromise in the server log files."
    reference = "https://nvd.nist.gov/vuln/detail/CVE-2014-0160"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        headers = "".join(f"{k}: {v}\r\n" for k, v in ex.headers)
        for match in _OPENSSL.finditer(headers):
            if match.group(2).lower() in VULNERABLE_OPENSSL:
                yield self.alert(ex, evidence=match.group(1), other=(
                    f"{match.group(1)} is in use. Note however that the reported version could contain back-ported security "
                    "fixes, and so the issue could be a false positive. This is common on Red Hat, for instance."))
                return


class BigRedirect(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10044", "Big Redirect Detected (Potential Sensitive Information Leak)", RISK_LOW, CONF_MEDIUM, 201, 13
    follows = "BigRedirectsScanRule, pscanrules v76"
    description = "The server has responded with a redirect that seems to provide a large response. This may indicate that although the server sent a redirect it also responded with body content (which may include sensitive details, PII, etc.)."
    solution = "Ensure that no sensitive information is leaked via redirect responses. Redirect responses should have almost no content."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_redirect or ex.status == 304:
            return
        location = ex.header("Location")
        if not location:
            return
        predicted = len(location) + 300
        if len(ex.body) > predicted:
            yield self.alert(ex, alert_ref="10044-1", other=(
                f"Location header URI length: {len(location)} [{location}].\nPredicted response size: {predicted}.\n"
                f"Response Body Length: {len(ex.body)}."))
            return
        hrefs = len(_HREF.findall(ex.text))
        if hrefs > 1:
            yield self.alert(ex, alert_ref="10044-2", name="Multiple HREFs Redirect Detected (Potential Sensitive Information Leak)",
                             description=("The server has responded with a redirect that seems to contain multiple links. This may "
                                          "indicate that although the server sent a redirect it also responded with body content links "
                                          "(which may include sensitive details, PII, lead to admin panels, etc.)."),
                             other=f'The response contained {hrefs} occurrences of "HREF".')

"""More of ZAP's release and beta rules, each after its class (zap-extensions pscanrules v76,
pscanrulesBeta v51):

- 10097 Hash Disclosure (High or Low by hash type; CWE-497, WASC-13), ``HashDisclosureScanRule``:
  crypt/LanMan/NTLM-style hashes (High confidence) always; bare hex SHA/MD5 digests (Low confidence)
  only at the LOW threshold, in request and response headers and bodies (JavaScript only at LOW).
  The name is ``"Hash Disclosure - " + type``, alertRef ``10097-N``.
- 90011 Charset Mismatch (Informational, Low; CWE-436, WASC-15), ``CharsetMismatchScanRule``: the
  Content-Type charset differs from a META content-type charset (90011-1) or META charset (90011-2),
  the two METAs differ at LOW (90011-3), or an XML declaration's encoding differs (90011-4).
- 10057 Username Hash Found (Informational, High; CWE-284, WASC-2), ``UsernameIdorScanRule``: an
  MD2/MD5/SHA-1/SHA-256/384/512 hex digest of ``Admin`` or ``admin`` in the headers or body.
- 10026 HTTP Parameter Override (Medium, Low; CWE-20, WASC-20), ``ServletParameterPollutionScanRule``:
  only at the LOW threshold (ZAP's default technology set includes JSP/Servlet), a form without action.
- 10116 ZAP is Out of Date, ``ZapVersionScanRule``: about the ZAP that runs the scan, so the embedded
  engine (which is not ZAP) never raises it; kept so the rule list and its settings match a baseline's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from ..exchange import Exchange, Headers
from ..html import Document, parse
from ..model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule

# (pattern, type, risk, confidence, alertRef), in ZAP's order.
HASHES = tuple((re.compile(p, f), kind, risk, conf, ref) for p, f, kind, risk, conf, ref in (
    (r"\$LM\$[a-f0-9]{16}", re.I, "LanMan / DES", RISK_HIGH, CONF_HIGH, 1),
    (r"\$K4\$[a-f0-9]{16},", re.I, "Kerberos AFS DES", RISK_HIGH, CONF_HIGH, 2),
    (r"\$2a\$05\$[a-z0-9\+\-_./=]{53}", re.I, "OpenBSD Blowfish", RISK_HIGH, CONF_HIGH, 3),
    (r"\$2y\$05\$[a-z0-9\+\-_./=]{53}", re.I, "OpenBSD Blowfish", RISK_HIGH, CONF_HIGH, 3),
    (r"\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}", 0, "MD5 Crypt", RISK_HIGH, CONF_HIGH, 4),
    (r"\$5\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}", 0, "SHA-256 Crypt", RISK_HIGH, CONF_HIGH, 5),
    (r"\$5\$rounds=[0-9]+\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}", 0, "SHA-256 Crypt", RISK_HIGH, CONF_HIGH, 5),
    (r"\$6\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}", 0, "SHA-512 Crypt", RISK_HIGH, CONF_HIGH, 6),
    (r"\$6\$rounds=[0-9]+\$[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}", 0, "SHA-512 Crypt", RISK_HIGH, CONF_HIGH, 6),
    (r"\$2\$[0-9]{2}\$[./0-9A-Za-z]{53}", 0, "BCrypt", RISK_HIGH, CONF_HIGH, 7),
    (r"\$2a\$[0-9]{2}\$[./0-9A-Za-z]{53}", 0, "BCrypt", RISK_HIGH, CONF_HIGH, 7),
    (r"\$3\$\$[0-9a-f]{32}", 0, "NTLM", RISK_HIGH, CONF_HIGH, 8),
    (r"\$NT\$[0-9a-f]{32}", 0, "NTLM", RISK_HIGH, CONF_HIGH, 8),
    (r"\b[0-9A-F]{48}\b", 0, "Salted SHA-1", RISK_LOW, CONF_LOW, 9),
    (r"\b[0-9a-f]{128}\b", re.I, "SHA-512", RISK_LOW, CONF_LOW, 10),
    (r"\b[0-9a-f]{96}\b", re.I, "SHA-384", RISK_LOW, CONF_LOW, 11),
    (r"\b[0-9a-f]{64}\b", re.I, "SHA-256", RISK_LOW, CONF_LOW, 12),
    (r"\b[0-9a-f]{56}\b", re.I, "SHA-224", RISK_LOW, CONF_LOW, 13),
    (r"\b[0-9a-f]{40}\b", re.I, "SHA-1", RISK_LOW, CONF_LOW, 14),
    # ZAP's LanMan pattern escapes the '[' (so it looks for a literal "[0-9a-f]" text); kept as is.
    (r"\b\[0-9a-f]{32}\b", 0, "LanMan", RISK_LOW, CONF_LOW, 15),
    (r"(?<!jsessionid=)\b[0-9a-f]{32}\b", re.I, "MD4 / MD5", RISK_LOW, CONF_LOW, 16),
))
_MIN_CONFIDENCE = {"LOW": CONF_LOW, "MEDIUM": CONF_MEDIUM, "HIGH": CONF_HIGH}
USERNAMES = ("Admin", "admin")
_DIGESTS = (("MD2", None), ("MD5", "md5"), ("SHA1", "sha1"), ("SHA256", "sha256"), ("SHA384", "sha384"), ("SHA512", "sha512"))


def _md2(data: bytes) -> str:
    """RFC 1319 MD2 (hashlib does not offer it), for the username-hash rule."""
    s = [41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6, 19, 98, 167, 5, 243, 192, 199, 115, 140, 152, 147, 43,
         217, 188, 76, 130, 202, 30, 155, 87, 60, 253, 212, 224, 22, 103, 66, 111, 24, 138, 23, 229, 18, 190, 78, 196, 214, 218,
         158, 222, 73, 160, 251, 245, 142, 187, 47, 238, 122, 169, 104, 121, 145, 21, 178, 7, 63, 148, 194, 16, 137, 11, 34, 95,
         33, 128, 127, 93, 154, 90, 144, 50, 39, 53, 62, 204, 231, 191, 247, 151, 3, 255, 25, 48, 179, 72, 165, 181, 209, 215, 94,
         146, 42, 172, 86, 170, 198, 79, 184, 56, 210, 150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4, 241, 69, 157, 112, 89,
         100, 113, 135, 32, 134, 91, 207, 101, 230, 45, 168, 2, 27, 96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126,
         15, 85, 71, 163, 35, 221, 81, 175, 58, 195, 92, 249, 206, 186, 197, 234, 38, 44, 83, 13, 110, 133, 40, 132, 9, 211, 223,
         205, 244, 65, 129, 77, 82, 106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123, 8, 12, 189, 177, 74, 120, 136, 149, 139,
         227, 99, 232, 109, 233, 203, 213, 254, 59, 0, 29, 57, 242, 239, 183, 14, 102, 88, 208, 228, 166, 119, 114, 248, 235, 117,
         75, 10, 49, 68, 80, 180, 143, 237, 31, 26, 219, 153, 141, 51, 159, 17, 131, 20]
    pad = 16 - len(data) % 16
    message = data + bytes([pad] * pad)
    checksum, last = [0] * 16, 0
    for i in range(0, len(message), 16):
        for j in range(16):
            checksum[j] ^= s[message[i + j] ^ last]
            last = checksum[j]
    message += bytes(checksum)
    x = [0] * 48
    for i in range(0, len(message), 16):
        for j in range(16):
            x[16 + j] = message[i + j]
            x[32 + j] = x[16 + j] ^ x[j]
        t = 0
        for j in range(18):
            for k in range(48):
                x[k] ^= s[t]
                t = x[k]
            t = (t + j) % 256
    return bytes(x[:16]).hex()


def username_digests(name: str) -> list[tuple[str, str]]:
    data = name.encode("utf-8")
    return [(label, _md2(data) if algo is None else hashlib.new(algo, data).hexdigest()) for label, algo in _DIGESTS]


def _headers_text(headers: Headers) -> str:
    return "".join(f"{k}: {v}\r\n" for k, v in headers)


class HashDisclosure(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10097", "Hash Disclosure", RISK_LOW, CONF_LOW, 497, 13
    follows = "HashDisclosureScanRule, pscanrules v76"
    solution = "Ensure that hashes that are used to protect credentials or other resources are not leaked by the web server or database. There is typically no requirement for password hashes to be accessible to the web browser."
    reference = "https://openwall.info/wiki/john/sample-hashes"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        haystacks = [_headers_text(ex.request_headers), ex.request_body.decode("utf-8", "replace")]
        if ex.is_text and (self.threshold == "LOW" or not ex.is_javascript):
            haystacks += [_headers_text(ex.headers), ex.text]
        minimum = _MIN_CONFIDENCE.get(self.threshold, CONF_MEDIUM)
        for pattern, kind, risk, confidence, ref in HASHES:
            if confidence < minimum:
                continue
            for haystack in haystacks:
                for match in pattern.finditer(haystack):
                    yield self.alert(ex, name=f"Hash Disclosure - {kind}", risk=risk, confidence=confidence, alert_ref=f"10097-{ref}",
                                     description=f"A hash was disclosed by the web server. - {kind}", evidence=match.group(0))


class CharsetMismatch(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90011", "Charset Mismatch", RISK_INFO, CONF_LOW, 436, 15
    follows = "CharsetMismatchScanRule, pscanrules v76"
    description = "This check identifies responses where the HTTP Content-Type header declares a charset different from the charset defined by the body of the HTML or XML. When there's a charset mismatch between the HTTP header and content body Web browsers can be forced into an undesirable content-sniffing mode to determine the content's correct character set.\n\nAn attacker could manipulate content on the page to be interpreted in an encoding of their choice. For example, if an attacker can control content at the beginning of the page, they could inject script using UTF-7 encoded text and manipulate some browsers into interpreting that text."
    solution = "Force UTF-8 for all text content in both the HTTP header and meta tags in HTML or encoding declarations in XML."
    reference = "https://code.google.com/archive/p/browsersec/wikis/Part2.wiki#Character_set_handling_and_detection"
    _XML = re.compile(r"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']", re.I)
    _CHARSET = re.compile(r"charset\s*=\s*[\"']?([^;\"'\s]+)", re.I)

    def _mismatch(self, ex: Exchange, ref: int, name: str, between: str, first: str, second: str) -> Alert:
        return self.alert(ex, alert_ref=f"90011-{ref}", name=name,
                          other=f"There was a charset mismatch between {between}: [{first}] and [{second}] do not match.")

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        found = self._CHARSET.search(ex.header("Content-Type") or "")
        if not ex.body or not found:
            return
        header = found.group(1).strip()
        content_type = ex.header("Content-Type") or ""
        if "text/html" in content_type or "application/xhtml" in content_type:
            markup = doc if ex.is_html else parse(ex.text)
            body_charset = meta_charset = ""
            for meta in markup.all("meta"):
                if not meta_charset.strip():
                    meta_charset = meta.get("charset") or ""
                equiv, content = meta.get("http-equiv"), meta.get("content")
                if equiv is not None and content is not None and equiv.lower() == "content-type":
                    content = content.strip()
                    body_charset = content[content.index("charset=") + 8:] if "charset=" in content else ""
            if body_charset and meta_charset and self.threshold == "LOW" and body_charset.lower() != meta_charset.lower():
                yield self._mismatch(ex, 3, "Charset Mismatch (Meta Charset Versus Meta Content-Type Charset)",
                                     "the META charset and the META content-type encoding declaration", meta_charset, body_charset)
            if body_charset and body_charset.lower() != header.lower():
                yield self._mismatch(ex, 1, "Charset Mismatch (Header Versus Meta Content-Type Charset)",
                                     "the HTTP Header and the META content-type encoding declarations", header, body_charset)
            if meta_charset and meta_charset.lower() != header.lower():
                yield self._mismatch(ex, 2, "Charset Mismatch (Header Versus Meta Charset)",
                                     "the HTTP Header and the META charset encoding declaration", header, meta_charset)
        else:
            declaration = self._XML.match(ex.text)
            if declaration and declaration.group(1).lower() != header.lower():
                yield self._mismatch(ex, 4, "Charset Mismatch", "the HTTP Header and the XML encoding declaration", header, declaration.group(1))


class UsernameHashFound(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10057", "Username Hash Found", RISK_INFO, CONF_HIGH, 284, 2
    follows = "UsernameIdorScanRule, pscanrules v76"
    solution = "Use per user or session indirect object references (create a temporary mapping at time of use). Or, ensure that each use of a direct object reference is tied to an authorization check to ensure the user is authorized for the requested object."
    reference = "https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/05-Authorization_Testing/04-Testing_for_Insecure_Direct_Object_References.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_text:
            return
        response = (ex.header_block() + ex.text).lower()
        for username in USERNAMES:
            for label, digest in username_digests(username):
                start = response.find(digest)
                if start >= 0:
                    evidence = (ex.header_block() + ex.text)[start:start + len(digest)]
                    yield self.alert(ex, evidence=evidence, other=f"The hash was an {label}, with value: {evidence}",
                                     description=f"A hash of a username ({username}) was found in the response. This may indicate that the application is subject to an Insecure Direct Object Reference (IDOR) vulnerability. Manual testing will be required to see if this discovery can be abused.")


class HttpParameterOverride(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10026", "HTTP Parameter Override", RISK_MEDIUM, CONF_LOW, 20, 20
    follows = "ServletParameterPollutionScanRule, pscanrulesBeta v51"
    description = "Unspecified form action: HTTP parameter override attack potentially possible. This is a known problem with Java Servlets but other platforms may also be vulnerable."
    solution = "All forms must specify the action URL."
    reference = "https://download.oracle.com/javaee-archive/servlet-spec.java.net/jsr340-experts/att-0317/OnParameterPollutionAttacks.pdf"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if self.threshold != "LOW":
            return
        markup = doc if ex.is_html or not ex.body else parse(ex.text)
        for form in markup.forms:
            if not form.element.get("action"):
                yield self.alert(ex, evidence=form.element.start_tag)
                return


class ZapOutOfDate(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10116", "ZAP is Out of Date", RISK_LOW, CONF_HIGH, 1104, 45
    follows = "ZapVersionScanRule, pscanrules v76"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        return iter(())  # the embedded engine is not a ZAP release that could be out of date

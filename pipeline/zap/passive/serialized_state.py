"""Server-side code and state sent to the browser. Each follows its ZAP class:

- 10099 Source Code Disclosure (Medium, Medium; CWE-540, WASC-13), ``SourceCodeDisclosureScanRule``
  (pscanrulesBeta v51): the first of ZAP's language patterns (``source_code_patterns``) found in a
  body that is not CSS, JavaScript, an image, a font or binary; the name is ``"Source Code
  Disclosure - " + language``.
- 90001 Insecure JSF ViewState (Medium, Low; CWE-642, WASC-14), ``InsecureJsfViewStatePassiveScanRule``
  (pscanrules v76): an ``<input id=...javax.faces.ViewState...>`` in a text response whose value is
  neither server-side (``_...`` or containing ``:``) nor free of ``java`` once base64-decoded and,
  if gzip, decompressed.
- 90002 Java Serialization Object (Medium, Medium; CWE-502), ``JsoScanRule`` (pscanrules v76): a
  serialized Java object (raw ``AC ED 00 05``, base64 ``rO0AB``, URI-encoded) at the start of a query
  value, a header, a cookie or a body, in the request or the response.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie

from ..exchange import Exchange, Headers
from ..html import Document, parse
from ..model import CONF_LOW, CONF_MEDIUM, RISK_MEDIUM, Alert
from .base import PassiveRule
from .source_code_patterns import LANGUAGE_PATTERNS

LANGUAGES = tuple((re.compile(p, f), language) for p, f, language in LANGUAGE_PATTERNS)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")
JSO_BYTES, JSO_BASE64, JSO_URI = b"\xac\xed\x00\x05", "rO0AB", "%C2%AC%C3%AD%00%05"


class SourceCodeDisclosure(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10099", "Source Code Disclosure", RISK_MEDIUM, CONF_MEDIUM, 540, 13
    follows = "SourceCodeDisclosureScanRule, pscanrulesBeta v51"
    solution = "Ensure that application Source Code is not available with alternative extensions, and ensure that source code is not present within other files or data deployed to the web server, or served by the web server."
    reference = "https://nhimg.org/twitter-breach"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.is_css or ex.is_javascript or ex.is_image or ex.is_font or _CONTROL.search(ex.text):
            return
        for pattern, language in LANGUAGES:
            match = pattern.search(ex.text)
            if match:
                if match.group(0):
                    yield self.alert(ex, name=f"Source Code Disclosure - {language}", evidence=match.group(0),
                                     description=f"Application Source Code was disclosed by the web server. - {language}")
                return


def _view_state_secure(value: str | None) -> bool:
    if not value:
        return True
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "java" not in value
    if len(raw) >= 4 and raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return "java" not in value
    return b"java" not in raw


class InsecureJsfViewState(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90001", "Insecure JSF ViewState", RISK_MEDIUM, CONF_LOW, 642, 14
    follows = "InsecureJsfViewStatePassiveScanRule, pscanrules v76"
    description = "The response at the following URL contains a ViewState value that has no cryptographic protections."
    solution = "Secure VIEWSTATE with a MAC specific to your environment."
    reference = "https://www.trustwave.com/hubfs/21158977/Web/Library/Advisories_txt/14213_twsl2010-001.txt"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body or not ex.is_text or "viewstate" not in ex.text.lower():
            return
        markup = doc if ex.is_html else parse(ex.text)
        for element in markup.all("input"):
            ident = element.get("id")
            if ident is None or "javax.faces.viewstate" not in ident.lower():
                continue
            value = element.get("value")
            if value is not None and (value.startswith("_") or ":" in value):
                return  # stored on the server
            if not _view_state_secure(value):
                yield self.alert(ex, other=f"JSF ViewState [{ident}] is insecure.")


class JavaSerializationObject(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90002", "Java Serialization Object", RISK_MEDIUM, CONF_MEDIUM, 502, 0
    follows = "JsoScanRule, pscanrules v76"
    description = 'Java Serialization seems to be in use. If not correctly validated, an attacker can send a specially crafted object. This can lead to a dangerous "Remote Code Execution". A magic sequence identifying JSO has been detected (Base64: rO0AB, Raw: 0xac, 0xed, 0x00, 0x05).'
    solution = "Deserialization of untrusted data is inherently dangerous and should be avoided."
    reference = "https://www.oracle.com/java/technologies/javase/seccodeguide.html#8"

    @staticmethod
    def _magic(value: str) -> bool:
        return value.startswith((JSO_BASE64, JSO_URI))

    def _headers_and_cookies(self, ex: Exchange, headers: Headers, cookie_header: str) -> Iterator[Alert]:
        for name, value in headers:
            if self._magic(value.strip()):
                yield self.alert(ex, evidence=f"{name}: {value.strip()}")
        for raw in (v for k, v in headers if k.lower() == cookie_header):
            cookies = SimpleCookie()
            try:
                cookies.load(raw)
            except CookieError:
                continue
            for morsel in cookies.values():
                if self._magic(morsel.value):
                    yield self.alert(ex, evidence=f"{morsel.key}={morsel.value}")

    def _body(self, ex: Exchange, body: bytes) -> Iterator[Alert]:
        if body[:4] == JSO_BYTES or body.decode("utf-8", "replace").startswith(JSO_BASE64):
            yield self.alert(ex)

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        for _, value in (pair.split("=", 1) for pair in ex.parts.query.split("&") if pair.count("=") >= 1):
            if self._magic(value.split("=")[0]):
                yield self.alert(ex)
        yield from self._headers_and_cookies(ex, ex.request_headers, "cookie")
        yield from self._body(ex, ex.request_body)
        yield from self._headers_and_cookies(ex, ex.headers, "set-cookie")
        yield from self._body(ex, ex.body)

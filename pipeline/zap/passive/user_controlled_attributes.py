"""10031 User Controllable HTML Element Attribute (Potential XSS) (Informational, Low; CWE-20, WASC-20).

Follows ZAP's ``UserControlledHTMLAttributesScanRule`` (zap-extensions pscanrules v76): on a 200
response whose Content-Type names ``text/html`` or ``application/xhtml``, for every attribute of every
element and every URL or form parameter (a value longer than one character), the lower-cased
attribute value starts with the lower-cased parameter value, or the parameter is the scheme, the
authority or the query (up to its first ``/``) of an absolute URL in it. A ``<meta content>`` is
also matched field by field (split on ``;``, ``=``, ``,``) unless it names a charset, and a meta
refresh is read from its ``url=``. Param is the parameter's name; there is no evidence, as in ZAP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, RISK_INFO, Alert
from .base import PassiveRule

_REFRESH = re.compile(r"^\s*?[0-9]+?\s*?;\s*?url\s*?=.*", re.S)
# Characters java.net.URI refuses anywhere in a URI (it then skips the attribute).
_NOT_URI = re.compile(r"[\s\"<>\\^`{|}]|%(?![0-9a-fA-F]{2})")
_URL_PROTOCOLS = frozenset(("http", "https", "ftp", "file", "jar"))  # java.net.URL's built-in handlers

OTHER_INFO = ("User-controlled HTML attribute values were found. Try injecting special characters to see if XSS might be possible. "
              "The page at the following URL:\n\n{url}\n\nappears to include user input in:\na(n) [{element}] tag [{attribute}] "
              "attribute\n\nThe user input found was:\n{name}={value}\n\nThe user-controlled value was:\n{controlled}")


def request_params(ex: Exchange) -> list[tuple[str, str]]:
    """Form then URL parameters, each sorted by name and value (ZAP's TreeSet of HtmlParameter)."""
    return sorted(set(ex.form_params())) + sorted(set(ex.url_params()))


def url_parts(value: str) -> tuple[str | None, str | None, str | None] | None:
    """Scheme, authority and query of an absolute URL; None when java.net.URI/URL would refuse it."""
    if _NOT_URI.search(value):
        return None
    parts = urlsplit(value)
    if parts.scheme not in _URL_PROTOCOLS:
        return None
    query = unquote(parts.query) if parts.query else None
    if query is not None and query.find("/") > 0:
        query = query[:query.find("/")]
    return parts.scheme, parts.netloc or None, query


class UserControlledHtmlAttributes(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10031", "User Controllable HTML Element Attribute (Potential XSS)", RISK_INFO, CONF_LOW, 20, 20
    follows = "UserControlledHTMLAttributesScanRule, pscanrules v76"
    description = "This check looks at user-supplied input in query string parameters and POST data to identify where certain HTML attribute values might be controlled. This provides hot-spot detection for XSS (cross-site scripting) that will require further review by a security analyst to determine exploitability."
    solution = "Validate all input and sanitize output it before writing to any HTML attributes."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        content_type = ex.header("Content-Type")
        if ex.status != 200 or content_type is None or not ("text/html" in content_type or "application/xhtml" in content_type):
            return
        params = request_params(ex)
        if not params:
            return
        for element in doc.elements:
            for attribute, value in element.attrs.items():
                yield from self._check(ex, element.name, attribute, value, params)

    def _check(self, ex: Exchange, element: str, attribute: str, raw: str,
               params: list[tuple[str, str]]) -> Iterator[Alert]:
        value = raw.lower()
        is_meta_content = element == "meta" and attribute == "content"
        if is_meta_content and _REFRESH.match(value):
            value = value[value.find("url=") + 4:].strip()
        if not value:
            return
        protocol = domain = token = None
        if value.find("://") > 0:
            parts = url_parts(value)
            if parts is None:
                return
            protocol, domain, token = parts
        for name, param_value in params:
            lowered = param_value.lower()
            if is_meta_content:
                if "charset" in value:
                    continue
                if lowered in re.split(r"[;=,]", value):
                    yield self._alert(ex, element, attribute, name, param_value, value)
                    return  # one alert for this meta
            if len(lowered) > 1 and (value.startswith(lowered) or lowered in (protocol, domain, token)
                                     or (value.find("://") > 0 and lowered.find(value) == 0)):
                yield self._alert(ex, element, attribute, name, param_value, value)

    def _alert(self, ex: Exchange, element: str, attribute: str, name: str, param_value: str, controlled: str) -> Alert:
        return self.alert(ex, param=name, other=OTHER_INFO.format(url=ex.url, element=element, attribute=attribute, name=name,
                                                                  value=param_value, controlled=controlled))

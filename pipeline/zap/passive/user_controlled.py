"""Request parameters that come back in places an attacker should not control. Each follows its ZAP
class in zap-extensions pscanrules v76; parameters are the URL's and, for a URL-encoded POST, the
form's (``request_params``):

- 10028 Off-site Redirect (High, Medium; CWE-601, WASC-38), ``UserControlledOpenRedirectScanRule``:
  a 301/302 whose absolute ``Location`` points to another authority that a parameter names.
- 10029 Cookie Poisoning (Informational, Low; CWE-565, WASC-20), ``UserControlledCookieScanRule``:
  a ``Set-Cookie`` (URL-decoded, split on ``;``, ``=``, ``|``) with a part equal to a parameter value.
- 10030 User Controllable Charset (Informational, Low; CWE-20, WASC-20), ``UserControlledCharsetScanRule``:
  a 200 HTML ``<meta http-equiv=content-type>`` charset, an XML declaration's encoding, or the
  Content-Type charset, equal to a parameter value.
- 10043 User Controllable JavaScript Event (XSS) (Informational, Low; CWE-20, WASC-20),
  ``UserControlledJavascriptEventScanRule``: an ``on*`` event attribute of a 200 HTML page with a
  part (split on ``;``, ``=``, ``,``, ``:``) equal to a parameter value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from ..exchange import Exchange
from ..html import Document, parse
from ..model import CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, Alert
from .base import PassiveRule
from .user_controlled_attributes import request_params, url_parts

JAVASCRIPT_EVENTS = frozenset((
    "onabort", "onbeforeunload", "onblur", "onchange", "onclick", "oncontextmenu", "ondblclick", "ondrag", "ondragend",
    "ondragenter", "ondragleave", "ondragover", "ondragstart", "ondrop", "onerror", "onfocus", "onhashchange", "onkeydown",
    "onkeypress", "onkeyup", "onload", "onmessage", "onmousedown", "onmousemove", "onmouseout", "onmouseover", "onmouseup",
    "onmousewheel", "onoffline", "ononline", "onpopstate", "onreset", "onresize", "onscroll", "onselect", "onstorage",
    "onsubmit", "onunload"))
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^;\"'\s]+)", re.I)


def _is_html(ex: Exchange) -> bool:
    content_type = ex.header("Content-Type")
    return content_type is not None and ("text/html" in content_type or "application/xhtml" in content_type)


def _intro(ex: Exchange, get: str, post: str) -> str:
    return {"GET": get, "POST": post}.get(ex.method.upper(), "")


class OffSiteRedirect(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10028", "Off-site Redirect", RISK_HIGH, CONF_MEDIUM, 601, 38
    follows = "UserControlledOpenRedirectScanRule, pscanrules v76"
    description = "Open redirects are one of the OWASP 2010 Top Ten vulnerabilities. This check looks at user-supplied input in query string parameters and POST data to identify where open redirects might be possible. Open redirects occur when an application allows user-supplied input (e.g. https://nottrusted.com) to control an off-site destination. This is generally a pretty accurate way to find where 301 or 302 redirects could be exploited by spammers or phishing attacks.\n\nFor example an attacker could supply a user with the following link: https://example.com/example.php?url=https://malicious.example.com.\n\nNOTE: For the purposes of the passive check the authority portion of the origin and destination were compared. Manual testing may be required to validate the impact of this finding."
    solution = "To avoid the open redirect vulnerability, parameters of the application script/program must be validated before sending 302 HTTP code (redirect) to the client browser. Implement safe redirect functionality that only redirects to relative URI's, or a list of trusted domains."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html\nhttps://cwe.mitre.org/data/definitions/601.html"
    GET = "The 301 or 302 response to a request for the following URL appeared to contain user input in the location header:\n\n"
    POST = ("An open redirect controlled by POST parameters was detected. To test if this is a more serious issue, you should try "
            "resending that request as a GET, with the POST parameter included as a query string parameter. For example: "
            "https://nottrusted.com/page?url=https://lookout.net.\n\n" + GET)

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        location = ex.header("Location")
        if ex.status not in (301, 302) or not location:
            return
        params = sorted(set(ex.url_params())) + sorted(set(ex.form_params()))
        domain = None
        if location.find("://") > 0:
            parts = url_parts(location.lower()) if location else None
            if parts is None:
                return
            domain = urlsplit(location).netloc
        if domain is not None and ex.parts.netloc.lower() == domain.lower():
            return
        for name, value in params:
            if value and ((domain is not None and value.lower() == domain.lower()) or (location.find("://") > 0 and location in value)):
                other = _intro(ex, self.GET, self.POST) + f"{ex.url}\n\nThe user input found was:\n\n{name}={value}\n\nThe context was:\n\n{location}"
                yield self.alert(ex, param=name, other=other)


class CookiePoisoning(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10029", "Cookie Poisoning", RISK_INFO, CONF_LOW, 565, 20
    follows = "UserControlledCookieScanRule, pscanrules v76"
    description = "This check looks at user-supplied input in query string parameters and POST data to identify where cookie parameters might be controlled. This is called a cookie poisoning attack, and becomes exploitable when an attacker can manipulate the cookie in various ways. In some cases this will not be exploitable, however, allowing URL parameters to set cookie values is generally considered a bug."
    solution = "Do not allow user input to control cookie names and values. If some query string parameters must be set in cookie values, be sure to filter out semicolon's that can serve as name/value pair delimiters."
    reference = "https://en.wikipedia.org/wiki/HTTP_cookie\nhttps://cwe.mitre.org/data/definitions/565.html"
    GET = ("An attacker may be able to poison cookie values through URL parameters. Try injecting a semicolon to see if you can add "
           "cookie values (e.g. name=controlledValue;name=anotherValue;).\n\n")
    POST = ("An attacker may be able to poison cookie values through POST parameters. To test if this is a more serious issue, you "
            "should try resending that request as a GET, with the POST parameter included as a query string parameter. For example: "
            "https://nottrusted.com/page?value=maliciousInput.\n\n")

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        cookies = ex.header_values("Set-Cookie")
        params = request_params(ex)
        if not cookies or not params:
            return
        for raw in cookies:
            cookie = unquote(raw.replace("+", " "), encoding="iso-8859-1")  # URLDecoder.decode
            if not cookie:
                continue
            for part in re.split(r"[;=|]", cookie):
                for name, value in params:
                    if len(value) > 1 and value == part:
                        other = (f"{_intro(ex, self.GET, self.POST)}This was identified at:\n\n{ex.url}\n\nUser-input was found in the "
                                 f"following cookie:\n{cookie}\n\nThe user input was:\n{name}={value}")
                        yield self.alert(ex, param=name, other=other)


class UserControlledCharset(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10030", "User Controllable Charset", RISK_INFO, CONF_LOW, 20, 20
    follows = "UserControlledCharsetScanRule, pscanrules v76"
    description = "This check looks at user-supplied input in query string parameters and POST data to identify where Content-Type or meta tag charset declarations might be user-controlled. Such charset declarations should always be declared by the application. If an attacker can control the response charset, they could manipulate the HTML to perform XSS or other attacks. For example, an attacker controlling the <meta> element charset value is able to declare UTF-7 and is also able to include enough user-controlled payload early in the HTML document to have it interpreted as UTF-7. By encoding their payload with UTF-7 the attacker is able to bypass any server-side XSS protections and embed script in the page."
    solution = "Force UTF-8 in all charset declarations. If user-input is required to decide a charset declaration, ensure that only an allowed list is used."

    def _alerts(self, ex: Exchange, tag: str, attribute: str, charset: str,
                params: list[tuple[str, str]]) -> Iterator[Alert]:
        for name, value in params:
            if charset.lower() == value.lower():
                yield self.alert(ex, param=name, other=(f"A(n) [{tag}] tag [{attribute}] attribute\n\nThe user input found was:\n"
                                                        f"{name}={value}\n\nThe charset value it controlled was:\n{charset}"))

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.status != 200:
            return
        params = request_params(ex)
        if not params:
            return
        declaration = _XML_DECLARATION.match(ex.text)
        if _is_html(ex):
            markup = doc if ex.is_html else parse(ex.text)
            for meta in markup.all("meta"):
                equiv, content = meta.get("http-equiv"), meta.get("content")
                if equiv is None or content is None or equiv.lower() != "content-type":
                    continue
                content = content.strip()
                if "charset=" in content:
                    yield from self._alerts(ex, "META", "Content-Type", content[content.index("charset=") + 8:], params)
        elif declaration:
            if declaration.group(1):
                yield from self._alerts(ex, "\\?xml", "encoding", declaration.group(1), params)
        else:
            return
        header_charset = _CHARSET.search(ex.header("Content-Type") or "")
        if header_charset:
            yield from self._alerts(ex, "Content-Type HTTP header", "charset", header_charset.group(1), params)


class UserControlledJavascriptEvent(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10043", "User Controllable JavaScript Event (XSS)", RISK_INFO, CONF_LOW, 20, 20
    follows = "UserControlledJavascriptEventScanRule, pscanrules v76"
    description = "This check looks at user-supplied input in query string parameters and POST data to identify where certain HTML attribute values might be controlled. This provides hot-spot detection for XSS (cross-site scripting) that will require further review by a security analyst to determine exploitability."
    solution = "Validate all input and sanitize output it before writing to any Javascript on* events."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.status != 200 or not _is_html(ex):
            return
        params = request_params(ex)
        if not params:
            return
        markup = doc if ex.is_html else parse(ex.text)
        for element in markup.elements:
            for attribute, value in element.attrs.items():
                if attribute not in JAVASCRIPT_EVENTS:
                    continue
                for name, param_value in params:
                    if not param_value:
                        continue
                    for part in re.split(r"[;=,:]", value):
                        if part.lower() == param_value.lower():
                            yield self.alert(ex, param=name, other=(
                                "User-controlled javascript event(s) was found. Exploitability will need to be manually determined. "
                                f"The page at the following URL:\n\n{ex.url}\n\nincludes the following Javascript event which may be "
                                f"attacker-controllable:\n\nUser-input was found in the following data of an [{attribute}] event:\n"
                                f"{value}\n\nThe user input was:\n{param_value}"))

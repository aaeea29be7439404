"""Rules about a page's forms, links and scripts. Each follows its ZAP class in zap-extensions
pscanrules v76:

- 10041 HTTP to HTTPS Insecure Transition in Form Post (Medium, Medium; CWE-319, WASC-15),
  ``InsecureFormLoadScanRule``: a 200 HTML page over HTTP with a form posting to ``https://``.
- 10042 HTTPS to HTTP Insecure Transition in Form Post (Medium, Medium; CWE-319, WASC-15),
  ``InsecureFormPostScanRule``: a 200 HTML page over HTTPS with a form posting to ``http://``.
  Both: evidence is the action, other info names the URL and the whole form element.
- 10108 Reverse Tabnabbing (Medium, Medium; CWE-1022), ``LinkTargetScanRule``: the first ``<a>`` or
  ``<area>`` to another host (not ``rules.domains.trusted``) with a ``target`` (``_blank`` only at
  HIGH) and a ``rel`` that asks for ``opener`` without ``noopener``. ZAP also skips links inside the
  scan's context; the baseline's context is the target itself, which such links never are.
- 10109 Modern Web Application (Informational, Medium), ``ModernAppDetectionScanRule``: no links but
  scripts, a link without a real href or with target ``_self``, else a ``<noscript>``.
- 10115 Script Served From Malicious Domain (polyfill) (High; CWE-829, WASC-15),
  ``PolyfillCdnScriptScanRule``: 10115-1 (High confidence) a script ``src`` on one of the domains,
  else 10115-2 (Low confidence) an inline script that mentions one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_MEDIUM, Alert
from .base import PassiveRule

POLYFILL_DOMAINS = ("polyfill.io/", "bootcss.com/", "bootcdn.net/", "staticfile.net/", "staticfile.org/", "unionadjs.com/",
                    "xhsbpza.com/", "union.macoms.la/", "newcrbpc.com/")
# The domain goes into the regex unquoted, as in ZAP.
POLYFILL_URLS = tuple(re.compile("http[s]?://.*" + d + r".*\w", re.I) for d in POLYFILL_DOMAINS)


def _html_content_type(ex: Exchange) -> bool:
    content_type = ex.header("Content-Type")
    return content_type is not None and ("text/html" in content_type or "application/xhtml" in content_type)


class _FormTransition(PassiveRule):
    wants_https: bool = False
    action_scheme: str = ""
    over: str = ""

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.status != 200 or ex.is_secure != self.wants_https or not _html_content_type(ex):
            return
        for form in doc.forms:
            action = form.element.get("action")
            if action is not None and action.strip().lower().startswith(self.action_scheme):
                yield self.alert(ex, evidence=action.strip(), other=(
                    f"The response to the following request over {self.over} included an {self.action_scheme[:-3].upper()} form tag "
                    f"action attribute value:\n\n{ex.url}\nThe context was:\n\n{form.element.text}"))


class InsecureFormLoad(_FormTransition):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10041", "HTTP to HTTPS Insecure Transition in Form Post", RISK_MEDIUM, CONF_MEDIUM, 319, 15
    follows = "InsecureFormLoadScanRule, pscanrules v76"
    description = "This check looks for insecure HTTP pages that host HTTPS forms. The issue is that an insecure HTTP page can easily be hijacked through MITM and the secure HTTPS form can be replaced or spoofed."
    solution = "Use HTTPS for landing pages that host secure forms."
    wants_https, action_scheme, over = False, "https://", "HTTP"


class InsecureFormPost(_FormTransition):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10042", "HTTPS to HTTP Insecure Transition in Form Post", RISK_MEDIUM, CONF_MEDIUM, 319, 15
    follows = "InsecureFormPostScanRule, pscanrules v76"
    description = "This check identifies secure HTTPS pages that host insecure HTTP forms. The issue is that a secure page is transitioning to an insecure page when data is uploaded through a form. The user may think they're submitting data to a secure page when in fact they are not."
    solution = "Ensure sensitive data is only sent over secured HTTPS channels."
    wants_https, action_scheme, over = True, "http://", "HTTPS"


class ReverseTabnabbing(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10108", "Reverse Tabnabbing", RISK_MEDIUM, CONF_MEDIUM, 1022, 0
    follows = "LinkTargetScanRule, pscanrules v76"
    description = 'At least one link on this page is vulnerable to Reverse tabnabbing as it uses a target attribute without using both of the "noopener" and "noreferrer" keywords in the "rel" attribute, which allows the target page to take control of this page.'
    solution = 'Do not use a target attribute, or if you have to then also add the attribute: rel="noopener noreferrer".'
    reference = "https://owasp.org/www-community/attacks/Reverse_Tabnabbing\nhttps://dev.to/ben/the-targetblank-vulnerability-by-example\nhttps://mathiasbynens.github.io/rel-noopener/\nhttps://medium.com/@jitbit/target-blank-the-most-underestimated-vulnerability-ever-96e328301f4c"

    def _other_domain(self, host: str, link: str | None) -> bool:
        if link is None or (not link.startswith("//") and link.startswith(("/", "./", "../"))):
            return False
        try:
            link_host = urlsplit(link).hostname
        except ValueError:
            return False
        return link_host is not None and link_host.lower() != host.lower() and not self.settings.is_trusted(link)

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body or not ex.is_html:
            return
        for link in [*doc.all("a"), *doc.all("area")]:
            if not self._other_domain(ex.host, link.get("href")):
                continue
            target = link.get("target")
            if target is None or (self.threshold == "HIGH" and target.lower() != "_blank"):
                continue
            rel = (link.get("rel") or "").lower()
            if "opener" in rel and "noopener" not in rel:
                yield self.alert(ex, evidence=link.text)
                return


class ModernWebApplication(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10109", "Modern Web Application", RISK_INFO, CONF_MEDIUM, 0, 0
    follows = "ModernAppDetectionScanRule, pscanrules v76"
    description = "The application appears to be a modern web application. If you need to explore it automatically then the Client Spider may well be more effective than the standard one."
    solution = "This is an informational alert and so no changes are required."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_html:
            return
        evidence = other = ""
        links = doc.all("a")
        if not links:
            scripts = doc.all("script")
            if scripts:
                evidence = scripts[0].text
                other = "No links have been found while there are scripts, which is an indication that this is a modern web application."
        else:
            for link in links:
                href = link.get("href")
                if not href or href == "#":
                    evidence = link.text
                    other = "Links have been found that do not have traditional href attributes, which is an indication that this is a modern web application."
                    break
                if link.get("target") == "_self":
                    evidence = link.text
                    other = "Links have been found with a target of '_self' - this is often used by modern frameworks to force a full page reload."
                    break
        if not evidence:
            noscript = doc.all("noscript")
            if noscript:
                evidence = noscript[0].text
                other = "A noScript tag has been found, which is an indication that the application works differently with JavaScript enabled compared to when it is not."
        if evidence:
            yield self.alert(ex, evidence=evidence, other=other)


class PolyfillCdnScript(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10115", "Script Served From Malicious Domain (polyfill)", RISK_HIGH, CONF_HIGH, 829, 15
    follows = "PolyfillCdnScriptScanRule, pscanrules v76"
    solution = "Change all scripts to use a known good source based on their documentation."
    reference = "https://sansec.io/research/polyfill-supply-chain-attack"
    LOADED = "The page includes one or more script files loaded from one of the 'polyfill' domains.\nThese are not associated with the polyfill.js library and are known to serve malicious content."
    MENTIONED = ("The page includes one or more script which appear to include a reference to one of the 'polyfill' domains.\n"
                 "These are not associated with the polyfill.js library and are known to serve malicious content.\nYou should check "
                 "to see if it is a safe reference (for example in a comment) or whether the script is loading content from that domain.")

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body or not ex.is_html:
            return
        scripts = doc.all("script")
        raised = False
        for script in scripts:
            src = script.get("src")
            if src is None:
                continue
            for pattern in POLYFILL_URLS:
                if pattern.fullmatch(src):
                    raised = True
                    yield self.alert(ex, alert_ref="10115-1", param=src, evidence=script.text, description=self.LOADED)
        if raised:
            return
        for script in scripts:
            lowered = script.content.lower()
            for domain, pattern in zip(POLYFILL_DOMAINS, POLYFILL_URLS, strict=True):
                if domain in lowered:
                    match = pattern.search(script.content)
                    if match:
                        yield self.alert(ex, alert_ref="10115-2", confidence=CONF_LOW, evidence=match.group(0),
                                         description=self.MENTIONED)
                        break

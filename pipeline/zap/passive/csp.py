"""10055 CSP (Medium, High; CWE-693, WASC-15): a Content-Security-Policy that is present but weak.

On HTML responses, for each ``Content-Security-Policy`` header and each CSP ``<meta>``; the alert
name is ``"CSP: " + subtype``, the alertRef ``10055-N`` as in ZAP:
1 X-Content-Security-Policy / 2 X-WebKit-CSP (obsolete headers; Low, Informational beside a real CSP);
3 Notices (htmlunit-csp's parser errors and warnings, see ``csp_policy``: Low when there is an
error or warning, else Informational; other info is ZAP's "Errors:"/"Warnings:" text); 4 Wildcard Directive (a fetch directive that,
after fallback to ``default-src``, allows any host: ``*``, ``http:``, ``https:`` or nothing at all);
5 script-src unsafe-inline; 6 style-src unsafe-inline (inline allowed by 'unsafe-inline' without
nonce/hash, or by no directive at all); 7/8 script-src/style-src unsafe-hashes; 9 Malformed Policy
(Non-ASCII); 10 script-src unsafe-eval; 11 Meta Policy Invalid Directive (sandbox, frame-ancestors
or report-uri in a meta policy); 12 Header & Meta (Informational); 13 Failure to Define Directive
with No Fallback (``frame-ancestors``/``form-action`` missing or wildcard). A policy with a comma
is skipped (htmlunit-csp refuses to parse it). Non-HTML responses are checked at the LOW threshold.
Follows ZAP's ``ContentSecurityPolicyScanRule`` (zap-extensions pscanrules v76, htmlunit-csp 5.3.0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule
from .csp_policy import ERROR, WARNING, notices_text, parse_policy

# Directive -> its fallback chain (CSP Level 3), for the directives ZAP checks for wildcards.
FALLBACKS = {
    "script-src": ("script-src", "default-src"),
    "style-src": ("style-src", "default-src"),
    "img-src": ("img-src", "default-src"),
    "connect-src": ("connect-src", "default-src"),
    "frame-src": ("frame-src", "child-src", "default-src"),
    "frame-ancestors": ("frame-ancestors",),
    "font-src": ("font-src", "default-src"),
    "media-src": ("media-src", "default-src"),
    "object-src": ("object-src", "default-src"),
    "manifest-src": ("manifest-src", "default-src"),
    "worker-src": ("worker-src", "child-src", "script-src", "default-src"),
    "form-action": ("form-action",),
}
NO_FALLBACK = ("form-action", "frame-ancestors")
_ANY_HOST = frozenset(("*", "http:", "https:", "http://*", "https://*"))


def _effective(policy: dict[str, list[str]], chain: tuple[str, ...]) -> list[str] | None:
    for name in chain:
        if name in policy:
            return policy[name]
    return None


def allows_any_host(policy: dict[str, list[str]], directive: str) -> bool:
    sources = _effective(policy, FALLBACKS[directive])
    if sources is None:
        return True
    if directive in ("script-src", "worker-src") and "'strict-dynamic'" in sources:
        return False  # host sources are ignored under 'strict-dynamic'
    return any(s in _ANY_HOST for s in sources)


def allows_inline(policy: dict[str, list[str]], directive: str) -> bool:
    sources = _effective(policy, (directive, "default-src"))
    if sources is None:
        return True
    hashed = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) or s == "'strict-dynamic'" for s in sources)
    return "'unsafe-inline'" in sources and not hashed


class ContentSecurityPolicy(PassiveRule):
    follows = "ContentSecurityPolicyScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10055", "CSP", RISK_MEDIUM, CONF_HIGH, 693, 15
    description = "Content Security Policy (CSP) is an added layer of security that helps to detect and mitigate certain types of attacks. Including (but not limited to) Cross Site Scripting (XSS), and data injection attacks. These attacks are used for everything from data theft to site defacement or distribution of malware. CSP provides a set of standard HTTP headers that allow website owners to declare approved sources of content that browsers should be allowed to load on that page."
    solution = "Ensure that your web server, application server, load balancer, etc. is properly configured to set the Content-Security-Policy header."
    reference = "https://www.w3.org/TR/CSP/"

    def sub(self, ex: Exchange, subtype: str, ref: int, **fields: Any) -> Alert:
        return self.alert(ex, name=f"CSP: {subtype}", alert_ref=f"10055-{ref}", **fields)

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_html and self.threshold != "LOW":
            return
        header_name = next((k for k, _ in ex.headers if k.lower() == "content-security-policy"), None)
        policies = ex.header_values("Content-Security-Policy")
        risk = RISK_INFO if policies else RISK_LOW
        for obsolete, subtype, ref in (("X-Content-Security-Policy", "X-Content-Security-Policy", 1),
                                       ("X-WebKit-CSP", "X-WebKit-CSP", 2)):
            found = [(k, v) for k, v in ex.headers if k.lower() == obsolete.lower()]
            if found:
                yield self.sub(ex, subtype, ref, risk=risk, param=found[0][0], evidence=found[0][1])
        for policy in policies:
            yield from self._check(ex, policy, header_name or "Content-Security-Policy", meta=False)
        metas = [m for m in doc.all("meta") if (m.get("http-equiv") or "").lower() == "content-security-policy"]
        for meta in metas:
            content = meta.get("content") or ""
            if content.strip():
                yield from self._check(ex, content, "Content-Security-Policy", meta=True)
            if policies:
                yield self.sub(ex, "Header & Meta", 12, risk=RISK_INFO)

    def _check(self, ex: Exchange, text: str, param: str, meta: bool) -> Iterator[Alert]:
        common = {"param": param, "evidence": text}
        if any(not 0x20 <= ord(c) < 0x7F for c in text):
            bad = "".join(c for c in text if not 0x20 <= ord(c) < 0x7F)
            yield self.sub(ex, "Malformed Policy (Non-ASCII)", 9, other=(
                "A non-ASCII character was encountered while attempting to parse the policy, thus rendering it invalid "
                f"(no further evaluation occurred). The following invalid characters were collected: {bad}"), **common)
            return
        if "," in text:
            return
        parsed = parse_policy(text)
        policy = parsed.directives
        if parsed.notices:
            serious = any(severity in (ERROR, WARNING) for severity, _ in parsed.notices)
            yield self.sub(ex, "Notices", 3, risk=RISK_LOW if serious else RISK_INFO, other=notices_text(parsed.notices), **common)
        wide = [d for d in FALLBACKS if allows_any_host(policy, d) and not (meta and d == "frame-ancestors")]
        no_fallback = [d for d in wide if d in NO_FALLBACK]
        wildcard = [d for d in wide if d not in NO_FALLBACK]
        if no_fallback:
            yield self.sub(ex, "Failure to Define Directive with No Fallback", 13,
                           other=f"The directive(s): {', '.join(no_fallback)} is/are among the directives that do not fallback to default-src.",
                           **common)
        if wildcard:
            yield self.sub(ex, "Wildcard Directive", 4,
                           other=f"The following directives either allow wildcard sources (or ancestors), are not defined, or are overly broadly defined:\n{', '.join(wildcard)}",
                           **common)
        if allows_inline(policy, "script-src"):
            yield self.sub(ex, "script-src unsafe-inline", 5, other="script-src includes unsafe-inline.", **common)
        if allows_inline(policy, "style-src"):
            yield self.sub(ex, "style-src unsafe-inline", 6, other="style-src includes unsafe-inline.", **common)
        if "'unsafe-hashes'" in policy.get("script-src", []):
            yield self.sub(ex, "script-src unsafe-hashes", 7, other="script-src includes unsafe-hashes.", **common)
        if "'unsafe-hashes'" in policy.get("style-src", []):
            yield self.sub(ex, "style-src unsafe-hashes", 8, other="style-src includes unsafe-hashes.", **common)
        if "'unsafe-eval'" in policy.get("script-src", []):
            yield self.sub(ex, "script-src unsafe-eval", 10, other="script-src includes unsafe-eval.", **common)
        if meta and any(d in policy for d in ("sandbox", "frame-ancestors", "report-uri")):
            yield self.sub(ex, "Meta Policy Invalid Directive", 11, **common)

"""10202 Absence of Anti-CSRF Tokens (Medium, Low; CWE-352, WASC-9).

Follows ZAP's ``CsrfCountermeasuresScanRule`` (zap-extensions pscanrules v76) with zaproxy 2.16's
``ExtensionAntiCSRF``: on an HTML page, each POST form (GET forms too at the LOW threshold) that is
inside the document, not on ``rules.csrf.ignorelist`` (form id or name), and has no input whose id
or name is a known anti-CSRF token name. Token names match as ZAP does by default: ignoring case,
and partially (``csrf-token``, ``X-CSRF-Token`` and ``my_csrf_field`` all contain ``CSRF``).
Evidence is the form's start tag; other info lists the known names and the form's fields.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, RISK_MEDIUM, Alert
from .base import PassiveRule


class AbsenceOfAntiCsrfTokens(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10202", "Absence of Anti-CSRF Tokens", RISK_MEDIUM, CONF_LOW, 352, 9
    follows = "CsrfCountermeasuresScanRule, pscanrules v76"
    description = "No Anti-CSRF tokens were found in a HTML submission form."
    solution = "Use a vetted library or framework that does not allow this weakness to occur or provides constructs that make this weakness easier to avoid, such as anti-CSRF packages."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.is_html:
            return
        settings = self.settings
        for index, form in enumerate(doc.forms, start=1):
            method = (form.element.get("method") or "GET").upper()
            if (method == "GET" and self.threshold != "LOW") or not form.element.has_parent:
                continue
            if any(ignored in (form.element.get("id"), form.element.get("name")) for ignored in settings.csrf_ignore_list):
                continue
            names: list[str] = []
            has_token = False
            for field in (i for i in form.inputs if i.name == "input"):
                ident, name = field.get("id"), field.get("name")
                if ident is not None:
                    names.append(ident)
                    has_token |= settings.is_csrf_token(ident)
                if name is not None:
                    if ident is None:
                        names.append(name)
                    has_token |= settings.is_csrf_token(name)
            if has_token:
                continue
            unique: dict[str, str] = {}
            for seen in names:  # ZAP keeps them in a case-insensitive TreeSet
                unique.setdefault(seen.lower(), seen)
            fields = '" "'.join(unique[k] for k in sorted(unique))
            other = (f"No known Anti-CSRF token [{', '.join(settings.csrf_tokens)}] was found in the following HTML form: "
                     f"[Form {index}: \"{fields}\" ].")
            yield self.alert(ex, evidence=form.element.start_tag, other=other)

"""10202 Absence of Anti-CSRF Tokens (Medium, Low; CWE-352, WASC-9).

On an HTML page, for each POST form (GET forms only at ZAP's LOW threshold) that is inside the
document and has no input whose id or name equals, case-insensitively, one of ZAP's default
anti-CSRF token names (csrf_token, csrfmiddlewaretoken, authenticity_token, _token...). Evidence
is the form's start tag; other info lists the known names and the form's fields.
"""

from __future__ import annotations

from ..model import CONF_LOW, RISK_MEDIUM
from .base import PassiveRule

# ZAP's AntiCsrfParam.DEFAULT_TOKENS_NAMES.
TOKEN_NAMES = ("anticsrf", "CSRFToken", "__RequestVerificationToken", "csrfmiddlewaretoken", "authenticity_token",
               "OWASP_CSRFTOKEN", "anoncsrf", "csrf_token", "_csrf", "_csrfSecret", "__csrf_magic", "CSRF", "_token",
               "_csrf_token", "_csrfToken")
_LOWERED = frozenset(t.lower() for t in TOKEN_NAMES)


class AbsenceOfAntiCsrfTokens(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10202", "Absence of Anti-CSRF Tokens", RISK_MEDIUM, CONF_LOW, 352, 9
    description = "No Anti-CSRF tokens were found in a HTML submission form."
    solution = "Use a vetted library or framework that does not allow this weakness to occur or provides constructs that make this weakness easier to avoid, such as anti-CSRF packages."
    reference = "https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"

    def scan(self, ex, doc):
        if not ex.is_html:
            return
        for index, form in enumerate(doc.forms, start=1):
            method = (form.element.get("method") or "GET").upper()
            if method == "GET" or not form.element.has_parent:
                continue
            names: list[str] = []
            has_token = False
            for field in (i for i in form.inputs if i.name == "input"):
                ident, name = field.get("id"), field.get("name")
                if ident is not None:
                    names.append(ident)
                    has_token |= ident.lower() in _LOWERED
                if name is not None:
                    if ident is None:
                        names.append(name)
                    has_token |= name.lower() in _LOWERED
            if has_token:
                continue
            fields = '" "'.join(sorted(set(names), key=str.lower))
            other = (f"No known Anti-CSRF token [{', '.join(TOKEN_NAMES)}] was found in the following HTML form: "
                     f"[Form {index}: \"{fields}\" ].")
            yield self.alert(ex, evidence=form.element.start_tag, other=other)

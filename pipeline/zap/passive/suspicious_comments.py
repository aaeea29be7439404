"""10027 Information Disclosure - Suspicious Comments (Informational, Medium; CWE-615, WASC-13).

Follows ZAP's ``InformationDisclosureSuspiciousCommentsScanRule`` (zap-extensions pscanrules v76).
On any non-empty text response that is not a font: a JavaScript response's comments (found by a
JavaScript lexer, see ``js_comments``); otherwise the markup's ``<!-- -->`` comments outside scripts
(HTML, XML, or any other text, as ZAP's Jericho parser reads them all) and the lexed comments of each
``<script>`` block that contains ``//`` or ``/*``. It looks for ZAP's default words (TODO, FIXME, BUG, XXX, QUERY, DB, ADMIN, USER, SELECT, WHERE,
FROM, DEBUG, ...) as whole words, case-insensitively. One alert per word and response; evidence is
the match with up to 20 characters either side, other info names the pattern and the comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document, parse
from ..model import CONF_MEDIUM, RISK_INFO, Alert
from .base import PassiveRule
from .js_comments import js_comments

DEFAULT_WORDS = ("TODO", "FIXME", "BUG", "BUGS", "XXX", "QUERY", "DB", "ADMIN", "ADMINISTRATOR", "USER",
                 "USERNAME", "SELECT", "WHERE", "FROM", "LATER", "DEBUG")
PATTERNS = tuple(re.compile(rf"\b{word}\b", re.I) for word in DEFAULT_WORDS)
_CONTEXT = 20
_MAX_DETAIL = 128


def _lexed(source: str) -> list[str]:
    # ZAP lexes only texts that contain a comment opener (isGoodCandidate).
    return js_comments(source) if "//" in source or "/*" in source else []


class SuspiciousComments(PassiveRule):
    follows = "InformationDisclosureSuspiciousCommentsScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10027", "Information Disclosure - Suspicious Comments", RISK_INFO, CONF_MEDIUM, 615, 13
    description = "The response appears to contain suspicious comments which may help an attacker."
    solution = "Remove all comments that return information that may help an attacker and fix any underlying problems they refer to."

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if not ex.body or not ex.is_text or ex.is_font:
            return
        if ex.is_javascript:
            comments = _lexed(ex.text)
        else:
            markup = doc if ex.is_html else parse(ex.text)
            comments = [*markup.comments, *(c for script in markup.scripts for c in _lexed(script))]
        hits: dict[str, list[tuple[str, str]]] = {}
        for comment in comments:
            for pattern in PATTERNS:
                match = pattern.search(comment)
                if match:
                    evidence = comment[max(0, match.start() - _CONTEXT):match.end() + _CONTEXT]
                    hits.setdefault(pattern.pattern, []).append((comment, evidence))
                    break
        for pattern_text, found in hits.items():
            comment, evidence = found[0]
            if len(found) == 1:
                other = f"The following pattern was used: {pattern_text} and was detected in likely comment: \"{comment[:_MAX_DETAIL]}\", see evidence field for the suspicious comment/snippet."
            else:
                other = f"The following pattern was used: {pattern_text} and was detected {len(found)} times, the first in likely comment: \"{comment[:_MAX_DETAIL]}\", see evidence field for the suspicious comment/snippet."
            yield self.alert(ex, evidence=evidence, other=other)

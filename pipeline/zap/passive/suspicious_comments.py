"""10027 Information Disclosure - Suspicious Comments (Informational, Medium; CWE-615, WASC-13).

Looks in HTML comments (outside scripts), in the comments of inline scripts and of JavaScript
responses for ZAP's default words (TODO, FIXME, BUG, XXX, QUERY, DB, ADMIN, USER, SELECT, WHERE,
FROM, DEBUG, ...) as whole words, case-insensitively. One alert per word and response; evidence is
the match with up to 20 characters either side, other info names the pattern and the comment.
"""

from __future__ import annotations

import re

from ..model import CONF_MEDIUM, RISK_INFO
from .base import PassiveRule

DEFAULT_WORDS = ("TODO", "FIXME", "BUG", "BUGS", "XXX", "QUERY", "DB", "ADMIN", "ADMINISTRATOR", "USER",
                 "USERNAME", "SELECT", "WHERE", "FROM", "LATER", "DEBUG")
PATTERNS = tuple(re.compile(rf"\b{word}\b", re.I) for word in DEFAULT_WORDS)
_CONTEXT = 20
_MAX_DETAIL = 128


def js_comments(source: str) -> list[str]:
    """Comments of a JavaScript text; string and template literals are skipped."""
    if "//" not in source and "/*" not in source:
        return []
    found, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and source[j] != ch:
                j += 2 if source[j] == "\\" else 1
            i = j + 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            found.append(source[i:end])
            i = end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            found.append(source[i:end])
            i = end
        else:
            i += 1
    return found


class SuspiciousComments(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10027", "Information Disclosure - Suspicious Comments", RISK_INFO, CONF_MEDIUM, 615, 13
    description = "The response appears to contain suspicious comments which may help an attacker."
    solution = "Remove all comments that return information that may help an attacker and fix any underlying problems they refer to."

    def scan(self, ex, doc):
        if not ex.body or not ex.is_text or ex.is_font:
            return
        comments = js_comments(ex.text) if ex.is_javascript else [*doc.comments, *(c for s in doc.scripts for c in js_comments(s))]
        hits: dict[str, list[tuple[str, str]]] = {}
        for comment in comments:
            for pattern in PATTERNS:
                match = pattern.search(comment)
                if match:
                    evidence = comment[max(0, match.start() - _CONTEXT):match.end() + _CONTEXT]
                    hits.setdefault(pattern.pattern, []).append((comment, evidence))
                    break
        for pattern, found in hits.items():
            comment, evidence = found[0]
            if len(found) == 1:
                other = f"The following pattern was used: {pattern} and was detected in likely comment: \"{comment[:_MAX_DETAIL]}\", see evidence field for the suspicious comment/snippet."
            else:
                other = f"The following pattern was used: {pattern} and was detected {len(found)} times, the first in likely comment: \"{comment[:_MAX_DETAIL]}\", see evidence field for the suspicious comment/snippet."
            yield self.alert(ex, evidence=evidence, other=other)

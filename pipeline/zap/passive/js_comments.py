"""The comments of a JavaScript text, found the way ZAP's pscanrules ``JavaScriptLexer.g4`` (an ANTLR
ECMAScript lexer, zap-extensions pscanrules v76) finds them: ``//`` and ``/* */`` comments plus the
``<!-- -->`` and ``<![CDATA[ ]]>`` forms, skipping string, template and regular-expression literals.
A ``/`` starts a regular expression unless the previous significant token is one after which only a
division can follow (``JavaScriptLexerBase.IsRegexPossible``), so ``/\\/\\//g`` is not a comment.
"""

from __future__ import annotations

import re

_IDENT = re.compile(r"[A-Za-z_$\u0080-\uffff\\][\w$\u0080-\uffff\\]*")
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F_]+|0[oObB][0-7_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)n?")
# Keywords after which a '/' is a division, not a regex (NullLiteral, BooleanLiteral, This).
_VALUE_KEYWORDS = frozenset(("null", "true", "false", "this"))
_LINE_END = "\r\n\u2028\u2029"


def _regex_end(source: str, start: int) -> int:
    """End of a regex literal starting at ``start`` (a '/'), or -1 when it is not one."""
    i, n, in_class = start + 1, len(source), False
    if i >= n or source[i] in "*/" + _LINE_END:
        return -1
    while i < n:
        ch = source[i]
        if ch in _LINE_END:
            return -1
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "/":
            i += 1
            while i < n and (source[i].isalnum() or source[i] in "_$"):
                i += 1
            return i
        i += 1
    return -1


def _string_end(source: str, start: int) -> int:
    quote, i, n = source[start], start + 1, len(source)
    while i < n and source[i] != quote:
        if source[i] == "\\":
            i += 1
        elif source[i] in "\r\n":
            return i  # unterminated: the lexer gives up on the literal at the line end
        i += 1
    return min(i + 1, n)


def js_comments(source: str) -> list[str]:
    """Every comment token's text, in order."""
    found: list[str] = []
    i, n = 0, len(source)
    regex_possible = True  # no token yet
    # Template nesting: each entry counts the open braces of one ${ ... } expression.
    templates: list[int] = []
    in_template = False
    while i < n:
        if in_template:
            ch = source[i]
            if ch == "\\":
                i += 2
            elif ch == "`":
                in_template, i, regex_possible = False, i + 1, False
            elif source.startswith("${", i):
                templates.append(0)
                in_template, i, regex_possible = False, i + 2, True
            else:
                i += 1
            continue
        ch = source[i]
        if ch in " \t\x0b\x0c\u00a0" or ch in _LINE_END:
            i += 1
        elif source.startswith("//", i):
            end = i + 2
            while end < n and source[end] not in _LINE_END:
                end += 1
            found.append(source[i:end])
            i = end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:  # unterminated: not a comment token; lex on from the '/'
                i += 1
                regex_possible = True
                continue
            found.append(source[i:end + 2])
            i = end + 2
        elif source.startswith("<!--", i) and source.find("-->", i + 4) >= 0:
            end = source.find("-->", i + 4) + 3
            found.append(source[i:end])
            i = end
        elif source.startswith("<![CDATA[", i) and source.find("]]>", i + 9) >= 0:
            end = source.find("]]>", i + 9) + 3
            found.append(source[i:end])
            i = end
        elif ch == "/" and regex_possible and (end := _regex_end(source, i)) > 0:
            i, regex_possible = end, False
        elif ch in "'\"":
            i, regex_possible = _string_end(source, i), False
        elif ch == "`":
            in_template, i = True, i + 1
        elif ch == "{":
            if templates:
                templates[-1] += 1
            i, regex_possible = i + 1, True
        elif ch == "}":
            if templates and templates[-1] == 0:
                templates.pop()
                in_template = True
            elif templates:
                templates[-1] -= 1
            i, regex_possible = i + 1, True
        elif (match := _NUMBER.match(source, i)) and match.end() > i:
            i, regex_possible = match.end(), False
        elif (match := _IDENT.match(source, i)):
            word = match.group(0)
            # Identifiers (and null/true/false/this) end a value; other keywords (return, typeof...) do not.
            regex_possible = word in _KEYWORDS and word not in _VALUE_KEYWORDS
            i = match.end()
        elif source.startswith("++", i) or source.startswith("--", i):
            i, regex_possible = i + 2, False
        else:
            regex_possible = ch not in ")]"
            i += 1
    return found


_KEYWORDS = frozenset((
    "break", "do", "instanceof", "typeof", "case", "else", "new", "var", "catch", "finally", "return", "void",
    "continue", "for", "switch", "while", "debugger", "function", "with", "default", "if", "throw", "delete",
    "in", "try", "class", "enum", "extends", "super", "const", "export", "import", "yield", "let", "await",
    "of", "async", "static", "null", "true", "false", "this",
))

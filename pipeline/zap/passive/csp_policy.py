"""A Content-Security-Policy parser that reports what ZAP's CSP rule reports as "Notices": the errors
and warnings of htmlunit-csp 5.3.0 (``Policy.parseSerializedCSP`` and its directive classes), the
library ZAP's pscanrules v76 uses, with the same message texts and severities.

Directives keep their first occurrence (as browsers do), keyed by lower-cased name; values are
lower-cased for the rule's checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR, WARNING, INFO = "Error", "Warning", "Info"

FETCH_DIRECTIVES = frozenset((
    "child-src", "connect-src", "default-src", "font-src", "frame-src", "img-src", "manifest-src", "media-src",
    "object-src", "prefetch-src", "script-src-attr", "script-src", "script-src-elem", "style-src-attr", "style-src",
    "style-src-elem", "worker-src",
))
_SOURCE_LIST_DIRECTIVES = FETCH_DIRECTIVES | {"base-uri", "form-action", "navigate-to"}
_DIRECTIVE_NAME = re.compile(r"[A-Za-z0-9\-]+\Z")
_UNQUOTED_KEYWORD = re.compile(r"(?:self|unsafe-inline|unsafe-eval|unsafe-redirect|none|strict-dynamic|unsafe-hashes|"
                               r"report-sample|unsafe-allow-redirects|wasm-unsafe-eval)\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:\Z")
_HOST_SOURCE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+\-.]*://)?(?:\*|(?:\*\.)?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*|\[[0-9A-Fa-f:.]+\])"
                          r"(?::(?:\d+|\*))?(?:/[^?#]*)?\Z")
_NONCE = re.compile(r"'nonce-[A-Za-z0-9+/\-_]+={0,2}'\Z", re.I)
_HASH = re.compile(r"'(sha256|sha384|sha512)-([A-Za-z0-9+/\-_]+={0,2})'\Z", re.I)
_HASH_LENGTHS = {"sha256": 44, "sha384": 64, "sha512": 88}
_SOURCE_KEYWORDS = ("'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'", "'wasm-unsafe-eval'",
                    "'report-sample'", "'unsafe-allow-redirects'")
_TT_POLICY_NAME = re.compile(r"[A-Za-z0-9\-#=_/@.%]+\Z")


@dataclass
class ParsedPolicy:
    directives: dict[str, list[str]] = field(default_factory=dict)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)

    def add(self, severity: str, message: str) -> None:
        self.notices.append((severity, message))


def _source_list(values: list[str], kind: str, out: ParsedPolicy) -> None:
    seen: set[str] = set()
    has_none = False
    for token in values:
        lowered = token.lower()
        if lowered in _SOURCE_KEYWORDS:
            if lowered in seen:
                out.add(WARNING, f"Duplicate source-expression {lowered}")
            seen.add(lowered)
        elif lowered == "'unsafe-redirect'":
            out.add(ERROR, "'unsafe-redirect' has been removed from CSP as of version 2.0")
        elif lowered == "'unsafe-hashed-attributes'":
            out.add(ERROR, "'unsafe-hashed-attributes' was renamed to 'unsafe-hashes' in June 2018")
        elif lowered.startswith("'nonce-"):
            if not _NONCE.match(token):
                out.add(ERROR, f"Unrecognised nonce {token}")
            elif token in seen:
                out.add(WARNING, f"Duplicate nonce {token}")
            seen.add(token)
        elif lowered.startswith("'sha"):
            match = _HASH.match(token)
            if not match:
                out.add(ERROR, "'sha...' source-expression uses an unrecognized algorithm or does not match the "
                               "base64-value grammar (or is missing its trailing \"'\")")
                continue
            algorithm, value = match.group(1).lower(), match.group(2)
            if token in seen:
                out.add(WARNING, f"Duplicate hash {token}")
                continue
            seen.add(token)
            if len(value) != _HASH_LENGTHS[algorithm]:
                out.add(WARNING, f"Wrong length for {algorithm}: expected {_HASH_LENGTHS[algorithm]}, got {len(value)}")
            if "_" in value or "-" in value:
                out.add(WARNING, "'_' and '-' in hashes can never match actual elements")
        else:
            has_none |= _host_or_scheme(token, lowered, kind, seen, out)
    if has_none and len(values) > 1:
        out.add(ERROR, f"'none' must not be combined with any other {kind}")
    if not values:
        out.add(ERROR, "Source-expression lists cannot be empty (use 'none' instead)")


def _host_or_scheme(token: str, lowered: str, kind: str, seen: set[str], out: ParsedPolicy) -> bool:
    """HostSourceDirective.addHostOrSchemeDuringConstruction; True for 'none'."""
    if lowered == "'none'":
        return True
    if lowered in ("*", "'self'"):
        if lowered in seen:
            out.add(WARNING, f"Duplicate {kind} {lowered}")
        seen.add(lowered)
        return False
    if _SCHEME.match(token):
        if lowered in seen:
            out.add(WARNING, f"Duplicate scheme {lowered}")
        seen.add(lowered)
        return False
    if _UNQUOTED_KEYWORD.match(token):
        out.add(WARNING, "This host name is unusual, and likely meant to be a keyword that is missing the required "
                         f"quotes: '{token}'.")
    if _HOST_SOURCE.match(token):
        if lowered in seen:
            out.add(WARNING, f"Duplicate host {lowered}")
        seen.add(lowered)
    else:
        out.add(ERROR, f"Unrecognized {kind} {token}")
    return False


def _trusted_types(values: list[str], out: ParsedPolicy) -> None:
    seen: set[str] = set()
    for token in values:
        lowered = token.lower()
        if lowered in ("'none'", "'allow-duplicates'"):
            if lowered in seen:
                out.add(WARNING, f"Duplicate keyword {lowered}")
        elif token == "*":  # noqa: S105  # a CSP source token, not a password
            if "*" in seen:
                out.add(WARNING, "Duplicate wildcard *")
            else:
                out.add(WARNING, "Wildcard policy names (*) permit any policy name, which may reduce security")
        elif token.startswith("'") and token.endswith("'"):
            out.add(ERROR, f"Unrecognized trusted-types keyword {token}")
            continue
        elif _TT_POLICY_NAME.match(token):
            if token in seen:
                out.add(WARNING, f"Duplicate policy name {token}")
        else:
            out.add(ERROR, f"Invalid trusted-types policy name {token}")
            continue
        seen.add(lowered if lowered.startswith("'") else token)
    names = {t for t in seen if t not in ("'none'", "'allow-duplicates'", "*")}
    star, none, dupes = "*" in seen, "'none'" in seen, "'allow-duplicates'" in seen
    if not values:
        out.add(WARNING, "Empty trusted-types directive allows all policy names (use '*' or 'none' to be explicit)")
    if none and (star or dupes or names):
        out.add(ERROR, "'none' must not be combined with any other trusted-types expression")
    if star and names:
        out.add(WARNING, "Wildcard (*) permits any policy name, making specific policy names redundant")
    if star and dupes:
        out.add(WARNING, "'allow-duplicates' is redundant when wildcard (*) is present")
    if dupes and not star and not names:
        out.add(WARNING, "'allow-duplicates' has no effect without policy names or wildcard")


def _require_trusted_types_for(values: list[str], out: ParsedPolicy) -> None:
    if not values:
        out.add(ERROR, "The require-trusted-types-for directive requires a value")
        return
    seen_script = False
    for token in values:
        if token.lower() == "'script'":
            if seen_script:
                out.add(WARNING, "Duplicate keyword 'script'")
            seen_script = True
        elif token.startswith("'") and token.endswith("'"):
            out.add(ERROR, f"Unrecognized require-trusted-types-for keyword {token}")
        else:
            out.add(ERROR, f"Unrecognized require-trusted-types-for value {token} - keywords must be wrapped in single quotes")


def _directive(name: str, values: list[str], out: ParsedPolicy) -> bool:
    """Checks one directive; False when its name is not a directive name at all."""
    lowered = name.lower()
    if lowered in _SOURCE_LIST_DIRECTIVES:
        if lowered == "prefetch-src":
            out.add(WARNING, "The prefetch-src directive has been deprecated")
        _source_list(values, "source-expression", out)
    elif lowered == "frame-ancestors":
        seen: set[str] = set()
        checked = [_host_or_scheme(v, v.lower(), "ancestor-source", seen, out) for v in values]  # every value reports
        has_none = any(checked)
        if has_none and len(values) > 1:
            out.add(ERROR, "'none' must not be combined with any other ancestor-source")
        if not values:
            out.add(ERROR, "Ancestor-source lists cannot be empty (use 'none' instead)")
    elif lowered in ("block-all-mixed-content", "upgrade-insecure-requests"):
        if values:
            out.add(ERROR, f"The {lowered} directive does not support values")
    elif lowered == "plugin-types":
        out.add(WARNING, "The plugin-types directive has been deprecated")
    elif lowered == "report-to":
        if not values:
            out.add(ERROR, "The report-to directive requires a value")
        elif len(values) > 1:
            out.add(ERROR, f"The report-to directive requires exactly one value (found {len(values)})")
        elif not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9a-zA-Z]+", values[0]):
            out.add(ERROR, f'Expecting RFC 7230 token but found "{values[0]}"')
    elif lowered == "referrer":
        out.add(WARNING, "The referrer directive has been deprecated in favor of the Referrer-Policy header")
    elif lowered == "report-uri":
        out.add(WARNING, "The report-uri directive has been deprecated in favor of the new report-to directive")
    elif lowered == "sandbox":
        pass  # htmlunit-csp 5.3.0 does not flag sandbox values the rule cares about
    elif lowered == "trusted-types":
        _trusted_types(values, out)
    elif lowered == "require-trusted-types-for":
        _require_trusted_types_for(values, out)
    elif not _DIRECTIVE_NAME.match(name):
        out.add(ERROR, f'Directive name {name} contains characters outside the range ALPHA / DIGIT / "-"')
        return False
    elif lowered != "navigate-to":
        out.add(WARNING, f"Unrecognized directive {lowered}")
    return True


def parse_policy(text: str) -> ParsedPolicy:
    out = ParsedPolicy()
    for part in text.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name, values = tokens[0], tokens[1:]
        lowered = name.lower()
        if lowered in out.directives:
            _directive(name, values, out)
            out.add(WARNING, f"Duplicate directive {lowered}")
            continue
        if _directive(name, values, out):
            out.directives[lowered] = [v.lower() for v in values]
    return out


def notices_text(notices: list[tuple[str, str]]) -> str:
    """ZAP's getCspNoticesString: "Errors:", "Warnings:", "Info Items:" sections, one message a line."""
    text = ""
    for severity, heading in ((ERROR, "Errors:"), (WARNING, "Warnings:"), (INFO, "Info Items:")):
        messages = [m for s, m in notices if s == severity]
        if messages:
            text += heading + "\n" + "".join(m + "\n" for m in messages)
    return text

"""Removes secret values from every text that leaves the harness: one :class:`Redactor`, one pass.

What counts as a secret is not a pattern list of ours. It is, in this order:

1. values the harness itself knows are secret: its environment's credential variables (names as
   :func:`runner.is_credential_name` decides) and every value a finding located (each line the
   secrets stage flagged is read in-process and detect-secrets extracts the value; an adapter that
   knows a value, such as bandit's hardcoded password, hands it over in ``LOCATED_SECRET``). Every
   occurrence of such a value is masked anywhere, whatever quotes it;
2. URL credentials (all of the userinfo: a Sentry DSN's key is the user part) and the values of
   session-like query, fragment and cookie parameters;
3. whatever detect-secrets' own plugins (all of them, from its registry) flag on any line of the
   text, after its default filters.

The engine builds one Redactor from all stage results after every stage has finished (the secrets
stage runs concurrently with the stages whose messages quote the same lines) and passes every
finding, tool run and artifact through it before anything is written. Progress lines, printed
while stages run, use :meth:`Redactor.for_environment`: what is known at that time.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .model import Disposition, Finding, StageResult, ToolRun
from .runner import is_credential_name

MASK = "[REDACTED]"
# In a URL's userinfo brackets would read as an IPv6 host (urlsplit rejects the URL): a plain word.
URL_MASK = "REDACTED"
# A finding property through which an adapter hands the redactor a secret value it located; the
# redactor removes it from the finding, so it is never written.
LOCATED_SECRET = "located_secret"  # pragma: allowlist secret  # noqa: S105  # nosec B105 - a property name, not a password
# Shorter known values would mask ordinary words everywhere (AUTH=1, a 4-letter default).
MIN_KNOWN = 6
MAX_SOURCE_BYTES = 5_000_000
_CACHE_LIMIT = 50_000

# --- detect-secrets, in-process ---------------------------------------------------------------------
# detect-secrets picks its keyword rules by file name: a generic name gets the quotes-required rules;
# the unquoted configuration ones are added by _config_keyword_hits.
_TEXT_NAME = "report.txt"
# Filters that judge the scanned *file* (its name, or a pragma the repository wrote) do not apply
# to report text: a repository cannot switch redaction off with an allowlist comment.
_SKIPPED_FILTERS = frozenset({"detect_secrets.filters.allowlist.is_line_allowlisted"})
_TEXT_FILTER_INPUTS = frozenset({"secret", "line", "plugin", "context"})
_QUOTES = "'\"`"
_DELIMITERS = " \t'\"`"
_TOKEN_CHARS = "-_=.+/"  # noqa: S105  # nosec B105 - what a base64 or URL-safe token is made of besides letters and digits
# Digests are printed on purpose (commit ids, hashed_secret, sha256 pins): a bare hex string of a
# digest's length is one. A hex key in a secret position (keyword, URL userinfo, known value) is
# still masked by the other passes.
_DIGEST = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
# CSP hash sources and SRI integrity values ('sha256-...') are digests of public scripts.
_CSP_HASH = re.compile(r"(?:sha256|sha384|sha512)-[A-Za-z0-9+/_\-]+={0,2}")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*-----")


@dataclass(frozen=True)
class _Plugin:
    secret_type: str
    instance: Any


@dataclass(frozen=True)
class _Hit:
    """One detection: the value detect-secrets yields (and hashes), and where the secret sits in the line."""

    kind: str
    value: str
    spans: tuple[tuple[int, int], ...]


def _regex_spans(line: str, match: re.Match[str]) -> tuple[str, tuple[int, int]]:
    """The yielded value of a regex detector's match, and the span to mask.

    detect-secrets yields a pattern's group when it has one, and that group is sometimes the
    secret (a Basic Auth password) and sometimes only its prefix (GitHub's ``ghp``): a group at the
    start of the match is a prefix, and then the whole match is the secret.
    """
    start, end = match.span()
    groups = [i for i in range(1, (match.re.groups or 0) + 1) if match.group(i)]
    value = match.group(groups[0]) if groups else match.group(0)
    if groups:
        g_start, g_end = match.span(groups[-1])
        if g_start > start:
            start, end = g_start, g_end
    while start < end and line[start] in _DELIMITERS + "=:":
        start += 1
    while end > start and line[end - 1] in _DELIMITERS:
        end -= 1
    # A pattern that matches a token's start (a JWT's header and payload) leaves its rest: the
    # secret runs to the end of the token.
    while end < len(line) and (line[end].isalnum() or line[end] in _TOKEN_CHARS):
        end += 1
    return value, (start, end)


class _Detectors:
    """Every detect-secrets plugin from its registry, and its default filters that judge a secret or a line."""

    def __init__(self) -> None:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.settings import get_filters

        # Plugins built with their defaults; verification (a network call) only runs when the
        # settings name its filter, and this process never configures detect-secrets' settings.
        classes: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
        self.plugins = [_Plugin(kind, cls()) for kind, cls in classes.items()]
        self._regex_based = frozenset(p.secret_type for p in self.plugins if isinstance(p.instance, RegexBasedDetector))
        self.type_names = frozenset(p.secret_type for p in self.plugins)
        self.keyword = next(p for p in self.plugins if p.secret_type == "Secret Keyword")  # noqa: S105  # nosec B105 - a type name
        self.filters = [f for f in get_filters()
                        if f.path not in _SKIPPED_FILTERS and f.injectable_variables <= _TEXT_FILTER_INPUTS]

    def _kept(self, plugin: _Plugin, value: str, line: str, context: Any) -> bool:
        from detect_secrets.util.inject import call_function_with_arguments

        for check in self.filters:
            try:
                if call_function_with_arguments(check, secret=value, line=line, plugin=plugin.instance, context=context):
                    return False
            except TypeError:  # detect-secrets skips filters it cannot call the same way
                continue
        return True

    def _plugin_hits(self, plugin: _Plugin, line: str, filename: str, context: Any) -> list[_Hit]:
        if plugin.secret_type in self._regex_based:
            hits = []
            for regex in plugin.instance.denylist:
                for match in regex.finditer(line):
                    value, span = _regex_spans(line, match)
                    hits.append(_Hit(plugin.secret_type, value, (span,)))
            return hits
        found = plugin.instance.analyze_line(filename=filename, line=line, line_number=1, context=context)
        return [_Hit(plugin.secret_type, s.secret_value, tuple(_value_spans(line, s.secret_value)))
                for s in found if s.secret_value]

    def found(self, line: str, filename: str = _TEXT_NAME, filtered: bool = True) -> list[_Hit]:
        """Every secret detect-secrets sees on ``line``."""
        from detect_secrets.util.code_snippet import get_code_snippet

        context = get_code_snippet([line], 1)
        hits: list[_Hit] = []
        for plugin in self.plugins:
            candidates = self._plugin_hits(plugin, line, filename, context)
            if plugin is self.keyword and filename == _TEXT_NAME:
                candidates += _config_keyword_hits(line)
            hits.extend(h for h in candidates if not filtered or self._kept(plugin, h.value, line, context))
        return hits


_KEY_POSITION = re.compile(r"\s*(?:-\s*)?(?:export\s+|ENV\s+)?[\"']?")


def _config_keyword_hits(line: str) -> list[_Hit]:
    """The Secret Keyword rules detect-secrets applies to configuration files (unquoted values).

    Text of unknown origin (a stderr tail, a quoted comment) may be configuration, so they apply
    to every line, with two limits that keep prose readable: ``key: value`` counts only where a
    configuration key would stand (line start, a YAML list item, ``export``, Dockerfile ``ENV``),
    and an unquoted value never holds a space ("secret: could not read" is a sentence).
    """
    from detect_secrets.plugins import keyword

    hits = []
    for regex, group in keyword.CONFIG_DENYLIST_REGEX_TO_GROUP.items():
        for match in regex.finditer(line):
            value = (match.group(group) or "").rstrip(")]};:,")  # code around an unquoted value is not the value
            if not value or value in _NOT_VALUES or any(c.isspace() for c in value):
                continue
            if regex is keyword.FOLLOWED_BY_COLON_REGEX:
                key_start = match.start()
                while key_start > 0 and (line[key_start - 1].isalnum() or line[key_start - 1] in "_.-"):
                    key_start -= 1
                if not _KEY_POSITION.fullmatch(line[:key_start]):
                    continue
            hits.append(_Hit("Secret Keyword", value, tuple(_value_spans(line, value))))
    return hits


_DETECTORS: _Detectors | None = None
_DETECTORS_LOCK = threading.Lock()


def _detectors() -> _Detectors:
    global _DETECTORS  # pylint: disable=global-statement  # built once: importing 27 plugins is not free
    with _DETECTORS_LOCK:
        if _DETECTORS is None:
            _DETECTORS = _Detectors()
        return _DETECTORS


def _harmless(hit: _Hit, line: str, detectors: _Detectors) -> bool:
    texts = [line[s:e] for s, e in hit.spans] or [hit.value]
    if not hit.spans or all(MASK in t or t in detectors.type_names for t in texts):
        return True
    if hit.kind == "Hex High Entropy String" and _DIGEST.fullmatch(hit.value):
        return True
    return hit.kind in ("Base64 High Entropy String", "Hex High Entropy String") and bool(_CSP_HASH.fullmatch(hit.value))


# --- URL credentials and session parameters ------------------------------------------------------------
_USERINFO = re.compile(r"(?<=://)(?!REDACTED@)[^/\s@?#\"'<>]+(?=@)")
# Parameter names whose value is a session or a credential wherever they appear (query, cookie, form).
_SESSION_NAMES = frozenset({
    "sid", "sessid", "sessionid", "session_id", "jsessionid", "phpsessid", "aspsessionid", "cfid", "cftoken",
    "apikey", "api_key", "sig", "signature", "x-amz-signature", "x-amz-credential", "x-goog-signature",
    "access_token", "refresh_token", "id_token", "token", "auth", "authorization", "password", "passwd", "pwd",
    "secret", "client_secret", "code_verifier",
})
# Names that are only secret in a query string or fragment (an OAuth code or state).
_QUERY_ONLY_NAMES = frozenset({"key", "code", "state", "nonce", "ticket", "otp"})
# Python defaults and placeholders are not values (``def connect(pwd=None)``).
_NOT_VALUES = frozenset({MASK, "None", "null", "nil", "True", "False", "true", "false", "''", '""'})
_PARAM = re.compile(r"(?<![\w.\-\[\]])([A-Za-z0-9_.\-\[\]]{1,80})=([^&;\s\"'<>#,)]+)")
_JSON_PARAM = re.compile(r"\"([A-Za-z0-9_.\-]{1,80})\"\s*:\s*\"([^\"\\]*(?:\\.[^\"\\]*)*)\"")


def _secret_param(name: str, query: bool) -> bool:
    lowered = name.lower().strip("[]")
    return (lowered in _SESSION_NAMES or is_credential_name(lowered)
            or (query and lowered in _QUERY_ONLY_NAMES))


def _mask_params(text: str) -> str:
    def param(match: re.Match[str]) -> str:
        start = match.start()
        query = start > 0 and text[start - 1] in "?&#;"
        if match.group(2) in _NOT_VALUES or not _secret_param(match.group(1), query):
            return match.group(0)
        return f"{match.group(1)}={MASK}"

    def json_param(match: re.Match[str]) -> str:
        if not match.group(2) or match.group(2) == MASK or not _secret_param(match.group(1), False):
            return match.group(0)
        return f'"{match.group(1)}": "{MASK}"'

    return _JSON_PARAM.sub(json_param, _PARAM.sub(param, text))


# --- the redactor --------------------------------------------------------------------------------------
def _variants(value: str) -> set[str]:
    """A known value as it may appear in text: whole, URL-encoded, and line by line when it has several."""
    value = value.strip()
    found = {value, quote(value, safe=""), quote(value, safe="/:@")}
    if "\n" in value:
        found.update(line.strip() for line in value.splitlines())
    return {v for v in found if len(v) >= MIN_KNOWN}


def _has_space(value: str) -> bool:
    return any(ch.isspace() for ch in value)


def _audited_false_positive(finding: Finding) -> bool:
    """A detect-secrets result the repository's baseline audits as not a secret.

    Its value ("secrets" in `pytest -k secrets`) is not masked as a known secret wherever it
    occurs: that blanked ordinary words in every report. Marking a real secret this way is a policy
    change the verdict shows (pipeline/policy_changes.py), the value is in the repository already,
    and detect-secrets' own detectors still mask it wherever its shape is recognisable.
    """
    return (finding.tool == "detect-secrets" and finding.accepted_by is not None
            and finding.accepted_by.disposition is Disposition.SUPPRESSED)


def _whole(value: str) -> str:
    """A pattern for the value as a whole token: an Alembic revision id that the secrets stage
    flagged where the migration assigns it (``revision = "<id>"``) is masked there, not inside the
    module name ``<id>_make_case`` (a value glued to word characters is part of another identifier)."""
    before = r"(?<![A-Za-z0-9_])" if value[0].isalnum() or value[0] == "_" else ""
    after = r"(?![A-Za-z0-9_])" if value[-1].isalnum() or value[-1] == "_" else ""
    return before + re.escape(value) + after


# The shortest piece of a known secret that is masked on its own (what the leak suite searches for).
FRAGMENT = 8


class Redactor:
    """Masks the values it knows and everything detect-secrets and the URL rules flag."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        values: set[str] = set()
        for value in known:
            if isinstance(value, str):
                values |= _variants(value)
        self.known = frozenset(values)
        ordered = sorted(self.known, key=len, reverse=True)  # longest first: no fragment survives a prefix
        self._known_re = re.compile("|".join(_whole(v) for v in ordered)) if ordered else None
        # Every FRAGMENT-long piece of every known value: a message cut at a length limit (`[:120]`)
        # can end inside a secret, and the piece left is still part of the secret.
        # A value with whitespace in it is prose a keyword detector picked up ("only in the deploy
        # job"): masked whole, but its pieces (" in the ") are ordinary words, not a cut secret.
        self._fragments = {v[i:i + FRAGMENT] for v in self.known if len(v) > FRAGMENT and not _has_space(v)
                           for i in range(len(v) - FRAGMENT + 1)}
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- construction ------------------------------------------------------------------------------
    @staticmethod
    def environment_secrets(env: Mapping[str, str] | None = None) -> list[str]:
        source = os.environ if env is None else env
        return [value for name, value in source.items() if is_credential_name(name) and value]

    @classmethod
    def for_environment(cls, env: Mapping[str, str] | None = None) -> Redactor:
        """What is known before any stage has finished: the environment's credentials."""
        return cls(cls.environment_secrets(env))

    @classmethod
    def for_run(cls, root: Path, findings: Iterable[Finding], env: Mapping[str, str] | None = None) -> Redactor:
        """The environment's credentials plus every value any finding of the run located."""
        known = cls.environment_secrets(env)
        sources = _Sources(root)
        for finding in findings:
            if not _audited_false_positive(finding):
                known.extend(located_values(sources, finding))
        return cls(known)

    # --- text ----------------------------------------------------------------------------------------
    def text(self, text: str) -> str:
        if not text or not isinstance(text, str):
            return text
        with self._lock:
            cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = self._redact(text)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[text] = result
        return result

    def _redact(self, text: str) -> str:
        if self._known_re is not None:
            text = self._known_re.sub(MASK, text)
        if self._fragments:
            text = self._mask_fragments(text)
        text = _USERINFO.sub(URL_MASK, text)
        text = _mask_params(text)
        return _mask_detected(text, _detectors())

    def _mask_fragments(self, text: str) -> str:
        """Mask every run of text made of pieces of known values (what is left of a secret that was cut)."""
        spans: list[tuple[int, int]] = []
        i = 0
        while i + FRAGMENT <= len(text):
            if text[i:i + FRAGMENT] in self._fragments:
                end = i + FRAGMENT
                while end < len(text) and text[end - FRAGMENT + 1:end + 1] in self._fragments:
                    end += 1
                # A whole known value inside a longer token (`1038c2174f5d_make_case`) was left by the
                # whole-token rule on purpose; only a piece shorter than its value is a cut secret.
                if text[i:end] not in self.known:
                    spans.append((i, end))
                i = end
            else:
                i += 1
        for start, end in reversed(spans):
            text = text[:start] + MASK + text[end:]
        return text

    def value(self, value: Any) -> Any:
        """Every string inside a JSON-like value (keys included: a dict can be keyed by a URL)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        return value

    # --- the model -----------------------------------------------------------------------------------
    def finding(self, finding: Finding) -> Finding:
        """A copy with every text masked; paths, packages and versions are identifiers and stay as they are."""
        loc = finding.location
        if loc.url or loc.param:
            # A URL can carry a token in its query string, and ZAP names the parameter it saw.
            loc = replace(loc, url=self.text(loc.url or "") or None, param=self.text(loc.param or "") or None)
        accepted = finding.accepted_by
        return replace(
            finding, location=loc,
            title=self.text(finding.title), message=self.text(finding.message),
            rule_name=self.text(finding.rule_name), fix_hint=self.text(finding.fix_hint),
            help_uri=self.text(finding.help_uri),
            # The located value was handed over to this redactor; it is never written anywhere.
            properties=self.value({k: v for k, v in finding.properties.items() if k != LOCATED_SECRET}),
            # The policy fields are text too (a ZAP identity holds the URL's query).
            identity=self.text(finding.identity),
            accepted_by=None if accepted is None else replace(accepted, because=self.text(accepted.because)),
        )

    def run(self, run: ToolRun) -> ToolRun:
        run.command = [self.text(arg) for arg in run.command]
        run.error = self.text(run.error)
        run.reason = self.text(run.reason)
        run.stderr_tail = self.text(run.stderr_tail)
        run.details = self.value(run.details)
        return run

    def stage(self, result: StageResult) -> StageResult:
        """A whole stage report (``pipeline verdict`` reads reports other jobs wrote)."""
        result.tools = [self.run(t) for t in result.tools]
        result.findings = [self.finding(f) for f in result.findings]
        result.reason = self.text(result.reason)
        result.details = self.value(result.details)
        return result

    def write_artifacts(self, artifacts: Mapping[Path, Any]) -> list[Path]:
        """Write the JSON artifacts a scanner left in memory (ZAP's traditional report), redacted."""
        from .report_io import write_json

        written = []
        for path, data in artifacts.items():
            write_json(self.value(data), path)
            written.append(path)
        return written


def _mask_spans(line: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return line
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(line[pos:start])
        out.append(MASK)
        pos = end
    out.append(line[pos:])
    return "".join(out)


def _value_spans(line: str, value: str) -> list[tuple[int, int]]:
    """Where ``value`` sits in ``line``; a quoted value runs to its real closing quote.

    detect-secrets stops a quoted value at the first quote character, so ``'it's-MyS3cretP4ss'``
    yields ``it``. A quote followed by a word character is inside the value, not its end: the mask
    then runs to the last such quote on the line.
    """
    spans = []
    start = line.find(value)
    while start >= 0:
        end = start + len(value)
        quote_char = line[start - 1] if start > 0 and line[start - 1] in _QUOTES else ""
        if quote_char and end < len(line) - 1 and line[end] == quote_char and (line[end + 1].isalnum() or line[end + 1] in "-_"):
            last = line.rfind(quote_char)
            end = last if last > end else len(line)
        spans.append((start, end))
        start = line.find(value, end)
    return spans


def _mask_detected(text: str, detectors: _Detectors) -> str:
    lines = text.split("\n")
    in_private_key = False
    for i, line in enumerate(lines):
        if in_private_key:
            end = _PEM_END.search(line)
            if end is None and line.strip():
                lines[i] = MASK
                continue
            lines[i] = MASK + line[end.end():] if end else line
            in_private_key = False
            continue
        spans: list[tuple[int, int]] = []
        for hit in detectors.found(line):
            if _harmless(hit, line, detectors):
                continue
            if hit.kind == "Private Key":
                # The detector flags the header; the key is every line up to the END marker.
                start = line.find("-----BEGIN")
                start = start if start >= 0 else hit.spans[0][0]
                end = _PEM_END.search(line, start)
                spans.append((start, end.end() if end else len(line)))
                in_private_key = end is None
                continue
            spans.extend(hit.spans)
        lines[i] = _mask_spans(line, spans)
    return "\n".join(lines)


# --- values located by findings ----------------------------------------------------------------------
class _Sources:
    """Repository files read once per run (many findings point into one file), never a file outside
    the repository: a symlink or a ``../`` path can point anywhere."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._raw: dict[str, tuple[Path, list[str]] | None] = {}
        self._views: dict[tuple[Path, bool], list[str]] = {}

    def lines(self, rel_path: str) -> tuple[Path, list[str]] | None:
        if rel_path not in self._raw:
            self._raw[rel_path] = self._read(rel_path)
        return self._raw[rel_path]

    def _read(self, rel_path: str) -> tuple[Path, list[str]] | None:
        try:
            path = (self.root / rel_path).resolve()
            if not path.is_relative_to(self.root) or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
                return None
            return path, path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None

    def transformed(self, path: Path, eager: bool) -> list[str]:
        """detect-secrets' own view of a configuration file (YAML, INI), line numbers kept."""
        if (path, eager) not in self._views:
            from detect_secrets.transformers import get_transformed_file

            try:
                with path.open(encoding="utf-8", errors="replace") as handle:
                    lines = get_transformed_file(handle, use_eager_transformers=eager)  # type: ignore[arg-type]  # an open text file; NamedIO is a TextIOBase subclass, not a protocol
            except (OSError, ValueError):
                lines = None
            self._views[(path, eager)] = [line.rstrip("\n") for line in lines or ()]
        return self._views[(path, eager)]


def _flagged_values(sources: _Sources, path: Path, raw: list[str], filename: str, line_no: int, hashed: str) -> list[str]:
    """The value detect-secrets hashed on that line, as it reads the file (raw, then transformed)."""
    detectors = _detectors()
    candidates: list[str] = []
    for view in (raw, sources.transformed(path, False), sources.transformed(path, True)):
        if line_no > len(view):
            continue
        line = view[line_no - 1]
        matched: list[str] = []
        for hit in detectors.found(line, filename=filename, filtered=False):
            texts = [hit.value.strip(_DELIMITERS + "=:"), *(line[s:e] for s, e in hit.spans)]
            if hashlib.sha1(hit.value.encode("utf-8"), usedforsecurity=False).hexdigest() == hashed:  # detect-secrets' identity
                matched.extend(texts)
            candidates.extend(texts)
        if matched:
            return matched
    # Not reproducible line by line (detect-secrets saw a multi-line context): everything detected
    # on the line, and the line itself as a tool would quote it.
    return [*candidates, raw[line_no - 1].strip()] if line_no <= len(raw) else candidates


def located_values(sources: _Sources, finding: Finding) -> list[str]:
    """The secret values a finding points at: its LOCATED_SECRET, or the flagged line's detected value."""
    values: list[str] = []
    handed = finding.properties.get(LOCATED_SECRET)
    if isinstance(handed, str) and handed:
        values.append(handed)
    hashed = finding.properties.get("hashed_secret")
    loc = finding.location
    if not (isinstance(hashed, str) and loc.path and loc.line):
        return values
    source = sources.lines(loc.path)
    if source is None:
        return values
    path, raw = source
    values.extend(_flagged_values(sources, path, raw, loc.path, loc.line, hashed))
    if finding.rule_id == "Private Key":
        for line in raw[loc.line:]:  # the key's body, up to its END line
            if _PEM_END.search(line) or not line.strip():
                break
            values.append(line.strip().strip("\"',"))
    return values


# --- module-level helpers for code that runs before the run's Redactor exists -----------------------
@lru_cache(maxsize=1)
def _environment_redactor() -> Redactor:
    return Redactor.for_environment()


def redact(text: str) -> str:
    """Redact with what is known without the run's findings (the environment's credentials)."""
    return _environment_redactor().text(text)


def redact_value(value: Any) -> Any:
    return _environment_redactor().value(value)

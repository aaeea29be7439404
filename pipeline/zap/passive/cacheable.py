"""10049 Content Cacheability (Informational, Medium; CWE-524, WASC-13): whether a shared cache
(a proxy) may store the response, and serve it to other users, per RFC 7234.

Follows ZAP's ``CacheableScanRule`` (zap-extensions pscanrulesBeta v51), including its token
handling of ``Cache-Control`` (space-split, one trailing comma dropped). Exactly one alert per response:
10049-1 "Non-Storable Content": a method other than GET/HEAD/POST, an unknown status class,
``no-store`` (request or response, Pragma too), ``private``, ``Authorization`` without
``must-revalidate``/``public``/``s-maxage``, or no Expires/max-age/s-maxage/public and a status not
cacheable by default; evidence is the reason (the directive, method or status).
10049-2 "Storable but Non-Cacheable Content": ``no-cache``, or stale and revalidation required.
10049-3 "Storable and Cacheable Content": fresh (s-maxage, else max-age, else Expires minus Date,
else a one-year heuristic, said in other info), or stale with nothing forcing revalidation.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_MEDIUM, RISK_INFO, Alert
from .base import PassiveRule

CACHEABLE_BY_DEFAULT = frozenset((200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501))
SECONDS_IN_YEAR = 365 * 86400
_REFS = "https://datatracker.ietf.org/doc/html/rfc7234\nhttps://datatracker.ietf.org/doc/html/rfc7231\nhttps://www.w3.org/Protocols/rfc2616/rfc2616-sec13.html"
LIBERAL_LIFETIME = ("In the absence of an explicitly specified caching lifetime directive in the response, a liberal lifetime "
                    "heuristic of 1 year was assumed. This is permitted by rfc7234.")
STALE_NOT_BLOCKED = ("The response is stale, and stale responses are not configured to be re-validated or blocked, using the "
                     "'must-revalidate', 'proxy-revalidate', 's-maxage', or 'max-age' response 'Cache-Control' directives.")
NON_STORABLE = ("Non-Storable Content", "The response contents are not storable by caching components such as proxy servers. If the response does not contain sensitive, personal or user-specific information, it may benefit from being stored and cached, to improve performance.",
                "The content may be marked as storable by ensuring that the following conditions are satisfied:\nThe request method must be understood by the cache and defined as being cacheable (\"GET\", \"HEAD\", and \"POST\" are currently defined as cacheable)\nThe response status code must be understood by the cache (one of the 1XX, 2XX, 3XX, 4XX, or 5XX response classes are generally understood)\nThe \"no-store\" cache directive must not appear in the request or response header fields\nFor caching by \"shared\" caches such as \"proxy\" caches, the \"private\" response directive must not appear in the response\nFor caching by \"shared\" caches such as \"proxy\" caches, the \"Authorization\" header field must not appear in the request, unless the response explicitly allows it (using one of the \"must-revalidate\", \"public\", or \"s-maxage\" Cache-Control response directives)\nIn addition to the conditions above, at least one of the following conditions must also be satisfied by the response:\nIt must contain an \"Expires\" header field\nIt must contain a \"max-age\" response directive\nFor \"shared\" caches such as \"proxy\" caches, it must contain a \"s-maxage\" response directive\nIt must contain a \"Cache Control Extension\" that allows it to be cached\nIt must have a status code that is defined as cacheable by default (200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501).")
STORABLE_NON_CACHEABLE = ("Storable but Non-Cacheable Content", "The response contents are storable by caching components such as proxy servers, but will not be retrieved directly from the cache, without validating the request upstream, in response to similar requests from other users.",
                          "")
STORABLE_CACHEABLE = ("Storable and Cacheable Content", "The response contents are storable by caching components such as proxy servers, and may be retrieved directly from the cache, rather than from the origin server by the caching servers, in response to similar requests from other users. If the response data is sensitive, personal or user-specific, this may result in sensitive information being leaked. In some cases, this may even result in a user gaining complete control of the session of another user, depending on the configuration of the caching components in use in their environment. This is primarily an issue where \"shared\" caching servers such as \"proxy\" caches are configured on the local network. This configuration is typically found in corporate or educational environments, for instance.",
                      "Validate that the response does not contain sensitive, personal or user-specific information. If it does, consider the use of the following HTTP response headers, to limit, or prevent the content being stored and retrieved from the cache by another user:\nCache-Control: no-cache, no-store, must-revalidate, private\nPragma: no-cache\nExpires: 0\nThis configuration directs both HTTP 1.0 and HTTP 1.1 compliant caching servers to not store the response, and to not retrieve the response (without validation) from the cache, in response to a similar request.")


def tokens(values: list[str]) -> list[str]:
    """ZAP's directive tokens: each value split on single spaces, one trailing comma removed."""
    return [t[:-1] if t.endswith(",") else t for v in values for t in v.split(" ")]


def _age(token: str, prefix: str) -> int:
    value = token[len(prefix):]
    comma = value.find(",")
    return int(value if comma < 0 else value[:comma])


def _http_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class ContentCacheability(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10049", "Content Cacheability", RISK_INFO, CONF_MEDIUM, 524, 13
    follows = "CacheableScanRule, pscanrulesBeta v51"
    reference = _REFS

    def _raise(self, ex: Exchange, kind: tuple[str, str, str], ref: int, evidence: str = "", other: str = "") -> Alert:
        name, description, solution = kind
        return self.alert(ex, name=name, description=description, solution=solution, alert_ref=f"10049-{ref}",
                          evidence=evidence, other=other)

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        yield self._classify(ex)

    def _classify(self, ex: Exchange) -> Alert:  # noqa: C901 - one RFC 7234 decision procedure, kept in ZAP's order
        method = ex.method.upper()
        if method not in ("GET", "HEAD", "POST"):
            return self._raise(ex, NON_STORABLE, 1, ex.method + " ")
        if ex.status // 100 not in (1, 2, 3, 4, 5):
            return self._raise(ex, NON_STORABLE, 1, str(ex.status))
        response_cc = ex.header_values("Cache-Control")
        everything = (ex.request_header_values("Pragma") + ex.header_values("Pragma")
                      + ex.request_header_values("Cache-Control") + response_cc)
        for token in tokens(everything):
            if token.lower() == "no-store":
                return self._raise(ex, NON_STORABLE, 1, token)
        response_tokens = tokens(response_cc)
        for token in response_tokens:
            if token.lower() == "private":
                return self._raise(ex, NON_STORABLE, 1, token)
        if ex.request_header_values("Authorization"):
            allowed = any(t.lower() in ("must-revalidate", "public") or t.lower().startswith("s-maxage=") for t in response_tokens)
            if not allowed:
                return self._raise(ex, NON_STORABLE, 1, "Authorization:")
        expires = ex.header_values("Expires")
        lowered = [t.lower() for t in response_tokens]
        has_max_age = any(t.startswith("max-age=") for t in lowered)
        has_s_max_age = any(t.startswith("s-maxage=") for t in lowered)
        if not (expires or has_max_age or has_s_max_age or ex.status in CACHEABLE_BY_DEFAULT or "public" in lowered):
            return self._raise(ex, NON_STORABLE, 1, str(ex.status))
        for token in response_tokens:
            if token.lower() == "no-cache":
                return self._raise(ex, STORABLE_NON_CACHEABLE, 2, token)
        lifetime, evidence, other = self._lifetime(ex, response_cc, expires)
        if lifetime > 0:  # ZAP takes the age as 0: the response has just been received
            return self._raise(ex, STORABLE_CACHEABLE, 3, evidence, other)
        for token in response_tokens:
            lower = token.lower()
            if lower in ("must-revalidate", "proxy-revalidate") or lower.startswith(("s-maxage=", "max-age=")):
                return self._raise(ex, STORABLE_NON_CACHEABLE, 2, token)
        return self._raise(ex, STORABLE_CACHEABLE, 3, "", STALE_NOT_BLOCKED)

    @staticmethod
    def _lifetime(ex: Exchange, response_cc: list[str], expires: list[str]) -> tuple[int, str, str]:
        """(lifetime in seconds, evidence, other info), in ZAP's order of precedence."""
        shared = [t for t in tokens(response_cc) if t.lower().startswith("s-maxage=")]
        if len(shared) == 1:
            try:
                return _age(shared[0], "s-maxage="), shared[0], ""
            except ValueError:
                pass
        # max-age tokens are split on commas and spaces alike.
        ages = [t for v in response_cc for t in v.replace(" ", ",").split(",") if t.lower().startswith("max-age=")]
        parsed = []
        for token in ages:
            try:
                parsed.append((_age(token, "max-age="), token))
            except ValueError:
                continue
        if len(parsed) == 1:
            return parsed[0][0], parsed[0][1], ""
        if len(expires) == 1:
            dates = ex.header_values("Date")
            if len(dates) == 1:
                expiry = _http_date(expires[0])
                if expiry is None:
                    return 0, expires[0], ""  # an invalid Expires is an expired one
                date = _http_date(dates[0])
                if date is not None:
                    return int(expiry - date), expires[0], ""
        return SECONDS_IN_YEAR, "", LIBERAL_LIFETIME

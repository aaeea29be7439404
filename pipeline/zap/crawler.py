"""A bounded same-origin crawler, the embedded stand-in for ZAP's traditional spider.

It starts at the target, also reads ``/robots.txt`` and ``/sitemap.xml`` (as ZAP's spider does by
default), follows links (a, area, link, script, img, iframe/frame, redirects) and submits forms
(GET, and POST like ZAP's spider unless told not to) with their default values. It never sends a
request outside the target's origin (scheme, host and port), and stops at the page, depth and
time limits. TLS certificates are not verified, as ZAP does not verify them either.
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from collections import deque
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from ..errors import HarnessError
from .exchange import Exchange
from .html import Form, parse
from .settings import ZapSettings

USER_AGENT = "Mozilla/5.0 (compatible; secure-pipeline embedded ZAP baseline)"
_LINK_ATTRS = (("a", "href"), ("area", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
               ("iframe", "src"), ("frame", "src"))
_SITEMAP_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.I)
_ROBOTS_PATH = re.compile(r"^\s*(?:allow|disallow)\s*:\s*(\S+)", re.I | re.M)


class CrawlError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The target cannot be crawled at all (unreachable, not HTTP)."""


@dataclass(frozen=True)
class CrawlLimits:
    # The configurable limits default to the zap settings' declared defaults (written once, there).
    max_pages: int = ZapSettings.max_pages
    max_depth: int = ZapSettings.max_depth
    max_seconds: float = 60.0
    request_timeout: float = 10.0
    max_body_bytes: int = 2_000_000
    post_forms: bool = ZapSettings.post_forms


@dataclass
class CrawlResult:
    exchanges: list[Exchange] = field(default_factory=list)
    offsite_links: int = 0
    stopped_by: str = ""  # "", "max_pages" or "time"
    failures: list[str] = field(default_factory=list)  # requests that got no HTTP response

    @property
    def urls(self) -> list[str]:
        return sorted({e.url for e in self.exchanges})


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    body: bytes
    depth: int
    via: str


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise CrawlError(f"target {url!r} is not an http:// or https:// URL")
    return scheme, parts.hostname.lower(), parts.port or (443 if scheme == "https" else 80)


def _normalise(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def fetch(method: str, url: str, body: bytes, timeout: float, max_body: int, headers: dict[str, str] | None = None) -> Exchange:
    """One request with the standard library (no proxy, no redirects followed, repeated headers kept)."""
    parts = urlsplit(url)
    host = parts.hostname or ""  # an empty host fails to connect: a CrawlError, never a silent skip
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, parts.port, timeout=timeout,
                                           context=ssl._create_unverified_context())  # noqa: S323  # nosec B323 - a scanner must reach self-signed targets, as ZAP does
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    sent = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close", **(headers or {})}
    if body:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body or None, headers=sent)
        response = conn.getresponse()
        data = response.read(max_body)
        return Exchange(url=url, method=method, status=response.status, reason=response.reason or "",
                        headers=tuple(response.getheaders()), body=data,
                        request_headers=tuple(sent.items()), request_body=body)
    finally:
        conn.close()


def _form_request(form: Form, page_url: str, depth: int, post_forms: bool) -> _Request | None:
    method = (form.element.get("method") or "GET").upper()
    if method not in ("GET", "POST") or (method == "POST" and not post_forms):
        return None
    action = urljoin(page_url, form.element.get("action") or page_url)
    fields = []
    for field_ in form.inputs:
        name = field_.get("name")
        kind = (field_.get("type") or "text").lower()
        if not name or field_.name == "button" or kind in ("submit", "button", "reset", "image", "file"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in field_.attrs:
            continue
        value = field_.get("value") or ""
        if not value and field_.name in ("input", "textarea") and kind not in ("hidden", "checkbox", "radio"):
            value = "ZAP"  # ZAP's spider fills empty text fields with "ZAP"
        fields.append((name, value))
    encoded = urlencode(fields)
    if method == "GET":
        parts = urlsplit(action)
        return _Request("GET", urlunsplit((parts.scheme, parts.netloc, parts.path, encoded, "")), b"", depth,
                        f"form on {page_url}")
    return _Request("POST", action, encoded.encode(), depth, f"form on {page_url}")


def _discover(ex: Exchange, depth: int, post_forms: bool) -> list[_Request]:
    found: list[_Request] = []
    def link(url: str) -> None:
        found.append(_Request("GET", urljoin(ex.url, url.strip()), b"", depth, ex.url))
    location = ex.header("Location")
    if ex.is_redirect and location:
        link(location)
    if ex.path == "/robots.txt" and ex.status == 200:
        for path in _ROBOTS_PATH.findall(ex.text):
            if "*" not in path and "$" not in path:
                link(path)
    elif ex.path.endswith(".xml") and "<urlset" in ex.text:
        for loc in _SITEMAP_LOC.findall(ex.text):
            link(loc)
    elif ex.is_html and ex.body:
        doc = parse(ex.text)
        base = next((b.get("href") for b in doc.all("base") if b.get("href")), None)
        page = urljoin(ex.url, base) if base else ex.url
        for tag, attr in _LINK_ATTRS:
            for element in doc.all(tag):
                value = element.get(attr)
                if value and not value.lower().startswith(("javascript:", "mailto:", "data:", "tel:", "#")):
                    found.append(_Request("GET", urljoin(page, value.strip()), b"", depth, ex.url))
        for form in doc.forms:
            request = _form_request(form, page, depth, post_forms)
            if request:
                found.append(request)
    return found


def _remember_cookies(ex: Exchange, jar: dict[str, str]) -> None:
    for value in ex.header_values("Set-Cookie"):
        pair = value.split(";", 1)[0]
        name, sep, val = pair.partition("=")
        if sep and name.strip():
            jar[name.strip()] = val.strip()


def crawl(target: str, limits: CrawlLimits = CrawlLimits()) -> CrawlResult:
    """Crawl ``target``'s origin within ``limits``; CrawlError when the target itself cannot be fetched."""
    origin = origin_of(target)
    root = f"{origin[0]}://{urlsplit(target).netloc}"
    result = CrawlResult()
    started = time.monotonic()
    queue: deque[_Request] = deque([_Request("GET", _normalise(target), b"", 0, "target")])
    for extra in ("/robots.txt", "/sitemap.xml"):
        queue.append(_Request("GET", _normalise(root + extra), b"", 0, "spider seed"))
    seen: set[tuple[str, str, bytes]] = set()
    cookies: dict[str, str] = {}  # a session, like ZAP's: cookies the target set are sent back
    first = True
    while queue:
        request = queue.popleft()
        key = (request.method, request.url, request.body)
        if key in seen:
            continue
        seen.add(key)
        if len(result.exchanges) >= limits.max_pages:
            result.stopped_by = "max_pages"
            break
        if time.monotonic() - started > limits.max_seconds:
            result.stopped_by = "time"
            break
        try:
            sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
            ex = fetch(request.method, request.url, request.body, limits.request_timeout, limits.max_body_bytes, sent)
        except (OSError, http.client.HTTPException) as exc:
            if first:
                raise CrawlError(f"cannot reach the target {target}: {type(exc).__name__}: {exc}") from exc
            result.failures.append(f"{request.method} {request.url}: {type(exc).__name__}: {exc}")
            continue
        first = False
        _remember_cookies(ex, cookies)
        ex = replace(ex, found_via=request.via)
        result.exchanges.append(ex)
        if request.depth >= limits.max_depth:
            continue
        for found in _discover(ex, request.depth + 1, limits.post_forms):
            url = _normalise(found.url.split("#", 1)[0])
            try:
                same = origin_of(url) == origin
            except CrawlError:
                same = False
            if not same:
                result.offsite_links += 1
                continue
            queue.append(_Request(found.method, url, found.body, found.depth, found.via))
    return result

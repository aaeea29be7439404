"""The few GitHub REST calls the sticky pull-request comment needs, each with a deadline.

List a pull request's issue comments (paginated by the ``Link`` header), update one (PATCH) or create
one (POST). The token goes only in the ``Authorization`` header, only to the configured API host
(a ``next`` link to another host is refused, redirects are never followed) and never into an error
message. Plain http is accepted only for a loopback host (a local test server).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import HarnessError

TIMEOUT_S = 20.0  # the whole request, connect to last byte
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_PAGES = 50  # 5,000 comments: beyond that something is wrong, and we say so
PER_PAGE = 100
API_VERSION = "2022-11-28"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubApiError(HarnessError):  # exit 2: the comment could not be read or written
    """A GitHub API call failed (HTTP error, timeout, unreadable answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    author_type: str
    html_url: str


@dataclass(frozen=True)
class Api:
    base_url: str  # GITHUB_API_URL, e.g. https://api.github.com
    token: str
    timeout_s: float = TIMEOUT_S

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise GitHubApiError(f"GitHub API URL {self.base_url!r}: only https (or http to a loopback test server)")

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def request(self, method: str, url: str, payload: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
        """One call: the decoded JSON answer and the response headers (lower-case names)."""
        if not self._same_origin(url):
            raise GitHubApiError(f"{method} refused: {urlsplit(url).netloc} is not the API host {urlsplit(self.base_url).netloc}")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        deadline = time.monotonic() + self.timeout_s
        conn_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_type(parts.netloc, timeout=self.timeout_s)
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": API_VERSION, "User-Agent": "secure-pipeline"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        what = f"{method} {parts.path}"
        # The socket timeout bounds each read; the watchdog bounds the whole exchange (a server that
        # drips one byte at a time would otherwise reset the socket timeout forever).
        watchdog = threading.Timer(self.timeout_s, _cut, args=(conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = _read(response, deadline, what)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
                raise GitHubApiError(f"{what}: no complete answer within {self.timeout_s:g} s") from exc
            raise GitHubApiError(f"{what}: {type(exc).__name__}: {exc}") from exc
        finally:
            watchdog.cancel()
            conn.close()
        if time.monotonic() >= deadline:  # the watchdog cut the answer short
            raise GitHubApiError(f"{what}: no complete answer within {self.timeout_s:g} s")
        answer = _json(data, what) if data else None
        if response.status >= 300:
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise GitHubApiError(f"{what}: HTTP {response.status} {str(message)[:200]}".rstrip(), response.status)
        return answer, {k.lower(): v for k, v in response.getheaders()}

    def comments(self, repo: str, number: int) -> list[Comment]:
        """Every comment of issue or pull request ``number``, following the ``Link: rel="next"`` pages."""
        first = f"{self.base_url.rstrip('/')}/repos/{repo}/issues/{number}/comments?" + urlencode({"per_page": PER_PAGE})
        url: str | None = first
        found: list[Comment] = []
        for _page in range(MAX_PAGES):
            if url is None:
                return found
            answer, headers = self.request("GET", url)
            found += [_comment(item) for item in _array(answer, f"GET /repos/{repo}/issues/{number}/comments")]
            match = _NEXT.search(headers.get("link", ""))
            url = match.group(1) if match else None
        if url is None:
            return found
        raise GitHubApiError(f"GET /repos/{repo}/issues/{number}/comments: more than {MAX_PAGES} pages of comments")

    def update(self, repo: str, comment_id: int, body: str) -> Comment:
        url = f"{self.base_url.rstrip('/')}/repos/{repo}/issues/comments/{comment_id}"
        answer, _ = self.request("PATCH", url, {"body": body})
        return _comment(answer)

    def create(self, repo: str, number: int, body: str) -> Comment:
        answer, _ = self.request("POST", f"{self.base_url.rstrip('/')}/repos/{repo}/issues/{number}/comments", {"body": body})
        return _comment(answer)


def _cut(conn: http.client.HTTPConnection) -> None:
    """Wake a read blocked on ``conn``'s socket (shutdown does, from another thread; close does not)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


def _read(response: http.client.HTTPResponse, deadline: float, what: str) -> bytes:
    """The response body, within the request's deadline and size cap (a slow drip cannot stall us)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            raise GitHubApiError(f"{what}: answer larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise GitHubApiError(f"{what}: the answer is not JSON ({exc})") from exc


def _array(answer: Any, what: str) -> list[Any]:
    if not isinstance(answer, list):
        raise GitHubApiError(f"{what}: expected a JSON array")
    return list(answer)


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise GitHubApiError("GitHub API: a comment without an id")
    user: dict[str, Any] = item["user"] if isinstance(item.get("user"), dict) else {}
    return Comment(id=item["id"], body=str(item.get("body") or ""), author=str(user.get("login", "")),
                   author_type=str(user.get("type", "")), html_url=str(item.get("html_url", "")))

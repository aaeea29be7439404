"""A local stand-in for the GitHub REST API's issue-comment endpoints: a DOUBLE, because github.com
cannot be reached from the test machine (no network), so it follows GitHub's real API shapes exactly.

What it reproduces, from docs.github.com/rest/issues/comments (API version 2022-11-28):
- ``GET /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=``: a JSON array of comment
  objects, oldest first, paginated with a ``Link`` header whose URLs use the
  ``/repositories/{id}/issues/{number}/comments`` form, as github.com's do;
- ``PATCH /repos/{owner}/{repo}/issues/comments/{id}`` (200) and
  ``POST /repos/{owner}/{repo}/issues/{number}/comments`` (201 with a ``Location`` header);
- error bodies ``{"message", "documentation_url", "status"}``: 401 "Bad credentials" for a wrong
  token, 403 "Resource not accessible by integration" for a write with a read-only token (what a
  fork's pull_request run gets), 404 "Not Found";
- a comment's ``user`` object with ``login`` and ``type`` ("Bot" for ``github-actions[bot]``, id 41898282).
It records every request (method, path, headers) so a test can check where the token went.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=", "type": "Bot",
       "site_admin": False}
REPO_ID = 1296269
DOCS = "https://docs.github.com/rest/issues/comments"


def user(login: str) -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 10_000_000, "node_id": "U_x", "type": "User", "site_admin": False}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class State:
    owner_repo: str
    number: int
    token: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    read_only: bool = False  # a fork pull_request run's token: reads work, writes get 403
    delay_s: float = 0.0  # answer GETs this late (a hung API)
    requests: list[Recorded] = field(default_factory=list)
    next_id: int = 1_000_000

    def add(self, author: dict[str, Any], body: str) -> dict[str, Any]:
        self.next_id += 1
        cid = self.next_id
        comment = {
            "id": cid, "node_id": f"IC_{cid}",
            "url": f"https://api.github.com/repos/{self.owner_repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{self.owner_repo}/pull/{self.number}#issuecomment-{cid}",
            "body": body, "user": author, "created_at": "2026-01-15T12:00:00Z", "updated_at": "2026-01-15T12:00:00Z",
            "issue_url": f"https://api.github.com/repos/{self.owner_repo}/issues/{self.number}",
            "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
            "performed_via_github_app": None,
        }
        self.comments.append(comment)
        return comment


def _handler(state: State, base: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the stdlib's signature
            pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._send(status, {"message": message, "documentation_url": DOCS, "status": str(status)})

        def _record(self) -> tuple[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            state.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._error(401, "Bad credentials")
                return None
            return urlsplit(self.path).path, body

        def do_GET(self) -> None:  # noqa: N802  # http.server's naming
            got = self._record()
            if got is None:
                return
            path, _ = got
            if state.delay_s:
                time.sleep(state.delay_s)
            lists = (f"/repos/{state.owner_repo}/issues/{state.number}/comments",
                     f"/repositories/{REPO_ID}/issues/{state.number}/comments")
            if path not in lists:
                self._error(404, "Not Found")
                return
            query = parse_qs(urlsplit(self.path).query)
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            items = state.comments[(page - 1) * per_page:page * per_page]
            last = max((len(state.comments) + per_page - 1) // per_page, 1)
            links = []
            link_base = f"{base[0]}/repositories/{REPO_ID}/issues/{state.number}/comments"
            if page < last:
                links.append(f'<{link_base}?per_page={per_page}&page={page + 1}>; rel="next"')
                links.append(f'<{link_base}?per_page={per_page}&page={last}>; rel="last"')
            if page > 1:
                links.insert(0, f'<{link_base}?per_page={per_page}&page={page - 1}>; rel="prev"')
                links.append(f'<{link_base}?per_page={per_page}&page=1>; rel="first"')
            self._send(200, items, {"Link": ", ".join(links)} if links else None)

        def do_PATCH(self) -> None:  # noqa: N802
            got = self._record()
            if got is None:
                return
            path, body = got
            prefix = f"/repos/{state.owner_repo}/issues/comments/"
            target = next((c for c in state.comments if path == f"{prefix}{c['id']}"), None)
            if target is None:
                self._error(404, "Not Found")
                return
            if state.read_only:
                self._error(403, "Resource not accessible by integration")
                return
            target["body"] = body["body"]
            target["updated_at"] = "2026-01-15T13:00:00Z"
            self._send(200, target)

        def do_POST(self) -> None:  # noqa: N802
            got = self._record()
            if got is None:
                return
            path, body = got
            if path != f"/repos/{state.owner_repo}/issues/{state.number}/comments":
                self._error(404, "Not Found")
                return
            if state.read_only:
                self._error(403, "Resource not accessible by integration")
                return
            comment = state.add(BOT, body["body"])
            self._send(201, comment, {"Location": comment["url"]})

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the deadline test) is expected, not a failure to print


class GitHubDouble:
    """``with GitHubDouble(state) as api_url:`` serves ``state`` on a loopback port."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._base: list[str] = [""]
        self.server = _Server(("127.0.0.1", 0), _handler(state, self._base))
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._base[0] = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread.start()
        return self._base[0]

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

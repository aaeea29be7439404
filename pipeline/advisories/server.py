"""An OSV-compatible ``POST /v1/query`` endpoint on loopback, serving an :class:`AdvisoryDB`.

It speaks the contract pip-audit's OSV service uses: a JSON body
``{"package": {"name", "ecosystem": "PyPI"}, "version"}`` (sent without a Content-Type header),
answered with ``{"vulns": [full OSV records]}`` or ``{}``. pip-audit does no version matching itself,
so the matching happens here. Every query is recorded, so the caller can prove afterwards that each
pinned dependency was really asked about (positive evidence of coverage), and how long answers took.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .database import AdvisoryDB, AdvisoryError
from .versions import canonical_name

MAX_BODY = 64 * 1024


@dataclass
class QueryLog:
    queries: list[tuple[str, str]] = field(default_factory=list)  # (canonical name, version)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, version: str, seconds: float) -> None:
        with self.lock:
            self.queries.append((name, version))
            self.latencies.append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _json_default(value: Any) -> str:
    return str(value)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: pip-audit sends one POST per dependency on one session
    # Headers and body go out as two writes; with Nagle on, each answer waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        """Quiet: the query log is kept in memory instead of stderr."""

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, default=_json_default).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        started = time.perf_counter()
        if self.path.split("?")[0].rstrip("/") != "/v1/query":
            self._send(404, {"code": 5, "message": f"unknown endpoint {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_BODY:
            self._send(400, {"code": 3, "message": "a JSON body with a Content-Length is required"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            package = body["package"]
            name, ecosystem, version = str(package["name"]), str(package.get("ecosystem", "")), str(body["version"])
        except (ValueError, KeyError, TypeError):
            self.server.log.error("malformed query body")
            self._send(400, {"code": 3, "message": "expected {package: {name, ecosystem}, version}"})
            return
        if ecosystem != "PyPI":
            self.server.log.error(f"query for ecosystem {ecosystem!r}")
            self._send(400, {"code": 3, "message": f"this mirror serves the PyPI ecosystem only, not {ecosystem!r}"})
            return
        try:
            records = self.server.db.query(name, version)
        except AdvisoryError as exc:
            self.server.log.error(str(exc))
            self._send(400, {"code": 3, "message": str(exc)})
            return
        self.server.log.add(canonical_name(name), version, time.perf_counter() - started)
        self._send(200, {"vulns": records} if records else {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, db: AdvisoryDB, log: QueryLog) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.db = db
        self.log = log


class MirrorServer:
    """``with MirrorServer(db) as mirror: ... mirror.url ...``: serves on 127.0.0.1 at an ephemeral port."""

    def __init__(self, db: AdvisoryDB) -> None:
        self.db = db
        self.log = QueryLog()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the mirror is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/query"

    def start(self) -> MirrorServer:
        self._server = _Server(self.db, self.log)
        self._thread = threading.Thread(target=self._server.serve_forever, name="osv-mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

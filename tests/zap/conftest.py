"""Fixtures for the zap tests: real local HTTP and HTTPS servers serving canned responses."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

Route = tuple[int, list[tuple[str, str]], bytes]  # status, headers (repeats allowed), body


@dataclass
class Site:
    """A real HTTP(S) server on 127.0.0.1 whose routes a test fills in."""

    routes: dict[str, Route] = field(default_factory=dict)
    base: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test output quiet
            pass

        def version_string(self):  # no default Server header unless a route sets one
            return ""

        def send_header(self, keyword, value):
            if keyword.lower() == "server" and not value:
                return
            super().send_header(keyword, value)

        def _serve(self):
            site.requests.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
            status, headers, body = route or (404, [("Content-Type", "text/plain")], b"not found")
            self.send_response_only(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

    return Handler


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def serve(tls_files) -> Iterator[Callable[..., Site]]:
    """``serve(routes, tls=False)`` starts a server and returns its Site; all are stopped after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Route] | None = None, tls: bool = False) -> Site:
        site = Site(routes=dict(routes or {}))
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls_files)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        site.base = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return site

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()

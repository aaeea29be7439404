"""A local stand-in for Azure Key Vault's secrets REST API, over real TLS.

No vault is reachable from the test machine, so this server follows the
documented Key Vault REST API closely enough for the real
``azure-keyvault-secrets`` client to talk to it unchanged:

* ``GET {vault}/secrets/{name}[/{version}]?api-version=V``, where V is a 7.x
  version or one of the date-style versions (``2025-07-01``) that current
  SDKs send;
  returns ``200 {"value": ..., "id": "{vault}/secrets/{name}/{version}", "attributes": {...}}``;
* an unknown name returns ``404 {"error": {"code": "SecretNotFound", "message": ...}}``;
* a request without a bearer token gets ``401`` with the
  ``WWW-Authenticate: Bearer authorization=..., resource=...`` challenge that
  the SDK's challenge-based authentication policy answers; a wrong token gets
  ``401 {"error": {"code": "Unauthorized", ...}}``.

It is a stand-in, not Key Vault: it models the behaviour the provider relies
on and records every request so tests can check what the client sent.
"""
from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# What the real service names in its challenge, for every vault.
KEY_VAULT_RESOURCE = "https://vault.azure.net"
API_VERSION = re.compile(r"^(7\.\d+|\d{4}-\d{2}-\d{2})(-preview)?$")
_SECRET_PATH = re.compile(r"^/secrets/([0-9A-Za-z-]{1,127})(?:/([0-9a-f]{32}))?/?$")


def write_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made now, so no key material is committed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "vault-cert.pem", directory / "vault-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class RecordedRequest:
    path: str
    api_version: str | None
    authorization: str | None


@dataclass
class KeyVaultStandIn:
    token: str
    secrets: dict[str, str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    tenant: str = field(default_factory=lambda: str(uuid.uuid4()))
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        vault = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # pylint: disable=redefined-builtin
                return  # keep test output quiet

            def _send(self, status: int, body: dict, extra: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802  # pylint: disable=invalid-name
                parts = urlsplit(self.path)
                api_version = parse_qs(parts.query).get("api-version", [None])[0]
                auth = self.headers.get("Authorization")
                vault.requests.append(RecordedRequest(parts.path, api_version, auth))
                if not api_version or not API_VERSION.match(api_version):
                    self._send(400, {"error": {"code": "BadParameter", "message": "api-version is required"}})
                    return
                if auth is None:
                    challenge = (f'Bearer authorization="https://login.microsoftonline.com/{vault.tenant}", '
                                 f'resource="{KEY_VAULT_RESOURCE}"')
                    self._send(401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is "
                                               "missing a Bearer or PoP token."}},
                               {"WWW-Authenticate": challenge})
                    return
                if auth != f"Bearer {vault.token}":
                    self._send(401, {"error": {"code": "Unauthorized", "message": "AKV10032: Invalid issuer."}})
                    return
                match = _SECRET_PATH.match(parts.path)
                if not match or match.group(1) not in vault.secrets:
                    name = match.group(1) if match else parts.path
                    self._send(404, {"error": {"code": "SecretNotFound", "message":
                                               f"A secret with (name/id) {name} was not found in this key vault."}})
                    return
                name = match.group(1)
                version = match.group(2) or uuid.uuid5(uuid.NAMESPACE_URL, name).hex
                now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
                self._send(200, {
                    "value": vault.secrets[name],
                    "id": f"{vault.url}/secrets/{name}/{version}",
                    "attributes": {"enabled": True, "created": now, "updated": now,
                                   "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
                    "tags": {},
                })

        return Handler


class RunningStandIn:
    """Serve a ``KeyVaultStandIn`` over TLS on 127.0.0.1 in a thread."""

    def __init__(self, vault: KeyVaultStandIn, cert: Path, key: Path) -> None:
        self.vault = vault
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), vault.handler())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        vault.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> KeyVaultStandIn:
        self._thread.start()
        return self.vault

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

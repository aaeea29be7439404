"""Hardening for the responses gunicorn writes itself, outside the app.

Gunicorn answers malformed requests (bad request line, oversized headers)
before Flask sees them, with a page that echoes the parse error and carries
none of the app's security headers, and it adds ``Server: gunicorn`` to every
response. ``install()`` replaces both; it is called from gunicorn_conf.py.
"""
from __future__ import annotations

import gunicorn.http.wsgi
import gunicorn.util

from app.headers import CONTENT_SECURITY_POLICY, CROSS_ORIGIN_HEADERS, NO_STORE, PERMISSIONS_POLICY

NEUTRAL_SERVER_NAME = "webserver"

_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{reason}</title></head>'
    "<body><h1>{reason}</h1><p>The request could not be understood.</p></body></html>\n"
)


def _security_headers() -> dict[str, str]:
    headers = {
        "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in CONTENT_SECURITY_POLICY.items()),
        "Permissions-Policy": ", ".join(f"{k}={v}" for k, v in PERMISSIONS_POLICY.items()),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cache-Control": NO_STORE,
    }
    headers.update(CROSS_ORIGIN_HEADERS)
    return headers


def write_error(sock, status_int: int, reason: str, _mesg: str) -> None:
    """Drop-in for ``gunicorn.util.write_error``: same status, generic text.

    The parse error (``_mesg``) may quote the request; gunicorn still logs it,
    but it is not sent back.
    """
    body = _PAGE.format(reason=reason).encode("ascii", "replace")
    lines = [f"HTTP/1.1 {int(status_int)} {reason}", "Connection: close",
             f"Server: {NEUTRAL_SERVER_NAME}", "Content-Type: text/html; charset=utf-8",
             f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in _security_headers().items()]
    gunicorn.util.write_nonblock(sock, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def install() -> None:
    # Response.__init__ reads this module global for its Server header.
    gunicorn.http.wsgi.SERVER = NEUTRAL_SERVER_NAME
    gunicorn.util.write_error = write_error

"""Answer only for the configured host names (TRUSTED_HOSTS).

Flask checks the Host (or, behind the gateway, X-Forwarded-Host) against
``TRUSTED_HOSTS`` and turns a mismatch into a 400 (werkzeug's SecurityError).
Werkzeug reads a Host with characters no host name has as *empty* rather than
failing; that would make url_for build ``http:///...``, so it is a 400 too.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, abort, request


def init_trusted_hosts(app: Flask, hosts: Iterable[str]) -> None:
    app.config["TRUSTED_HOSTS"] = list(hosts)
    app.before_request(_require_a_host)


def _require_a_host() -> None:
    # request.host raises SecurityError (a 400) itself for an untrusted name.
    if not request.host:
        abort(400)

"""The application factory."""
from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request, send_from_directory
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import AppConfig
from app.db import Database
from app.errors import register_error_handlers
from app.headers import init_security_headers
from app.hosts import init_trusted_hosts
from app.logging_setup import configure_logging, ensure_correlation_id
from app.rate_limit import SubmissionLimit
from app.telemetry import init_telemetry
from app.views import bp

access_log = logging.getLogger("app.access")


class SampleFlask(Flask):
    def send_static_file(self, filename: str) -> Response:
        # Werkzeug's default ETag embeds the file's mtime as a Unix timestamp
        # (ZAP rule 10096, timestamp disclosure); Last-Modified revalidates
        # just as well, so no ETag is sent.
        if self.static_folder is None:
            raise RuntimeError("no static folder is configured")
        return send_from_directory(self.static_folder, filename, max_age=self.get_send_file_max_age(filename),
                                   etag=False)


def create_app(config: AppConfig, database: Database | None = None) -> Flask:
    """Build the app. ``database`` lets tests share one pool across apps."""
    configure_logging()
    app = SampleFlask(__name__)
    # First hook of all, so that even a request rejected by CSRF protection
    # has a correlation id for its error page and log line.
    app.before_request(_start_request)
    init_trusted_hosts(app, config.trusted_hosts)
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_content_length,
        # Werkzeug's limits for url-encoded forms; the form has three fields.
        MAX_FORM_MEMORY_SIZE=config.max_content_length,
        MAX_FORM_PARTS=20,
        # __Host- cookies must be Secure, host-only and Path=/ (no loose scope).
        SESSION_COOKIE_NAME="__Host-session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=3600,
        WTF_CSRF_TIME_LIMIT=3600,
    )
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops, x_host=config.proxy_hops
        )
    app.extensions["securesample.db"] = database or Database(
        config.database, max_size=config.pool_max_size, timeout=config.pool_timeout
    )
    app.extensions["securesample.submission_limit"] = SubmissionLimit(
        config.suggestion_rate_limit, config.suggestion_rate_window_seconds
    )
    CSRFProtect(app)
    init_security_headers(app)
    register_error_handlers(app)
    app.after_request(_log_request)
    app.register_blueprint(bp)
    init_telemetry(app, config.appinsights_connection_string)
    return app


def _start_request() -> None:
    ensure_correlation_id()
    g.started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    access_log.info("request", extra={"event": "request", "method": request.method, "path": request.path,
                                      "status": response.status_code, "duration_ms": duration_ms})
    return response

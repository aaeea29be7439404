"""Generic error pages. The visitor sees a short message and the correlation
id; the log gets the details (seed 003, "defensive coding")."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.db import DatabaseUnavailable
from app.logging_setup import ensure_correlation_id

log = logging.getLogger("app.errors")

_MESSAGES = {
    400: "The request could not be understood.",
    404: "There is no page at this address.",
    405: "This page does not accept that kind of request.",
    413: "The request was too large.",
    429: "Too many requests from your address. Please try again later.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}
_DEFAULT_MESSAGE = "Something went wrong on our side."


def _wants_json() -> bool:
    return request.path in ("/healthz", "/readyz")


def _render(status: int) -> Response:
    message = _MESSAGES.get(status, _DEFAULT_MESSAGE if status >= 500 else "The request could not be completed.")
    correlation_id = ensure_correlation_id()
    if _wants_json():
        response = jsonify(status="error", correlation_id=correlation_id)
    elif request_ctx.url_adapter is None:
        # No URL adapter (the Host was rejected), so url_for cannot work: a
        # page that needs no URL building, instead of failing in the handler.
        response = make_response(
            render_template("error_standalone.html", status=status, message=message, correlation_id=correlation_id)
        )
    else:
        response = make_response(
            render_template("error.html", status=status, message=message, correlation_id=correlation_id)
        )
    response.status_code = status
    return response


def handle_http_exception(exc: HTTPException) -> Response | HTTPException:
    status = exc.code or 500
    if status < 400:  # redirects raised as exceptions (RequestRedirect) pass through
        return exc
    level = logging.ERROR if status >= 500 else logging.INFO
    # An untrusted or malformed Host is an attack signal, not just a bad request.
    event = "host_rejected" if isinstance(exc, SecurityError) else "http_error"
    log.log(logging.WARNING if event == "host_rejected" else level, "request failed",
            extra={"event": event, "status": status, "method": request.method, "path": request.path})
    response = _render(status)
    retry_after = getattr(exc, "retry_after", None)
    if status == 429 and isinstance(retry_after, int):
        response.headers["Retry-After"] = str(retry_after)
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def handle_csrf_error(_exc: CSRFError) -> Response:
    log.warning("CSRF validation failed", extra={"event": "csrf_failed", "status": 400,
                                                 "method": request.method, "path": request.path})
    return _render(400)


def handle_database_unavailable(_exc: DatabaseUnavailable) -> Response:
    log.error("database unavailable", exc_info=True, extra={"event": "db_unavailable", "status": 503,
                                                            "path": request.path})
    return _render(503)


def handle_unexpected(_exc: Exception) -> Response:
    # exc_info puts the stack trace in the log, tagged with the correlation id.
    log.error("unhandled exception", exc_info=True, extra={"event": "unhandled", "status": 500,
                                                           "method": request.method, "path": request.path})
    return _render(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DatabaseUnavailable, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)

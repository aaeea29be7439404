"""Structured JSON logs, one object per line, each carrying the request's
correlation id so that the id shown on an error page leads to its log lines."""
from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context

CORRELATION_HEADER = "X-Correlation-ID"


def new_correlation_id() -> str:
    # Generated server-side only: an id taken from the client could be forged
    # to collide with, or inject text into, someone else's log entries.
    return uuid.uuid4().hex


def ensure_correlation_id() -> str:
    """Return the request's correlation id, creating it on first use."""
    if "correlation_id" not in g:
        g.correlation_id = new_correlation_id()
    return g.correlation_id


def current_correlation_id() -> str | None:
    if has_request_context():
        return g.get("correlation_id")
    return None


def _install_record_factory() -> None:
    """Stamp the correlation id on each record when it is created, so every
    handler sees it (the Azure Monitor handler on "app" runs before root's)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_securesample", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        correlation_id = current_correlation_id()
        if correlation_id:  # outside a request there is none; omit the field
            record.correlation_id = correlation_id
        return record

    factory._securesample = True  # type: ignore[attr-defined]  # pylint: disable=protected-access
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    _EXTRA_FIELDS = ("correlation_id", "method", "path", "status", "duration_ms", "event")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self._EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            # Stack traces go to the log only, never into a response.
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Send JSON lines to stderr (the container's log stream); idempotent."""
    _install_record_factory()
    # The Azure SDK logs each HTTP exchange at INFO; only its problems matter here.
    logging.getLogger("azure").setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_securesample", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._securesample = True  # type: ignore[attr-defined]  # pylint: disable=protected-access
    root.addHandler(handler)
    root.setLevel(level)

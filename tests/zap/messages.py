"""Build the recorded request/response pairs the passive rules read, the way ZAP's rule unit tests
build an ``HttpMessage``: a URL, a status, response headers and a body (no server needed, since a
passive rule only ever sees what was recorded)."""

from __future__ import annotations

from pipeline.zap import passive
from pipeline.zap.exchange import Exchange
from pipeline.zap.model import Alert
from pipeline.zap.passive.base import PassiveRule


def message(body: str | bytes = "", content_type: str | None = "text/html", *, url: str = "http://example.com/",
            status: int = 200, headers: list[tuple[str, str]] | None = None, method: str = "GET",
            request_headers: list[tuple[str, str]] | None = None, request_body: bytes = b"") -> Exchange:
    response_headers = ([("Content-Type", content_type)] if content_type is not None else []) + list(headers or [])
    return Exchange(url=url, method=method, status=status, reason="OK" if status == 200 else "", headers=tuple(response_headers),
                    body=body.encode("utf-8") if isinstance(body, str) else body,
                    request_headers=tuple(request_headers or ()), request_body=request_body)


def run(rule: PassiveRule, ex: Exchange) -> list[Alert]:
    """The alerts one rule raises on one message, through the engine's own entry point."""
    assert rule.plugin_id in {r.plugin_id for r in passive.RULES}, f"{rule.plugin_id} is not registered"
    return passive.scan(ex, (rule,))

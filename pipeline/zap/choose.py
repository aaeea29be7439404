"""Which engine scans: a ZAP daemon when one is configured (or required), else the embedded scanner."""

from __future__ import annotations

from .embedded import EmbeddedEngine
from .engine import Engine
from .engine_result import EngineError

API_URL_ENV, API_KEY_ENV = "ZAP_API_URL", "ZAP_API_KEY"  # pragma: allowlist secret - variable names
CHOICES = ("auto", "zap", "embedded")


def choose(choice: str, api_url: str, api_key: str | None) -> Engine:
    """``auto``: the daemon when ``api_url`` is set, else embedded; ``zap`` requires the daemon; ``embedded`` never uses it."""
    if choice not in CHOICES:
        raise EngineError(f"engine {choice!r} is not one of {', '.join(CHOICES)}")
    if choice == "embedded" or (choice == "auto" and not api_url):
        return EmbeddedEngine()
    if not api_url:
        raise EngineError(f"engine is `zap` but neither {API_URL_ENV} nor zap.api_url is set")
    from .daemon import DaemonEngine  # requests and zapv2: imported only by a run that talks to a daemon

    return DaemonEngine(api_url, api_key)

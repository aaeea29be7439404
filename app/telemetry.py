"""Azure Monitor (Application Insights) through OpenTelemetry, switched on by
APPLICATIONINSIGHTS_CONNECTION_STRING. Without it nothing is imported or sent."""
from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger("app.telemetry")
_lock = threading.Lock()
_state = {"configured": False}

# Probes are polled every few seconds by the gateway; tracing them is noise.
EXCLUDED_URLS = "healthz,readyz,static"


def init_telemetry(app: Flask, connection_string: str | None) -> bool:
    """Export traces, metrics and the app's logs; return whether it is on."""
    if not connection_string:
        return False
    # Imported lazily: the SDK is large and only needed when telemetry is on.
    from azure.monitor.opentelemetry import configure_azure_monitor  # pylint: disable=import-outside-toplevel
    from opentelemetry.instrumentation.flask import FlaskInstrumentor  # pylint: disable=import-outside-toplevel

    with _lock:
        # The global providers may be set up once per process (per gunicorn worker).
        if not _state["configured"]:
            configure_azure_monitor(
                connection_string=connection_string,
                logger_name="app",
                # Instrumented per app below; the global hook only sees apps
                # created after it, which would miss this one.
                instrumentation_options={"flask": {"enabled": False}},
                # Never inject the browser SDK script: the CSP allows no scripts.
                browser_sdk_loader_config={"enabled": False},
                # Live Metrics (QuickPulse) is on by default in the distro: a
                # second outbound channel, to its own endpoint, that pings every
                # few seconds and streams sample documents while a viewer is
                # connected. The seed asks for logs, requests, metrics and
                # exceptions in Application Insights, which the track API
                # covers; one egress flow is easier to allow-list and to model.
                enable_live_metrics=False,
            )
            _state["configured"] = True
    FlaskInstrumentor().instrument_app(app, excluded_urls=EXCLUDED_URLS)
    log.info("Azure Monitor telemetry enabled", extra={"event": "telemetry_on"})
    return True

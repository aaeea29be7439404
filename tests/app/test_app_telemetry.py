"""Azure Monitor through OpenTelemetry, switched on by a connection string.

Runs in a subprocess because OpenTelemetry's providers are process-global.
The ingestion endpoint is a local stand-in for Application Insights' track
API (POST /v2.1/track, answering {"itemsReceived", "itemsAccepted", "errors"});
any other path gets a 404, as from the real service. Live Metrics
(QuickPulse: POST /QuickPulseService.svc/ping and /post on the LiveEndpoint)
is switched off by the app; its endpoint is a second stand-in that only
records, so a ping would show up there instead of being mistaken for track
data. No Azure service is reachable from the tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r'''
import gzip, json, os, secrets, threading, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = []
live_requests = []

def reply(handler, status, payload):
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)

class Ingestion(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not self.path.split("?")[0].endswith("/v2.1/track"):
            reply(self, 404, {"error": "not found"})
            return
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        items = json.loads(body)
        received.append({"path": self.path, "items": items})
        reply(self, 200, {"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

class LiveMetrics(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        live_requests.append(self.path)
        # The real service's answer to a ping when nobody watches: not subscribed.
        self.send_response(200)
        self.send_header("x-ms-qps-subscribed", "false")
        self.send_header("Content-Length", "0")
        self.end_headers()

def start(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"

endpoint, live_endpoint = start(Ingestion), start(LiveMetrics)
connection_string = f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint={endpoint};LiveEndpoint={live_endpoint}"

from opentelemetry import trace
from opentelemetry._logs import get_logger_provider
# The distro's own record of whether Live Metrics was started (no public API).
from azure.monitor.opentelemetry.exporter._quickpulse._state import is_quickpulse_enabled
from app import create_app
from app.config import AppConfig, DatabaseSettings

config = AppConfig(
    database=DatabaseSettings(host="/nonexistent", port=5432, dbname="d", user="u",
                              password=secrets.token_urlsafe(8), sslmode="disable"),
    secret_key=secrets.token_urlsafe(16), appinsights_connection_string=connection_string)
app = create_app(config)
response = app.test_client().get("/robots.txt")
correlation_id = response.headers["X-Correlation-ID"]
response.close()  # ends the request span (the WSGI iterable is closed)
trace.get_tracer_provider().force_flush()
get_logger_provider().force_flush()
print(json.dumps({"correlation_id": correlation_id,
                  "items": [item for batch in received for item in batch["items"]],
                  "paths": sorted({batch["path"] for batch in received}),
                  "live_metrics_enabled": is_quickpulse_enabled(), "live_requests": live_requests}))
'''


def test_requests_and_logs_reach_application_insights(site):
    # The distro's default sampler is rate-limited (5 traces/s) and may drop a
    # process's very first request; sample everything so the check is exact.
    env = dict(os.environ, APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL="true",
               OTEL_TRACES_SAMPLER="microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG="1.0")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=site.repo_root, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Live Metrics is off by the app's choice (app/telemetry.py), so nothing
    # but the track API is ever called, however slow the machine.
    assert report["live_metrics_enabled"] is False
    assert report["live_requests"] == []
    assert report["paths"] and all(p.endswith("/v2.1/track") for p in report["paths"])
    by_type = {}
    for item in report["items"]:
        by_type.setdefault(item["data"]["baseType"], []).append(item["data"]["baseData"])
    assert any(r["name"] == "GET /robots.txt" and r["responseCode"] == "200" for r in by_type["RequestData"])
    # The access log line arrives with the same correlation id the visitor saw.
    messages = [m for m in by_type["MessageData"] if m["properties"].get("path") == "/robots.txt"]
    assert messages and messages[0]["properties"]["correlation_id"] == report["correlation_id"]

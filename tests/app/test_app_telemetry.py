"""Azure Monitor through OpenTelemetry, switched on by a connection string.

Runs in a subprocess because OpenTelemetry's providers are process-global.
The ingestion endpoint is a local stand-in for Application Insights' track
API (POST /v2.1/track, answering {"itemsReceived", "itemsAccepted", "errors"});
no Azure service is reachable from the tests.
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

class Ingestion(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        items = json.loads(body)
        received.append({"path": self.path, "items": items})
        reply = json.dumps({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

server = ThreadingHTTPServer(("127.0.0.1", 0), Ingestion)
threading.Thread(target=server.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{server.server_address[1]}/"
connection_string = f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint={endpoint};LiveEndpoint={endpoint}"

from opentelemetry import trace
from opentelemetry._logs import get_logger_provider
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
                  "paths": sorted({batch["path"] for batch in received})}))
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
    assert report["paths"] and all(p.endswith("/v2.1/track") for p in report["paths"])
    by_type = {}
    for item in report["items"]:
        by_type.setdefault(item["data"]["baseType"], []).append(item["data"]["baseData"])
    assert any(r["name"] == "GET /robots.txt" and r["responseCode"] == "200" for r in by_type["RequestData"])
    # The access log line arrives with the same correlation id the visitor saw.
    messages = [m for m in by_type["MessageData"] if m["properties"].get("path") == "/robots.txt"]
    assert messages and messages[0]["properties"]["correlation_id"] == report["correlation_id"]

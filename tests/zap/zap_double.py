"""A protocol double of the ZAP daemon's JSON API: the calls the zaproxy client makes for a baseline
scan, written from ZAP's API documentation and sources (CoreAPI, SpiderAPI, PassiveScanApi,
AlertAPI, API.java, ApiException), not a ZAP engine.

It honours what the client relies on:
- requests arrive through ZAP as a proxy (absolute-form ``GET http://zap/JSON/...``) or directly;
- ``/JSON/<component>/<view|action>/<name>/`` with query parameters; results are JSON objects whose
  single key names the value (``{"version": ...}``, ``{"scan": "0"}``, ``{"status": "100"}``,
  ``{"recordsToScan": "N"}``, ``{"urls": [...]}``, ``{"alerts": [...]}``, ``{"Result": "OK"}``);
- the key in the ``X-ZAP-API-Key`` header or the ``apikey`` parameter; a wrong key answers
  400 ``{"code": "bad_api_key", "message": ...}`` (ZAP with ``api.reportpermerrors``) or, in
  ``silent_bad_key`` mode, an empty response (ZAP's default "fail silently");
- other errors as ZAP's ApiException JSON: 400 ``missing_parameter``/``does_not_exist``/``bad_view``,
  500 ``internal_error`` (e.g. accessUrl to an unreachable target);
- ``alert/view/alerts`` and ``core/view/alerts`` page the way ZAP 2.16's AlertAPI does
  (``PaginationConstraintsChecker``): ``start`` is 1-based, and 0 or 1 both mean the first record, so
  ``start=3&count=2`` answers records 3 and 4; ``baseurl`` is a startsWith filter on the alert URL;
  alert objects carry AlertAPI.alertToSet's fields;
- a session: ``core/action/newSession`` empties the alerts and URLs the daemon holds (from earlier
  scans, of any site); ``spider/action/scan`` then "finds" ``scan_urls`` and raises ``scan_alerts``
  (what the passive scanner would raise while the spider browses the target), at most
  ``setMaxAlertsPerRule`` per rule (0 = no limit) as ZAP's PassiveScanTaskHelper does;
- the tuning calls a baseline makes: ``pscan/action/setMaxAlertsPerRule``,
  ``pscan/action/setScannerAlertThreshold``, ``acsrf/action/addOptionToken``,
  ``acsrf/action/setOptionPartialMatchingEnabled``, ``ruleConfig/action/setRuleConfigValue``
  (recorded in ``settings`` so tests can check them).
Behaviour switches let tests make the passive queue never drain or the daemon vanish mid-scan.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def make_alert(n: int, url: str, plugin_id: str = "10021", risk: str = "Low", name: str = "X-Content-Type-Options Header Missing") -> dict:
    return {
        "id": str(n), "pluginId": plugin_id, "alertRef": plugin_id, "alert": name, "name": name, "nodeName": url,
        "description": "<p>The Anti-MIME-Sniffing header X-Content-Type-Options was not set to 'nosniff'.</p>",
        "risk": risk, "confidence": "Medium", "url": url, "method": "GET", "other": "", "param": "x-content-type-options",
        "attack": "", "evidence": "", "inputVector": "", "reference": "<p>https://owasp.org/www-community/Security_Headers</p>",
        "cweid": "693", "wascid": "15", "sourceid": "3", "solution": "<p>Set X-Content-Type-Options: nosniff.</p>",
        "messageId": str(n), "sourceMessageId": "3", "tags": {},
    }


@dataclass
class ZapDouble:
    api_key: str = "s3cret-key"
    version: str = "2.16.1"
    urls: list[str] = field(default_factory=list)  # what the current session holds already
    alerts: list[dict] = field(default_factory=list)
    scan_urls: list[str] = field(default_factory=list)  # what spidering the target finds and raises
    scan_alerts: list[dict] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    records_to_scan: list[int] = field(default_factory=lambda: [3, 1, 0])  # successive answers; the last repeats
    silent_bad_key: bool = False
    die_after: int | None = None  # stop answering after this many API requests
    calls: list[tuple[str, dict]] = field(default_factory=list)
    keys_seen: list[str] = field(default_factory=list)
    base: str = ""

    def start(self) -> "ZapDouble":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._spider = 0
        self._ajax = 0
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    # --- the API ---------------------------------------------------------------------------------
    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if len(parts) != 4 or parts[0] != "JSON" or parts[2] not in ("view", "action"):
            return 400, {"code": "bad_type", "message": "Bad type"}
        component, kind, name = parts[1], parts[2], parts[3]
        self.calls.append((f"{component}/{kind}/{name}", params))
        handler = getattr(self, f"_{component}_{name}", None)
        if handler is None:
            return 400, {"code": f"bad_{kind}", "message": f"Bad {kind}"}
        return handler(params)

    def _core_version(self, p):
        return 200, {"version": self.version}

    def _core_accessUrl(self, p):
        if "url" not in p:
            return 400, {"code": "missing_parameter", "message": "Missing Parameter (url)"}
        try:
            with urllib.request.urlopen(p["url"], timeout=5) as r:  # nosec B310 - test double
                status = f"HTTP/1.1 {r.status} {r.reason}\r\n"
        except urllib.error.HTTPError as e:
            status = f"HTTP/1.1 {e.code} {e.reason}\r\n"
        except OSError as e:
            return 500, {"code": "internal_error", "message": f"Internal Error ({e})"}
        return 200, {"accessUrl": [{"id": "1", "requestHeader": f"GET {p['url']} HTTP/1.1\r\n", "responseHeader": status}]}

    def _spider_setOptionMaxDuration(self, p):
        return (200, {"Result": "OK"}) if p.get("Integer", "").isdigit() else (400, {"code": "illegal_parameter", "message": "Integer"})

    _spider_setOptionMaxDepth = _spider_setOptionMaxDuration
    _ajaxSpider_setOptionMaxDuration = _spider_setOptionMaxDuration

    def _spider_scan(self, p):
        if not p.get("url"):
            return 400, {"code": "missing_parameter", "message": "Missing Parameter (url)"}
        self.settings["spider_url"] = p["url"]
        self.urls.extend(self.scan_urls)
        limit, raised = int(self.settings.get("maxAlerts", 0)), {}
        for alert in self.scan_alerts:
            raised[alert["pluginId"]] = raised.get(alert["pluginId"], 0) + 1
            if not limit or raised[alert["pluginId"]] <= limit:
                self.alerts.append(alert)
        return 200, {"scan": "0"}

    def _core_newSession(self, p):
        self.urls, self.alerts = [], []
        self._spider = 0
        return 200, {"Result": "OK"}

    def _pscan_setMaxAlertsPerRule(self, p):
        if not p.get("maxAlerts", "").isdigit():
            return 400, {"code": "illegal_parameter", "message": "Illegal Parameter (maxAlerts)"}
        self.settings["maxAlerts"] = p["maxAlerts"]
        return 200, {"Result": "OK"}

    def _pscan_setScannerAlertThreshold(self, p):
        if p.get("alertThreshold") not in ("OFF", "DEFAULT", "LOW", "MEDIUM", "HIGH") or not p.get("id", "").isdigit():
            return 400, {"code": "illegal_parameter", "message": "Illegal Parameter (alertThreshold)"}
        self.settings.setdefault("thresholds", {})[p["id"]] = p["alertThreshold"]  # type: ignore[union-attr]
        return 200, {"Result": "OK"}

    def _acsrf_addOptionToken(self, p):
        self.settings.setdefault("tokens", []).append(p.get("String", ""))  # type: ignore[union-attr]
        return 200, {"Result": "OK"}

    def _acsrf_setOptionPartialMatchingEnabled(self, p):
        self.settings["partialMatching"] = p.get("Boolean")
        return 200, {"Result": "OK"}

    def _ruleConfig_setRuleConfigValue(self, p):
        if not p.get("key"):
            return 400, {"code": "missing_parameter", "message": "Missing Parameter (key)"}
        self.settings[p["key"]] = p.get("value", "")
        return 200, {"Result": "OK"}

    def _spider_status(self, p):
        if p.get("scanId") != "0":
            return 400, {"code": "does_not_exist", "message": "Does Not Exist (scanId)"}
        self._spider = min(100, self._spider + 50)
        return 200, {"status": str(self._spider)}

    def _spider_stop(self, p):
        return 200, {"Result": "OK"}

    def _ajaxSpider_scan(self, p):
        return 200, {"Result": "OK"}

    def _ajaxSpider_status(self, p):
        self._ajax += 1
        return 200, {"status": "running" if self._ajax < 2 else "stopped"}

    def _core_urls(self, p):
        base = p.get("baseurl", "")
        return 200, {"urls": [u for u in self.urls if u.startswith(base)]}

    def _pscan_recordsToScan(self, p):
        value = self.records_to_scan.pop(0) if len(self.records_to_scan) > 1 else self.records_to_scan[0]
        return 200, {"recordsToScan": str(value)}

    def _alert_alerts(self, p):
        base = p.get("baseurl", "")
        matching = [a for a in self.alerts if a["url"].startswith(base)]
        start = int(p.get("start") or 0)
        count = int(p.get("count") or 0)
        first = max(start, 1) - 1  # PaginationConstraintsChecker: the page starts at the start-th record
        return 200, {"alerts": matching[first:first + count] if count > 0 else matching[first:]}

    _core_alerts = _alert_alerts


def _handler(double: ZapDouble):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if double.die_after is not None and len(double.calls) >= double.die_after:
                self.close_connection = True
                self.connection.close()  # the daemon went away: no answer at all
                return
            target = urlsplit(self.path)  # absolute-form through the proxy, or origin-form directly
            params = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
            key = self.headers.get("X-ZAP-API-Key") or params.pop("apikey", None)
            double.keys_seen.append(key or "")
            if key != double.api_key:
                if double.silent_bad_key:
                    self.close_connection = True
                    self.connection.close()
                    return
                status, body = 400, {"code": "bad_api_key", "message": "Bad API Key"}
            else:
                status, body = double.answer(target.path, params)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler

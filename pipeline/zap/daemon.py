"""The ZAP engine: drive a running ZAP daemon with the ``zaproxy`` client the way zap-baseline.py's
legacy path does (zaproxy ``docker/zap-baseline.py``, ``zap_common.py``):

1. check the daemon (``core.version``); a request the daemon drops unanswered on first contact is
   reported as a rejected API key, since that is what ZAP does with a wrong key by default;
2. start a new session (``core.newSession``), so a long-lived daemon does not report an earlier
   scan's alerts, then tune it as ``zap_tune`` does: ``pscan.setMaxAlertsPerRule`` (the cap is
   ZAP's, server side) plus the user's rule settings (thresholds, anti-CSRF tokens, rule configs);
3. reach the target through it (``core.accessUrl``) and spider from the host root, as the baseline
   resets ``-t`` to ``scheme://host:port/``; ``spider_minutes`` 0 means ZAP's unlimited duration
   (our own wait still ends at the stage's time limit);
4. wait for the passive-scan queue (``pscan.recordsToScan``); if it does not drain in time the scan
   is *partial*: the alerts already raised are still fetched and the result says why it is partial;
5. fetch the URLs and alerts under the target's base URL *with* its trailing slash
   (``http://host:80/`` never matches ``http://host:8080/``), paging ``alert.alerts`` with ZAP's
   1-based ``start`` (1, 1+count, ...).

Every failure is an :class:`EngineError` whose message says what went wrong. The API key is sent
only in the ``X-ZAP-API-Key`` header and never appears in a message.
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from zapv2 import ZAPv2

from ..errors import HarnessError
from .engine import ScanSettings
from .engine_result import EngineError, EngineResult, dedupe_and_cap
from .model import Alert, confidence_code, risk_code
from .passive.settings import DEFAULT_CSRF_TOKENS, DEFAULT_SETTINGS, RuleSettings

# zap-baseline.py's ignore_scan_rules: example and statistics rules, never findings.
IGNORED_RULES = frozenset({"-1", "50003", "60000", "60001"})
REQUIRED_ALERT_FIELDS = ("pluginId", "risk", "confidence", "url")


class ZapApiError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class _TimedClient(ZAPv2):  # type: ignore[misc]  # zapv2 ships no type information
    """The zaproxy client with a per-request timeout and ZAP's error objects raised, not unwrapped.

    ZAPv2's wrappers return the first value of the JSON object, so an error object
    ``{"code": "bad_api_key", ...}`` would come back as the string "bad_api_key"; and its requests
    have no timeout, so a daemon that stops answering would hang the stage.
    """

    def __init__(self, api_url: str, api_key: str | None, timeout: float) -> None:
        proxies = {"http": api_url, "https": api_url}
        super().__init__(proxies=proxies, apikey=api_key)
        self._proxies, self._key, self._timeout = proxies, api_key, timeout

    def _request_api(self, url: str, query: dict[str, Any] | None = None, method: str = "GET",
                     body: Any = None) -> requests.Response:
        if not url.startswith(("http://zap/JSON/", "http://zap/OTHER/")):
            raise ValueError(f"not a ZAP API URL: {url}")
        headers = {"X-ZAP-API-Key": self._key} if self._key else {}
        response = requests.request(method, url, params=query, data=body, headers=headers, proxies=self._proxies,
                                    timeout=self._timeout, verify=False)  # noqa: S501  # nosec B501 - ZAP's API over its own proxy port
        if response.status_code >= 400:
            try:
                data = response.json()
            except ValueError:
                data = {}
            if isinstance(data, dict) and data.get("code"):
                raise ZapApiError(str(data["code"]), str(data.get("message", "")))
            raise ZapApiError(f"HTTP {response.status_code}", response.text.strip()[:120])
        return response


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ZapApiError):
        return f"the ZAP API answered with error {exc}"
    if isinstance(exc, requests.Timeout):
        return "the ZAP daemon did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "the ZAP daemon is not reachable (connection failed)"
    if isinstance(exc, ValueError):
        return "the answer is not ZAP's JSON API (invalid JSON)"
    return f"{type(exc).__name__}: {exc}"


class DaemonScan:
    def __init__(self, api_url: str, api_key: str | None, *, request_timeout: float = 30.0, poll_interval: float = 2.0,
                 note: Callable[[str], None] = lambda _m: None) -> None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EngineError(f"ZAP_API_URL {api_url!r} is not an http(s)://host:port URL")
        self.api_url = api_url
        self.client = _TimedClient(api_url, api_key or None, request_timeout)
        self.poll_interval = poll_interval
        self.note = note
        self.answered = False  # has the daemon answered any request yet?

    def call(self, step: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except (ZapApiError, requests.RequestException, ValueError) as exc:
            if isinstance(exc, ZapApiError) and exc.code == "bad_api_key":
                raise EngineError(f"the ZAP daemon at {self.api_url} rejected the API key (bad_api_key) during {step}") from exc
            if not self.answered and isinstance(exc, requests.ConnectionError) and self._port_open():
                # ZAP's default for a wrong or missing key: drop the request without an answer.
                raise EngineError(f"the ZAP daemon at {self.api_url} accepted the connection but dropped {step} without an "
                                  "answer, which is how ZAP rejects a wrong or missing API key by default: check ZAP_API_KEY "
                                  "(with -config api.reportpermerrors=true ZAP says bad_api_key)") from exc
            raise EngineError(f"{step} failed: {_describe(exc)} ({self.api_url})") from exc
        self.answered = True
        return value

    def _port_open(self) -> bool:
        parts = urlsplit(self.api_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=2):
                return True
        except OSError:
            return False

    # --- the baseline sequence ------------------------------------------------------------------
    def version(self) -> str:
        version = self.call("checking the daemon (core.version)", lambda: self.client.core.version)
        if not isinstance(version, str) or not any(ch.isdigit() for ch in version):
            raise EngineError(f"{self.api_url} answered core.version with {str(version)[:40]!r}, not a ZAP version")
        return version

    def new_session(self) -> None:
        self.call("starting a new session (core.newSession)", lambda: self.client.core.new_session(overwrite="true"))

    def tune(self, max_alerts_per_rule: int, settings: RuleSettings) -> None:
        """zap_common.zap_tune plus the ``-config`` rule settings a baseline user passes with ``-z``."""
        self.call("capping alerts per rule (pscan.setMaxAlertsPerRule)",
                  lambda: self.client.pscan.set_max_alerts_per_rule(max(0, max_alerts_per_rule)))
        for plugin_id, level in sorted(settings.thresholds.items()):
            self.call(f"setting rule {plugin_id}'s threshold (pscan.setScannerAlertThreshold)",
                      partial(self.client.pscan.set_scanner_alert_threshold, plugin_id, level))
        for token in settings.csrf_tokens:
            if token not in DEFAULT_CSRF_TOKENS:
                self.call("adding an anti-CSRF token name (acsrf.addOptionToken)",
                          partial(self.client.acsrf.add_option_token, token))
        if not settings.csrf_partial_matching:
            self.call("turning off partial anti-CSRF token matching",
                      lambda: self.client.acsrf.set_option_partial_matching_enabled("false"))
        for key, values in (("rules.csrf.ignorelist", settings.csrf_ignore_list),
                            ("rules.cookie.ignorelist", settings.cookie_ignore_list),
                            ("rules.domains.trusted", settings.trusted_domains)):
            if values:
                self.call(f"setting {key} (ruleConfig.setRuleConfigValue)",
                          partial(self.client.ruleConfig.set_rule_config_value, key, ",".join(values)))

    def access(self, target: str) -> None:
        result = self.call(f"accessing the target {target} through ZAP (core.accessUrl)",
                           lambda: self.client.core.access_url(target, "true"))
        messages = result if isinstance(result, list) else [result]
        headers = [m.get("responseHeader", "") for m in messages if isinstance(m, dict)]
        if not any(h.startswith("HTTP/") for h in headers):
            raise EngineError(f"ZAP could not reach the target {target} (no HTTP response in core.accessUrl)")

    def spider(self, target: str, minutes: float, max_depth: int, wait_limit: float) -> None:
        # ZAP's spider.maxDuration is whole minutes, 0 meaning no limit (zap-baseline.py -m 0).
        whole_minutes = 0 if minutes <= 0 else max(1, math.ceil(minutes))
        self.call("setting the spider's max duration", lambda: self.client.spider.set_option_max_duration(whole_minutes))
        if max_depth:
            self.call("setting the spider's max depth", lambda: self.client.spider.set_option_max_depth(max_depth))
        root = base_url(target)  # the baseline spiders from the host root whatever -t's path
        scan_id = self.call("starting the spider (spider.scan)", lambda: self.client.spider.scan(root))
        if not str(scan_id).isdigit():
            raise EngineError(f"spider.scan answered {str(scan_id)[:40]!r}, not a scan id")
        # The daemon enforces maxDuration; this is our backstop, never beyond the stage's own limit.
        deadline = time.monotonic() + (min(minutes * 60 + 30, wait_limit) if minutes > 0 else wait_limit)
        while True:
            status = self.call("polling the spider (spider.status)", lambda: self.client.spider.status(scan_id))
            if not str(status).isdigit():
                raise EngineError(f"spider.status answered {str(status)[:40]!r}, not a percentage")
            if int(status) >= 100:
                return
            if time.monotonic() > deadline:
                self.call("stopping the spider", lambda: self.client.spider.stop(scan_id))
                self.note("spider stopped at its time limit")
                return
            time.sleep(self.poll_interval)

    def ajax_spider(self, target: str, minutes: float, wait_limit: float) -> None:
        whole_minutes = 0 if minutes <= 0 else max(1, math.ceil(minutes))
        self.call("setting the AJAX spider's max duration", lambda: self.client.ajaxSpider.set_option_max_duration(whole_minutes))
        answer = self.call("starting the AJAX spider", lambda: self.client.ajaxSpider.scan(target))
        if answer != "OK":
            raise EngineError(f"ajaxSpider.scan answered {str(answer)[:40]!r}, not OK")
        deadline = time.monotonic() + (min(minutes * 60 + 30, wait_limit) if minutes > 0 else wait_limit)
        while self.call("polling the AJAX spider", lambda: self.client.ajaxSpider.status) == "running":
            if time.monotonic() > deadline:
                self.call("stopping the AJAX spider", lambda: self.client.ajaxSpider.stop())
                break
            time.sleep(self.poll_interval)

    def urls(self, target: str) -> list[str]:
        root = base_url(target)
        urls = self.call("listing the URLs found (core.urls)", lambda: self.client.core.urls(baseurl=root))
        if not isinstance(urls, list):
            raise EngineError(f"core.urls answered {str(urls)[:40]!r}, not a list")
        return [str(u) for u in urls]

    def wait_for_passive_scan(self, timeout: float) -> str:
        """"" when the queue drained, else why the scan is partial (the caller still fetches the alerts)."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.call("polling the passive scan queue (pscan.recordsToScan)", lambda: self.client.pscan.records_to_scan)
            if not str(left).isdigit():
                raise EngineError(f"pscan.recordsToScan answered {str(left)[:40]!r}, not a number")
            if int(left) == 0:
                return ""
            if time.monotonic() > deadline:
                return (f"the passive scan queue did not drain within {timeout:g}s ({left} records left to scan); "
                        "the alerts raised before that are reported")
            time.sleep(self.poll_interval)

    def alerts(self, target: str, page_size: int) -> list[Alert]:
        root, start = base_url(target), 1  # AlertAPI's start is 1-based
        found: list[Alert] = []
        while True:
            page = self.call(f"fetching alerts {start}..{start + page_size} (alert.alerts)",
                             lambda: self.client.alert.alerts(baseurl=root, start=start, count=page_size))  # noqa: B023  # call() runs the lambda within this iteration
            if not isinstance(page, list):
                raise EngineError(f"alert.alerts answered {str(page)[:40]!r}, not a list of alerts")
            found.extend(to_alert(raw) for raw in page)
            if len(page) < page_size:
                return [a for a in found if a.plugin_id not in IGNORED_RULES]
            start += page_size


def base_url(target: str) -> str:
    """``scheme://host:port/``: with the trailing slash a startsWith filter cannot match a neighbour."""
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def to_alert(raw: Any) -> Alert:
    """One alert of ZAP's API (``AlertAPI.alertToSet``), checked against the documented fields."""
    if not isinstance(raw, dict) or any(k not in raw for k in REQUIRED_ALERT_FIELDS) or not (raw.get("name") or raw.get("alert")):
        raise EngineError(f"alert.alerts returned an alert without {', '.join(REQUIRED_ALERT_FIELDS)} and name: {str(raw)[:80]}")
    try:
        risk, confidence = risk_code(raw["risk"]), confidence_code(raw["confidence"])
    except ValueError as exc:
        raise EngineError(f"alert.alerts returned an alert with {exc}") from exc
    return Alert(
        plugin_id=str(raw["pluginId"]), name=str(raw.get("name") or raw.get("alert")), risk=risk, confidence=confidence,
        url=str(raw["url"]), method=str(raw.get("method") or "GET"), param=str(raw.get("param", "")),
        attack=str(raw.get("attack", "")), evidence=str(raw.get("evidence", "")), other=str(raw.get("other", "")),
        alert_ref=str(raw.get("alertRef", "")), cwe_id=_int(raw.get("cweid")), wasc_id=_int(raw.get("wascid")),
        description=str(raw.get("description", "")), solution=str(raw.get("solution", "")),
        reference=str(raw.get("reference", "")), source_id=str(raw.get("sourceid", "")),
    )


def run(api_url: str, api_key: str | None, target: str, *, spider_minutes: float, max_depth: int, ajax_spider: bool,
        pscan_timeout: float, page_size: int = 5000, max_alerts_per_rule: int = 0, poll_interval: float = 2.0,
        request_timeout: float = 30.0, wait_limit: float = 3600.0, settings: RuleSettings = DEFAULT_SETTINGS,
        note: Callable[[str], None] = lambda _m: None) -> EngineResult:
    scan = DaemonScan(api_url, api_key, request_timeout=request_timeout, poll_interval=poll_interval, note=note)
    started = time.monotonic()
    version = scan.version()
    scan.new_session()
    scan.tune(max_alerts_per_rule, settings)
    note(f"ZAP {version}: accessing {target}")
    scan.access(target)
    note("spidering")
    scan.spider(target, spider_minutes, max_depth, wait_limit)
    if ajax_spider:
        note("AJAX spidering")
        scan.ajax_spider(target, spider_minutes, wait_limit)
    urls = scan.urls(target)
    if not urls:
        raise EngineError(f"the ZAP spider found no URL under {base_url(target)}")
    note(f"{len(urls)} URLs; waiting for the passive scan")
    partial = scan.wait_for_passive_scan(pscan_timeout)
    alerts, _ = dedupe_and_cap(scan.alerts(target, page_size), 0)  # the cap is ZAP's own (setMaxAlertsPerRule)
    return EngineResult(engine="zap", version=version, target=target, alerts=alerts, urls=urls, partial=partial, details={
        "requests": len(urls), "urls_visited": urls, "max_alerts_per_rule": max_alerts_per_rule,
        "scan_s": round(time.monotonic() - started, 3), "api_url": api_url,
    })


class DaemonEngine:
    """The Engine interface over a running ZAP daemon's API (the key is held here, never reported)."""

    name = "zap"

    def __init__(self, api_url: str, api_key: str | None) -> None:
        self.api_url = api_url
        self._api_key = api_key

    def scan(self, target: str, settings: ScanSettings) -> EngineResult:
        return run(self.api_url, self._api_key, target, spider_minutes=settings.spider_minutes, max_depth=settings.max_depth,
                   ajax_spider=settings.ajax_spider, pscan_timeout=min(settings.pscan_timeout, settings.time_limit),
                   page_size=max(1, settings.alerts_page_size), max_alerts_per_rule=settings.max_alerts_per_rule,
                   wait_limit=settings.time_limit, settings=settings.rules, note=settings.note)

"""The ZAP engine driving a protocol double of ZAP 2.16's JSON API through the zaproxy client
(``zap_double.py``: sessions, 1-based alert paging, key handling, the baseline's tuning calls)."""

from __future__ import annotations

import pytest

from pipeline.zap import daemon
from pipeline.zap.engine_result import EngineError

from pipeline.zap.passive.settings import DEFAULT_CSRF_TOKENS, RuleSettings

from .zap_double import ZapDouble, make_alert

KEY = "s3cret-key"


@pytest.fixture
def target(serve):
    return serve({"/": (200, [("Content-Type", "text/html")], b"<html></html>")})


@pytest.fixture
def zap(target):
    double = ZapDouble(api_key=KEY, scan_urls=[target.url("/"), target.url("/a"), "http://other.example/"],
                       scan_alerts=[make_alert(i, target.url(f"/p{i}")) for i in range(5)]
                       + [make_alert(9, "http://other.example/"), make_alert(10, target.url("/s"), plugin_id="50003")]).start()
    yield double
    double.stop()


def run(zap, target, key=KEY, **kw):
    options = {"spider_minutes": 1, "max_depth": 5, "ajax_spider": False, "pscan_timeout": 5, "page_size": 2,
               "poll_interval": 0.01, "request_timeout": 2}
    options.update(kw)
    return daemon.run(zap.base, key, target.url("/"), **options)


def test_baseline_sequence_paging_and_mapping(zap, target):
    result = run(zap, target)
    assert result.engine == "zap" and result.version == "2.16.1"
    assert [a.url for a in result.alerts] == [target.url(f"/p{i}") for i in range(5)]  # other site and 50003 dropped
    first = result.alerts[0]
    assert (first.plugin_id, first.name, first.risk, first.confidence, first.cwe_id, first.wasc_id, first.param) == (
        "10021", "X-Content-Type-Options Header Missing", 1, 2, 693, 15, "x-content-type-options")
    pages = [(p.get("start"), p.get("count")) for n, p in zap.calls if n == "alert/view/alerts"]
    assert pages == [("1", "2"), ("3", "2"), ("5", "2"), ("7", "2")]  # 1-based: 6 alerts under the target, the 4th page empty
    assert len({a.key() for a in result.alerts}) == len(result.alerts)  # no record fetched twice
    names = zap.names()
    assert names.index("core/view/version") < names.index("core/action/newSession") < names.index("pscan/action/setMaxAlertsPerRule")
    assert names.index("pscan/action/setMaxAlertsPerRule") < names.index("core/action/accessUrl") < names.index("spider/action/scan")
    assert names.index("spider/view/status") < names.index("pscan/view/recordsToScan") < names.index("alert/view/alerts")
    assert set(zap.keys_seen) == {KEY}  # the key travels in X-ZAP-API-Key on every call


def test_ajax_spider_runs_when_asked(zap, target):
    run(zap, target, ajax_spider=True)
    assert "ajaxSpider/action/scan" in zap.names() and "ajaxSpider/view/status" in zap.names()


def test_wrong_key_is_an_error_that_does_not_leak_the_key(zap, target):
    with pytest.raises(EngineError, match="rejected the API key") as caught:
        run(zap, target, key="wrong-key-value")
    assert "wrong-key-value" not in str(caught.value) and KEY not in str(caught.value)


def test_silently_rejected_key_is_reported_as_a_key_problem(zap, target):
    zap.silent_bad_key = True  # ZAP's default: no answer at all to a request with a wrong key
    with pytest.raises(EngineError, match="dropped checking the daemon .*without an answer.*API key.*ZAP_API_KEY") as caught:
        run(zap, target, key="wrong-key-value")
    assert "not reachable" not in str(caught.value) and "wrong-key-value" not in str(caught.value)


def test_queue_that_never_drains_keeps_the_alerts_and_says_partial(zap, target):
    zap.records_to_scan = [7]
    result = run(zap, target, pscan_timeout=0.2)
    assert "did not drain within 0.2s (7 records left to scan)" in result.partial
    assert [a.url for a in result.alerts] == [target.url(f"/p{i}") for i in range(5)]


def test_daemon_holding_another_sites_alerts_reports_only_the_targets(zap, target):
    # A long-lived daemon: an earlier scan left alerts of the target and of a neighbour whose URL
    # starts with the target's without its trailing slash (same host, a port that begins with ours).
    neighbour = target.url("/").rstrip("/") + "0/"
    zap.alerts = [make_alert(20, target.url("/old")), make_alert(21, neighbour + "x")]
    zap.urls = [target.url("/old"), neighbour]
    zap.scan_alerts.append(make_alert(22, neighbour + "y"))  # raised while this scan runs, for the neighbour
    zap.scan_urls.append(neighbour + "y")
    result = run(zap, target)
    assert [a.url for a in result.alerts] == [target.url(f"/p{i}") for i in range(5)]
    assert neighbour + "y" not in result.urls and target.url("/old") not in result.urls
    bases = {p.get("baseurl") for n, p in zap.calls if n in ("alert/view/alerts", "core/view/urls")}
    assert bases == {target.url("/")}  # scheme://host:port/ with the slash


def test_baseline_tuning_and_rule_settings_reach_the_daemon(zap, target):
    settings = RuleSettings(thresholds={"10202": "LOW", "10096": "OFF"}, csrf_tokens=DEFAULT_CSRF_TOKENS + ("xsrf",),
                            csrf_partial_matching=False, csrf_ignore_list=("search",), cookie_ignore_list=("_ga", "_gid"),
                            trusted_domains=(r"cdn\.example\.com",))
    run(zap, target, max_alerts_per_rule=2, settings=settings)
    assert zap.settings["maxAlerts"] == "2" and zap.settings["thresholds"] == {"10096": "OFF", "10202": "LOW"}
    assert zap.settings["tokens"] == ["xsrf"] and zap.settings["partialMatching"] == "false"
    assert (zap.settings["rules.csrf.ignorelist"], zap.settings["rules.cookie.ignorelist"], zap.settings["rules.domains.trusted"]) == (
        "search", "_ga,_gid", r"cdn\.example\.com")


def test_alert_cap_is_the_daemons_not_a_client_side_cut(zap, target):
    result = run(zap, target, max_alerts_per_rule=3)
    # The double raises at most 3 per rule, as ZAP would; the client keeps all it is given.
    assert len([a for a in result.alerts if a.plugin_id == "10021"]) == 3


def test_spider_starts_at_the_host_root_and_zero_minutes_is_unlimited(zap, target):
    daemon.run(zap.base, KEY, target.url("/deep/page?x=1"), spider_minutes=0, max_depth=5, ajax_spider=False, pscan_timeout=5,
               page_size=2, poll_interval=0.01, request_timeout=2, wait_limit=30)
    assert zap.settings["spider_url"] == target.url("/")
    durations = [p.get("Integer") for n, p in zap.calls if n == "spider/action/setOptionMaxDuration"]
    assert durations == ["0"]


def test_daemon_that_goes_away_mid_scan(zap, target):
    zap.die_after = 5  # answers version, accessUrl, spider options and scan, then nothing
    with pytest.raises(EngineError, match="spider.*(not reachable|did not answer|not ZAP's JSON)"):
        run(zap, target)


def test_unreachable_daemon(target):
    with pytest.raises(EngineError, match="not reachable"):
        daemon.run("http://127.0.0.1:9", KEY, target.url("/"), spider_minutes=1, max_depth=5, ajax_spider=False,
                   pscan_timeout=1, poll_interval=0.01, request_timeout=2)


def test_unreachable_target_through_zap(zap):
    with pytest.raises(EngineError, match="accessing the target .*internal_error"):
        daemon.run(zap.base, KEY, "http://127.0.0.1:9/", spider_minutes=1, max_depth=5, ajax_spider=False,
                   pscan_timeout=1, poll_interval=0.01, request_timeout=2)


def test_spider_that_found_nothing(zap, target):
    zap.scan_urls = ["http://other.example/"]
    with pytest.raises(EngineError, match="found no URL"):
        run(zap, target)


def test_malformed_alert_is_rejected(zap, target):
    zap.scan_alerts = [{"pluginId": "10021", "url": target.url("/")}]
    with pytest.raises(EngineError, match="without"):
        run(zap, target)

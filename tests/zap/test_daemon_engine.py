"""The ZAP engine driving a protocol double of ZAP's JSON API through the zaproxy client."""

from __future__ import annotations

import pytest

from pipeline.zap import daemon
from pipeline.zap.engine_result import EngineError

from .zap_double import ZapDouble, make_alert

KEY = "s3cret-key"


@pytest.fixture
def target(serve):
    return serve({"/": (200, [("Content-Type", "text/html")], b"<html></html>")})


@pytest.fixture
def zap(target):
    double = ZapDouble(api_key=KEY, urls=[target.url("/"), target.url("/a"), "http://other.example/"],
                       alerts=[make_alert(i, target.url(f"/p{i}")) for i in range(5)]
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
    assert pages == [("0", "2"), ("2", "2"), ("4", "2"), ("6", "2")]  # 6 alerts under the target: the 4th page is empty
    names = zap.names()
    assert names.index("core/view/version") < names.index("core/action/accessUrl") < names.index("spider/action/scan")
    assert names.index("spider/view/status") < names.index("pscan/view/recordsToScan") < names.index("alert/view/alerts")
    assert set(zap.keys_seen) == {KEY}  # the key travels in X-ZAP-API-Key on every call


def test_ajax_spider_runs_when_asked(zap, target):
    run(zap, target, ajax_spider=True)
    assert "ajaxSpider/action/scan" in zap.names() and "ajaxSpider/view/status" in zap.names()


def test_wrong_key_is_an_error_that_does_not_leak_the_key(zap, target):
    with pytest.raises(EngineError, match="rejected the API key") as caught:
        run(zap, target, key="wrong-key-value")
    assert "wrong-key-value" not in str(caught.value) and KEY not in str(caught.value)


def test_silently_rejected_key_is_still_an_error(zap, target):
    zap.silent_bad_key = True
    with pytest.raises(EngineError, match="core.version"):
        run(zap, target, key="wrong-key-value")


def test_queue_that_never_drains_fails_after_the_timeout(zap, target):
    zap.records_to_scan = [7]
    with pytest.raises(EngineError, match=r"did not drain within 0.2s \(7 records left"):
        run(zap, target, pscan_timeout=0.2)


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
    zap.urls = ["http://other.example/"]
    with pytest.raises(EngineError, match="found no URL"):
        run(zap, target)


def test_malformed_alert_is_rejected(zap, target):
    zap.alerts = [{"pluginId": "10021", "url": target.url("/")}]
    with pytest.raises(EngineError, match="without"):
        run(zap, target)

"""The embedded engine (crawler + passive rules) against the deliberately insecure fixture app."""

from __future__ import annotations

import pytest

from pipeline.zap import embedded
from pipeline.zap.crawler import CrawlLimits, crawl
from pipeline.zap.engine_result import EngineError

from . import insecure_app


@pytest.fixture
def insecure():
    server, url = insecure_app.start()
    yield url
    server.shutdown()
    server.server_close()


def test_crawl_follows_links_robots_and_forms_but_stays_on_origin(insecure):
    result = crawl(insecure, CrawlLimits())
    visited = {(e.method, e.url.removeprefix(insecure.rstrip("/"))) for e in result.exchanges}
    assert {("GET", "/"), ("GET", "/login"), ("GET", "/error"), ("GET", "/api/data"), ("GET", "/robots.txt"),
            ("GET", "/hidden/admin"), ("POST", "/login"), ("GET", "/sitemap.xml")} <= visited
    assert not any("elsewhere" in e.url or "evil" in e.url for e in result.exchanges)
    assert result.offsite_links == 2 and result.stopped_by == ""


def test_crawl_limits_pages_and_depth(insecure):
    assert len(crawl(insecure, CrawlLimits(max_pages=2)).exchanges) == 2
    shallow = crawl(insecure, CrawlLimits(max_depth=0))
    assert {e.url for e in shallow.exchanges} == {insecure, insecure + "robots.txt", insecure + "sitemap.xml"}


EXPECTED = [  # plugin id, path, evidence fragment
    ("10010", "/", "Set-Cookie: session"),
    ("10054", "/", "Set-Cookie: session"),
    ("10037", "/", "X-Powered-By: PHP/5.6.40"),
    ("10036", "/", "WSGIServer/0.2"),
    ("10017", "/", "https://cdn.evil.example/tracker.js"),
    ("10027", "/", "TODO"),
    ("10020", "/", ""),
    ("10021", "/", ""),
    ("10038", "/", ""),
    ("10063", "/", ""),
    ("90004", "/", ""),
    ("10202", "/login", '<form method="post" action="/login">'),
    ("10023", "/error", "PHP Warning"),
    ("90022", "/error", "You have an error in your SQL syntax"),
    ("10098", "/api/data", "Access-Control-Allow-Origin: *"),
    ("10096", "/api/data", insecure_app.STAMP),
]


def test_insecure_app_raises_the_expected_alerts_with_url_and_evidence(insecure):
    result = embedded.run(insecure, CrawlLimits(), max_alerts_per_rule=0)
    for plugin_id, path, evidence in EXPECTED:
        hits = [a for a in result.alerts if a.plugin_id == plugin_id and a.url == insecure.rstrip("/") + path]
        assert hits, f"{plugin_id} not raised on {path}; got {sorted({(a.plugin_id, a.url) for a in result.alerts})}"
        assert any(evidence in a.evidence for a in hits), (plugin_id, [a.evidence for a in hits])
    # HTTPS-only rules stay quiet on a plain-HTTP target, as in ZAP.
    assert not {"10011", "10015", "10035", "10040"} & {a.plugin_id for a in result.alerts}


def test_alerts_per_rule_are_capped_like_the_baseline(insecure):
    capped = embedded.run(insecure, CrawlLimits(), max_alerts_per_rule=1)
    counts = {}
    for alert in capped.alerts:
        counts[alert.plugin_id] = counts.get(alert.plugin_id, 0) + 1
    assert max(counts.values()) == 1 and capped.details["alerts_capped"]


def test_unreachable_target_is_an_engine_error():
    with pytest.raises(EngineError, match="cannot reach the target"):
        embedded.run("http://127.0.0.1:9/", CrawlLimits())

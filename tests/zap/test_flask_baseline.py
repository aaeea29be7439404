"""A realistic Flask application with the usual mistakes, served by Werkzeug for real, scanned by the
embedded engine: it must get the alerts a ZAP baseline raises there (each expectation follows the
ZAP rule named beside it; see the rule modules for the ZAP classes)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, request, session
from markupsafe import escape
from werkzeug.serving import make_server

from pipeline.zap import embedded
from pipeline.zap.crawler import CrawlLimits
from pipeline.zap.model import RISK_INFO, RISK_LOW, RISK_MEDIUM

CDN = ('<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css">'
       '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js"></script>')


def make_app() -> Flask:
    app = Flask("mistakes")
    app.secret_key = "test-only-not-a-secret"  # pragma: allowlist secret - a test app's signing key

    @app.get("/")
    def home():
        session["visits"] = session.get("visits", 0) + 1
        return (f"<html><head><title>Shop</title>{CDN}</head><body>"
                '<a href="/login">Log in</a> <a href="/search?q=kittens">Search kittens</a>'
                "<script>var config = eval('(' + document.body.dataset.config + ')');</script></body></html>")

    @app.route("/login", methods=["GET", "POST"])
    def login():
        return ('<html><body><form method="post" action="/login"><input name="username">'
                '<input type="password" name="password"><input type="submit" value="Log in"></form></body></html>')

    @app.get("/search")
    def search():
        term = escape(request.args.get("q", ""))
        return (f'<html><body><form action="/search"><input name="q" value="{term}"></form>'
                f"<p>Results for {term}</p></body></html>")

    return app


@pytest.fixture(scope="module")
def scan():
    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield embedded.run(f"http://127.0.0.1:{server.server_port}/", CrawlLimits(max_pages=50), max_alerts_per_rule=0)
    finally:
        server.shutdown()


def by_rule(result, plugin_id):
    return [a for a in result.alerts if a.plugin_id == plugin_id]


def test_cdn_assets_without_integrity(scan):  # SubResourceIntegrityAttributeScanRule, CrossDomainScriptInclusionScanRule
    sri = {a.evidence for a in by_rule(scan, "90003")}
    assert sri == {'<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css">',
                   '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js"></script>'}
    assert all(a.risk == RISK_MEDIUM for a in by_rule(scan, "90003"))
    [script] = by_rule(scan, "10017")
    assert script.risk == RISK_LOW and script.param == "https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js"


def test_login_form_without_token(scan):  # CsrfCountermeasuresScanRule: only the POST form, not the GET search
    alerts = by_rule(scan, "10202")
    assert {a.evidence for a in alerts} == {'<form method="post" action="/login">'} and alerts[0].risk == RISK_MEDIUM


def test_eval_in_a_script(scan):  # JsFunctionScanRule
    [alert] = [a for a in by_rule(scan, "10110") if a.url.endswith("/")]
    assert alert.evidence == "eval(" and alert.risk == RISK_LOW


def test_reflected_parameter_in_an_attribute(scan):  # UserControlledHTMLAttributesScanRule
    alerts = [a for a in by_rule(scan, "10031") if "/search?q=kittens" in a.url]
    assert [a.param for a in alerts] == ["q"] and "a(n) [input] tag [value] attribute" in alerts[0].other


def test_every_response_is_cacheable(scan):  # CacheableScanRule: Flask sets no Cache-Control
    cacheable = {a.url.removeprefix(scan.target) for a in by_rule(scan, "10049") if a.name == "Storable and Cacheable Content"}
    assert {"", "login", "search?q=kittens"} <= cacheable
    assert all(a.risk == RISK_INFO and a.alert_ref == "10049-3" for a in by_rule(scan, "10049") if a.name.startswith("Storable and"))


def test_the_usual_header_and_cookie_alerts(scan):
    ids = {a.plugin_id for a in scan.alerts}
    # CSP missing, anti-clickjacking, nosniff, Werkzeug's Server header, the session cookie's SameSite,
    # Permissions-Policy and site isolation: what a baseline reports on a default Flask app over HTTP.
    assert {"10038", "10020", "10021", "10036", "10054", "10063", "90004"} <= ids
    assert not {"10035", "10011", "10015"} & ids  # HTTPS-only rules stay quiet over plain HTTP

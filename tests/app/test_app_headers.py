"""Hardened headers on every kind of response, generic error pages with a
correlation id that is also in the log, and the database-down behaviour."""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from pathlib import Path

import psycopg

import pytest
from flask import Flask

from app import create_app
from app.config import DatabaseSettings
from app.devserver import embedded_postgres
from app.migrate import provision_runtime_login
from app.logging_setup import JsonFormatter

CSP_REQUIRED = {
    "default-src": "'none'", "script-src": "'none'", "style-src": "'self'", "img-src": "'self'",
    "object-src": "'none'", "form-action": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'",
}
LEAK_MARKERS = ("Traceback", "File \"", "psycopg", "Exception", "Error:", "werkzeug", "jinja2", "line ")


def assert_hardened(response, *, static: bool = False, https: bool = True) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    for name, value in CSP_REQUIRED.items():
        assert directives[name] == value, name
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    if https:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Feature-Policy" not in headers
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers
    assert "X-Powered-By" not in headers
    assert "Server" not in headers
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Correlation-ID"])
    if not static:
        assert "no-store" in headers["Cache-Control"]
    # Nothing that looks like a Unix timestamp (ZAP rule 10096) in any header.
    assert not [v for k, v in headers.items() if k != "X-Correlation-ID" and re.search(r"\b1\d{9}\b", v)]
    for cookie in headers.getlist("Set-Cookie"):
        assert_cookie_hardened(cookie)


def assert_cookie_hardened(cookie: str) -> None:
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("__Host-")
    assert "secure" in attributes and "httponly" in attributes
    assert "samesite=strict" in attributes and "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)


def assert_generic_error(response, status: int) -> str:
    assert response.status_code == status
    body = response.get_data(as_text=True)
    for marker in LEAK_MARKERS:
        assert marker not in body, marker
    correlation_id = response.headers["X-Correlation-ID"]
    assert correlation_id in body
    return correlation_id


@pytest.fixture(name="failing_app", scope="module")
def fixture_failing_app(pg, database, site) -> Flask:
    """The real app plus one route that raises, to exercise the 500 path."""
    app = create_app(site.make_config(pg.app_settings()), database=database)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail: do not show")

    return app


def _post_success(client, site):
    return site.post_suggestion(client, site.csrf_token(client), title=f"Headers {secrets.token_hex(3)}",
                                url="https://owasp.org/", topic="waf-owasp")


KINDS = {
    "200 page": lambda c, s: c.get("/", base_url=s.base_url),
    "200 form with cookie": lambda c, s: c.get("/suggest", base_url=s.base_url),
    "200 json": lambda c, s: c.get("/readyz", base_url=s.base_url),
    "303 redirect": _post_success,
    "400 csrf": lambda c, s: c.post("/suggest", base_url=s.base_url, data={"title": "x"}),
    "400 validation": lambda c, s: s.post_suggestion(c, s.csrf_token(c), title="", url="", topic=""),
    "404": lambda c, s: c.get("/no/such/page", base_url=s.base_url),
    "405": lambda c, s: c.delete("/", base_url=s.base_url),
    "413": lambda c, s: c.post("/suggest", base_url=s.base_url, data={"title": "x" * 20000}),
    "500": lambda c, s: c.get("/boom", base_url=s.base_url),
    "static css": lambda c, s: c.get("/static/style.css", base_url=s.base_url),
    "robots": lambda c, s: c.get("/robots.txt", base_url=s.base_url),
    "sitemap": lambda c, s: c.get("/sitemap.xml", base_url=s.base_url),
    "head": lambda c, s: c.head("/", base_url=s.base_url),
    "options": lambda c, s: c.options("/", base_url=s.base_url),
}
EXPECTED_STATUS = {"200 page": 200, "200 form with cookie": 200, "200 json": 200, "303 redirect": 303,
                   "400 csrf": 400, "400 validation": 400, "404": 404, "405": 405,
                   "413": 413, "500": 500, "static css": 200, "robots": 200, "sitemap": 200, "head": 200,
                   "options": 200}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_response_is_hardened(failing_app, site, kind):
    client = failing_app.test_client()
    response = KINDS[kind](client, site)
    assert response.status_code == EXPECTED_STATUS[kind]
    assert_hardened(response, static=kind == "static css")
    if response.status_code >= 400 and kind != "400 validation":  # that one re-renders the form
        assert_generic_error(response, response.status_code)


def test_form_sets_a_hardened_session_cookie(client, site):
    response = client.get("/suggest", base_url=site.base_url)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "the form should set the session cookie that holds the CSRF secret"
    for cookie in cookies:
        assert_cookie_hardened(cookie)


def test_plain_http_gets_everything_but_hsts(client):
    """HSTS is only meaningful (and only sent) over HTTPS: behind the gateway
    the app sees HTTPS through X-Forwarded-Proto with PROXY_HOPS set."""
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
    assert_hardened(response, https=False)


def test_405_lists_allowed_methods(client, site):
    response = client.put("/suggest", base_url=site.base_url)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_500_hides_the_exception_and_logs_it_with_the_correlation_id(failing_app, site, caplog):
    caplog.set_level(logging.ERROR, logger="app.errors")
    response = failing_app.test_client().get("/boom", base_url=site.base_url)
    correlation_id = assert_generic_error(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    records = [r for r in caplog.records if getattr(r, "correlation_id", None) == correlation_id]
    assert records, "the correlation id shown to the visitor must be in the log"
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["correlation_id"] == correlation_id
    assert "secret internal detail" in line["exception"]  # the detail is in the log only


def _unreachable_settings(tmp_path: Path) -> DatabaseSettings:
    # A socket directory with no server in it: connection refused at once.
    return DatabaseSettings(host=str(tmp_path), port=5432, dbname="securesample", user="nobody",
                            password=secrets.token_urlsafe(8), sslmode="disable", connect_timeout=1)


def test_database_down_gives_503_on_readyz_and_a_friendly_page_elsewhere(tmp_path, site):
    app = create_app(site.make_config(_unreachable_settings(tmp_path), pool_timeout=0.5))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the database
    ready = client.get("/readyz", base_url=site.base_url)
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable"
    assert_hardened(ready)
    for path in ("/", "/suggest", "/suggestions"):
        page = client.get(path, base_url=site.base_url)
        assert_generic_error(page, 503)
        assert_hardened(page)
        assert "temporarily unavailable" in page.get_data(as_text=True)


def test_database_stopping_under_a_running_app_gives_503(tmp_path, site):
    datadir = tmp_path / "pg-stop"
    with embedded_postgres(datadir) as db:
        app = create_app(site.make_config(db.app_settings(), pool_timeout=1.0))
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        assert client.get("/", base_url=site.base_url).status_code == 200
    # Leaving the context stopped the server.
    assert client.get("/readyz").status_code == 503
    assert_generic_error(client.get("/", base_url=site.base_url), 503)


def test_hsts_on_https_behind_the_gateway(pg, database, site):
    """The README's promise: HSTS on every HTTPS response. Behind the gateway
    the app learns the scheme from X-Forwarded-Proto (PROXY_HOPS=1)."""
    app = create_app(site.make_config(pg.app_settings(), proxy_hops=1), database=database)
    client = app.test_client()
    for path in ("/", "/healthz", "/no/such/page", "/static/style.css"):
        response = client.get(path, base_url="http://localhost", headers={"X-Forwarded-Proto": "https"})
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
        plain = client.get(path, base_url="http://localhost", headers={"X-Forwarded-Proto": "http"})
        assert "Strict-Transport-Security" not in plain.headers, path


def test_no_acknowledged_suggestion_is_lost_through_a_database_restart(tmp_path, site):
    """The app keeps running while PostgreSQL stops and starts again: every
    suggestion answered with 303 before, during or after is stored; while the
    database is down the answer is a 503, never a false acknowledgement."""
    datadir = tmp_path / "pg-restart"
    acknowledged: list[str] = []

    def post_all(client, count: int) -> list[int]:
        statuses = []
        for _ in range(count):
            title = f"Restart {secrets.token_hex(4)}"
            response = site.post_suggestion(client, token, title=title, url="https://owasp.org/", topic="waf-owasp")
            statuses.append(response.status_code)
            if response.status_code == 303:
                acknowledged.append(title)
        return statuses

    with embedded_postgres(datadir) as db:
        login, password = db.app_user, db.app_password
        app = create_app(site.make_config(db.app_settings(), pool_timeout=1.0))
        client = app.test_client()
        token = site.csrf_token(client)
        assert post_all(client, 5) == [303] * 5
    # Down: the form page and the post are 503s, with nothing acknowledged.
    assert set(post_all(client, 3)) == {503}
    with embedded_postgres(datadir) as db:
        # The embedded server issues fresh passwords on start; give the running
        # app's login its old one back, as a real server would keep it.
        provision_runtime_login(db.owner_settings().conninfo("tests"), login, password)
        assert wait_until_ready(client)
        assert post_all(client, 5) == [303] * 5
        with psycopg.connect(db.owner_settings().conninfo("tests"), autocommit=True) as conn:
            stored = {row[0] for row in conn.execute("SELECT title FROM catalog.suggestions WHERE title LIKE 'Restart %'")}
    assert len(acknowledged) == 10
    assert stored == set(acknowledged)


def wait_until_ready(client, deadline: float = 60.0) -> bool:
    """The pool drops dead connections and reconnects; poll /readyz until it has."""
    give_up = time.monotonic() + deadline
    while client.get("/readyz").status_code != 200:
        if time.monotonic() > give_up:
            return False
        time.sleep(0.2)
    return True

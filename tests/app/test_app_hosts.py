"""The Host header: only configured names are answered (TRUSTED_HOSTS), and a
malformed, overlong or foreign Host is a generic 400 with a correlation id and
no traceback, on every route, instead of a 500 from the error page itself."""
from __future__ import annotations

import logging

import pytest

from app import create_app

ROUTES = ["/", "/suggest", "/suggestions", "/healthz", "/readyz", "/robots.txt", "/sitemap.xml",
          "/static/style.css", "/no/such/page"]
BAD_HOSTS = {
    "overlong": "a" * 300,
    "overlong label": "a" * 64 + ".example",
    "space": "exa mple.com",
    "unclosed ipv6": "[::1",
    "bad port": "localhost:notaport",
    "nul byte": "localhost\x00",
    "foreign": "evil.example",
    "foreign with port": "evil.example:443",
    "suffix trick": "localhost.evil.example",
}


@pytest.fixture(name="public_app", scope="module")
def fixture_public_app(pg, database, site):
    """The app as deployed under its public name behind one gateway hop."""
    return create_app(site.make_config(pg.app_settings(), trusted_hosts=("sample.example.org",), proxy_hops=1),
                      database=database)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("host", list(BAD_HOSTS.values()), ids=list(BAD_HOSTS))
def test_bad_host_is_a_400_with_a_correlation_id_and_no_traceback(app, route, host, caplog):
    caplog.set_level(logging.INFO)
    response = app.test_client().get(route, headers={"Host": host})
    assert response.status_code == 400
    correlation_id = response.headers["X-Correlation-ID"]
    body = response.get_data(as_text=True)
    if route in ("/healthz", "/readyz"):
        assert response.get_json() == {"status": "error", "correlation_id": correlation_id}
    else:
        assert correlation_id in body and "could not be understood" in body
    assert "Content-Security-Policy" in response.headers
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"
    rejected = [r for r in caplog.records if getattr(r, "event", None) in ("host_rejected", "http_error")]
    assert len(rejected) == 1 and rejected[0].correlation_id == correlation_id


def test_foreign_host_cannot_steer_robots_sitemap_or_redirects(public_app):
    client = public_app.test_client()
    for path in ("/robots.txt", "/sitemap.xml"):
        response = client.get(path, base_url="https://evil.example")
        assert response.status_code == 400
        assert "evil.example" not in response.get_data(as_text=True)
        # The gateway's X-Forwarded-Host is checked the same way.
        forwarded = client.get(path, base_url="https://sample.example.org",
                               headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
        assert forwarded.status_code == 400
    # No redirect is ever built for a foreign host.
    response = client.post("/suggest", base_url="https://evil.example", data={"title": "x"})
    assert response.status_code == 400 and "Location" not in response.headers


def test_configured_host_gets_its_own_absolute_urls(public_app):
    client = public_app.test_client()
    robots = client.get("/robots.txt", base_url="https://sample.example.org")
    assert robots.status_code == 200
    assert "Sitemap: https://sample.example.org/sitemap.xml" in robots.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml", base_url="http://10.0.0.4:8000",
                         headers={"X-Forwarded-Host": "sample.example.org", "X-Forwarded-Proto": "https"})
    assert sitemap.status_code == 200
    assert "<loc>https://sample.example.org/</loc>" in sitemap.get_data(as_text=True)

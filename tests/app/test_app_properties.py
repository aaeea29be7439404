"""Property-based tests over the routes and the form: whatever arrives, the
answer is never a 5xx, never a stack trace or exception text, and always
carries the hardened headers."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

LEAKS = re.compile(r"Traceback|File \"|psycopg|Exception|Error:|werkzeug|jinja2|sqlstate|\bline \d+", re.I)
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
ROUTES = ["/", "/suggest", "/suggestions", "/healthz", "/readyz", "/robots.txt", "/sitemap.xml",
          "/static/style.css", "/static/../app.py", "/static/%2e%2e/config.py"]
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])

# Text with anything a browser or an attacker can send (no lone surrogates,
# which cannot be encoded at all), plus payloads that have broken apps before.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
payloads = st.sampled_from([
    "'; DROP TABLE catalog.suggestions; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x/a}",
    "\x00", "%00", "../../etc/passwd", "A" * 5000, "\u202e", "javascript:alert(1)", "https://\u00e4.example/",
    "https://[::1]:99999/", "http://example.com:-1/", "https://xn--/", "ht\ttp://x", "https://" + "a" * 300,
])
field_text = st.one_of(any_text, payloads)
# Inputs that pass validation, so the "stored exactly as sent" branch runs too.
valid_titles = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                       min_size=3, max_size=120).filter(lambda t: len(t.strip()) >= 3)
valid_urls = st.from_regex(r"\Ahttps?://[a-z0-9]{1,20}(\.[a-z]{2,6}){1,2}(/[!-~]{0,60})?\Z")
STORED = {"count": 0, "ran": False}


def assert_safe(response) -> None:
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    assert not LEAKS.search(body), LEAKS.search(body)
    assert "Content-Security-Policy" in response.headers
    assert "X-Correlation-ID" in response.headers
    assert "Server" not in response.headers


@PROPERTY_SETTINGS
@given(method=st.sampled_from(METHODS),
       path=st.one_of(st.sampled_from(ROUTES), any_text.map(lambda t: "/" + quote(t, safe="/=&"))),
       query=st.dictionaries(st.text(max_size=20), field_text, max_size=3))
def test_any_request_to_any_route_is_answered_safely(app, site, method, path, query):
    response = app.test_client().open(path, method=method, query_string=query, base_url=site.base_url)
    assert_safe(response)


@PROPERTY_SETTINGS
@given(title=st.one_of(valid_titles, field_text), url=st.one_of(valid_urls, field_text),
       topic=st.one_of(st.sampled_from(["waf-owasp", "encryption"]), field_text),
       extra=st.dictionaries(st.text(min_size=1, max_size=10), field_text, max_size=2))
# One valid input always runs, so the guard below never depends on how many the generator made valid.
@example(title="A valid property title", url="https://owasp.org/www-project-top-ten/", topic="waf-owasp", extra={})
def test_any_form_input_is_stored_as_sent_or_rejected_cleanly(app, site, owner_conn, title, url, topic, extra):
    STORED["ran"] = True
    client = app.test_client()
    data = {**extra, "title": title, "url": url, "topic": topic, "csrf_token": site.csrf_token(client)}
    response = client.post("/suggest", data=data, base_url=site.base_url,
                           headers={"Referer": f"{site.base_url}/suggest"})
    assert_safe(response)
    assert response.status_code in (303, 400, 413)
    if response.status_code == 303:
        STORED["count"] += 1
        # Titles are stored stripped and in composed form (NFC).
        row = owner_conn.execute(
            "SELECT url, topic_slug FROM catalog.suggestions WHERE title = %s ORDER BY id DESC LIMIT 1",
            (unicodedata.normalize("NFC", title.strip()),)).fetchone()
        assert row == (url.strip(), topic)


@pytest.fixture(scope="module", autouse=True)
def _the_form_property_stores_valid_input():
    """Guards the form property against only ever generating rejects: checked after the module's tests
    (in whatever order a parallel run gives them), whenever the property ran."""
    yield
    if STORED["ran"]:
        assert STORED["count"] > 0, "the form property generated no valid input"


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=3000),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                                     "multipart/form-data; boundary=x", "application/json", "text/plain",
                                     "application/x-www-form-urlencoded; charset=utf-16", ""]))
def test_any_raw_body_is_answered_safely(app, site, body, content_type):
    for path in ("/suggest", "/"):
        response = app.test_client().post(path, data=body, content_type=content_type, base_url=site.base_url)
        assert_safe(response)


@pytest.mark.parametrize("size", [16 * 1024 + 1, 1024 * 1024])
def test_oversized_requests_are_refused_with_413(client, site, size):
    response = client.post("/suggest", data={"title": "x" * size}, base_url=site.base_url)
    assert response.status_code == 413
    assert_safe(response)


# Host headers as an attacker sends them: any text, long labels, ports, IPv6.
host_headers = st.one_of(
    any_text.filter(lambda t: "\r" not in t and "\n" not in t),
    st.from_regex(r"\A[a-z0-9.\-\[\]:]{0,300}\Z"),
    st.sampled_from(["localhost", "localhost:8000", "127.0.0.1", "[::1]:443", "evil.example", "a" * 300]),
)


@PROPERTY_SETTINGS
@given(method=st.sampled_from(METHODS), path=st.sampled_from(ROUTES), host=host_headers)
def test_any_host_header_is_answered_safely(app, method, path, host):
    response = app.test_client().open(path, method=method, headers={"Host": host})
    assert_safe(response)
    if host in ("evil.example", "a" * 300):  # certainly not a configured name
        assert response.status_code == 400

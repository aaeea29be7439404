"""Pages, the suggestion form, CSRF, and SQL injection against the real database."""
from __future__ import annotations

import re
import secrets

import pytest
from markupsafe import escape

EXPECTED_TOPICS = [
    "Secrets and Azure Key Vault", "Managed identities", "App Service hardening",
    "Web Application Firewall and the OWASP Top 10", "Encryption at rest and in transit",
    "Threat modeling", "Least privilege", "Dependency scanning",
]


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def test_home_lists_resources_grouped_by_topic_from_the_database(client, owner_conn, site):
    page = client.get("/", base_url=site.base_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert headings == EXPECTED_TOPICS
    links = re.findall(r'<a href="(https://[^"]+)" rel="noopener noreferrer">', text)
    (count,) = owner_conn.execute("SELECT count(*) FROM catalog.resources").fetchone()
    assert len(links) == count >= 16
    assert all(re.match(r"https://(learn\.microsoft\.com|owasp\.org|cheatsheetseries\.owasp\.org)/", u)
               for u in links)
    # The page really comes from the database: a new row shows up.
    owner_conn.execute(
        "INSERT INTO catalog.resources (topic_slug, title, url, description) VALUES (%s, %s, %s, %s)",
        ("threat-modeling", "Freshly added row", f"https://owasp.org/{secrets.token_hex(4)}", "test"),
    )
    try:
        assert "Freshly added row" in client.get("/", base_url=site.base_url).get_data(as_text=True)
    finally:
        owner_conn.execute("DELETE FROM catalog.resources WHERE title = 'Freshly added row'")


def test_form_has_csrf_token_and_known_topics(client, site):
    text = client.get("/suggest", base_url=site.base_url).get_data(as_text=True)
    assert 'name="csrf_token" type="hidden"' in text
    options = re.findall(r'<option value="([^"]+)">', text)
    assert options == ["key-vault", "managed-identities", "app-service", "waf-owasp", "encryption",
                       "threat-modeling", "least-privilege", "dependency-scanning"]


def test_valid_suggestion_is_stored_and_listed(client, owner_conn, site):
    title = unique("Azure Policy built-in definitions")
    response = site.post_suggestion(client, site.csrf_token(client), title=f"  {title}  ",
                                    url="https://learn.microsoft.com/azure/governance/policy/",
                                    topic="least-privilege")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/suggestions")
    row = owner_conn.execute(
        "SELECT s.url, s.topic_slug, s.status, a.correlation_id FROM catalog.suggestions s"
        " JOIN catalog.suggestion_audit a ON a.suggestion_id = s.id WHERE s.title = %s", (title,)
    ).fetchone()
    assert row[:3] == ("https://learn.microsoft.com/azure/governance/policy/", "least-privilege", "pending")
    assert row[3] == response.headers["X-Correlation-ID"]
    listing = client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)
    assert "your suggestion is waiting for review" in listing
    assert str(escape(title)) not in listing  # not public until reviewed
    site.accept(owner_conn, title)
    assert str(escape(title)) in client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "javascript:alert(1)"),
        ("url", "ftp://example.com/file"),
        ("url", "data:text/html,hi"),
        ("url", "file:///etc/passwd"),
        ("url", "https://"),
        # Credentials in the link (made at run time; the id stays fixed so parallel workers agree on it).
        pytest.param("url", f"https://someone:{secrets.token_hex(4)}@example.com/", id="url-credentials-in-link"),
        ("url", "https://exa mple.com/"),
        ("url", "https://example.com/" + "a" * 2100),
        ("url", "//example.com/no-scheme"),
        ("url", "https://bad_host!.com/"),
        ("title", ""),
        ("title", "ab"),
        ("title", "x" * 121),
        ("title", "tab\tinside"),
        ("topic", "not-a-topic"),
        ("topic", ""),
    ],
)
def test_invalid_input_is_rejected_and_nothing_stored(client, owner_conn, site, field, value):
    fields = {"title": unique("Valid title"), "url": "https://owasp.org/www-project-top-ten/",
              "topic": "waf-owasp"}
    fields[field] = value
    before = site.count_suggestions(owner_conn)
    response = site.post_suggestion(client, site.csrf_token(client), **fields)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert site.count_suggestions(owner_conn) == before


def test_post_without_csrf_token_is_rejected(client, owner_conn, site):
    title = unique("No token")
    client.get("/suggest", base_url=site.base_url)  # has a session, just no token in the post
    response = site.post_suggestion(client, None, title=title, url="https://owasp.org/", topic="waf-owasp")
    assert response.status_code == 400
    assert site.count_suggestions(owner_conn, title) == 0


def test_post_with_forged_csrf_token_is_rejected(client, owner_conn, site):
    title = unique("Forged token")
    site.csrf_token(client)
    response = site.post_suggestion(client, "forged-" + secrets.token_hex(16), title=title,
                                    url="https://owasp.org/", topic="waf-owasp")
    assert response.status_code == 400
    assert site.count_suggestions(owner_conn, title) == 0


def test_token_from_another_session_is_rejected(app, owner_conn, site):
    token = site.csrf_token(app.test_client())
    title = unique("Other session")
    response = site.post_suggestion(app.test_client(), token, title=title, url="https://owasp.org/",
                                    topic="waf-owasp")
    assert response.status_code == 400
    assert site.count_suggestions(owner_conn, title) == 0


def test_cross_site_referer_is_rejected(client, owner_conn, site):
    title = unique("Cross site")
    response = client.post("/suggest", base_url=site.base_url,
                           data={"csrf_token": site.csrf_token(client), "title": title,
                                 "url": "https://owasp.org/", "topic": "waf-owasp"},
                           headers={"Referer": "https://attacker.example/"})
    assert response.status_code == 400
    assert site.count_suggestions(owner_conn, title) == 0


SQL_PAYLOADS = [
    "'; DROP TABLE catalog.suggestions; --",
    "Robert'); DELETE FROM catalog.resources; --",
    "x' OR '1'='1",
    "$$; SELECT pg_sleep(5); $$",
    "1; UPDATE catalog.topics SET name = 'owned'",
    "\\'; TRUNCATE catalog.resources CASCADE; --",
]


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_injection_payload_is_stored_literally_and_harmlessly(client, owner_conn, site, payload):
    title = f"{payload} {secrets.token_hex(3)}"
    url = "https://owasp.org/?q=" + "%27%3B%20DROP%20TABLE%20x"
    resources_before = owner_conn.execute("SELECT count(*) FROM catalog.resources").fetchone()[0]
    response = site.post_suggestion(client, site.csrf_token(client), title=title, url=url, topic="waf-owasp")
    assert response.status_code == 303
    assert site.count_suggestions(owner_conn, title) == 1  # stored byte for byte
    assert owner_conn.execute("SELECT count(*) FROM catalog.resources").fetchone()[0] == resources_before
    names = [r[0] for r in owner_conn.execute("SELECT name FROM catalog.topics ORDER BY position")]
    assert "owned" not in names
    site.accept(owner_conn, title)
    listing = client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)
    assert str(escape(title)) in listing


def test_markup_in_a_suggestion_is_escaped(client, owner_conn, site):
    title = f"<script>alert('x')</script> {secrets.token_hex(3)}"
    response = site.post_suggestion(client, site.csrf_token(client), title=title,
                                    url="https://owasp.org/www-community/attacks/xss/", topic="waf-owasp")
    assert response.status_code == 303
    site.accept(owner_conn, title)
    listing = client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)
    assert "<script>" not in listing
    assert "&lt;script&gt;" in listing


def test_probes(client):
    assert client.get("/healthz").get_json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready"}


def test_robots_and_sitemap(client, site):
    robots = client.get("/robots.txt", base_url=site.base_url)
    assert robots.status_code == 200
    assert robots.mimetype == "text/plain"
    assert "Sitemap: https://localhost/sitemap.xml" in robots.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml", base_url=site.base_url)
    assert sitemap.status_code == 200
    assert "<loc>https://localhost/</loc>" in sitemap.get_data(as_text=True)

"""Abuse of the suggestion form: file parts, invisible and direction-changing
text, flooding, and unreviewed entries shown to everyone."""
from __future__ import annotations

import io
import secrets
import threading
import unicodedata

import psycopg
import pytest
from markupsafe import escape

from app import create_app, repository
from app.db import Database
from app.repository import NewSuggestion

HIDDEN = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "first-strong isolate": "\u2068",
    "arabic letter mark": "\u061c",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "hangul filler": "\u3164",
    "private use": "\ue000",
    "unassigned": "\U000e0080",
}


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def fresh_address() -> str:
    """A client address no other test uses (documentation prefix, own /64)."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"


@pytest.mark.parametrize("field", ["title", "url", "topic"])
def test_a_file_part_posted_as_a_form_field_is_a_400(client, owner_conn, site, field):
    fields = {"title": unique("File part"), "url": "https://owasp.org/", "topic": "waf-owasp",
              "csrf_token": site.csrf_token(client)}
    data: dict[str, object] = dict(fields)
    data[field] = (io.BytesIO(b"not a text field"), "payload.txt")
    before = site.count_suggestions(owner_conn)
    response = client.post("/suggest", data=data, content_type="multipart/form-data", base_url=site.base_url,
                           headers={"Referer": f"{site.base_url}/suggest"})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert site.count_suggestions(owner_conn) == before


@pytest.mark.parametrize("where", ["title", "url"])
@pytest.mark.parametrize("char", list(HIDDEN.values()), ids=list(HIDDEN))
def test_invisible_and_direction_changing_characters_are_refused(client, owner_conn, site, where, char):
    fields = {"title": unique("Visible title"), "url": "https://owasp.org/www-project-top-ten/",
              "topic": "waf-owasp"}
    fields[where] = fields[where][:8] + char + fields[where][8:]
    before = site.count_suggestions(owner_conn)
    response = site.post_suggestion(client, site.csrf_token(client), **fields)
    assert response.status_code == 400
    assert "invisible" in response.get_data(as_text=True)
    assert site.count_suggestions(owner_conn) == before


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\ufeff"])
def test_the_database_refuses_hidden_characters_too(database, owner_conn, char):
    """Defence in depth: a caller that skips the form hits the constraint."""
    before = owner_conn.execute("SELECT count(*) FROM catalog.suggestions").fetchone()[0]
    with pytest.raises(psycopg.errors.CheckViolation):
        repository.submit_suggestion(database, NewSuggestion(f"evil{char}gnp.exe", "https://owasp.org/", "waf-owasp"),
                                     secrets.token_hex(16))
    assert owner_conn.execute("SELECT count(*) FROM catalog.suggestions").fetchone()[0] == before


def test_titles_are_stored_in_composed_form(client, owner_conn, site):
    decomposed = unique("Cafe\u0301 security")  # e + combining acute accent
    response = site.post_suggestion(client, site.csrf_token(client), title=decomposed,
                                    url="https://owasp.org/", topic="waf-owasp")
    assert response.status_code == 303
    composed = unicodedata.normalize("NFC", decomposed)
    assert composed != decomposed
    assert site.count_suggestions(owner_conn, composed) == 1
    assert site.count_suggestions(owner_conn, decomposed) == 0


# --- review before publication ---------------------------------------------

def _stored_id(owner_conn, title: str) -> int:
    return owner_conn.execute("SELECT id FROM catalog.suggestions WHERE title = %s", (title,)).fetchone()[0]


def test_pending_suggestions_are_not_shown_until_accepted(client, owner_conn, site):
    accepted, rejected = unique("To be accepted"), unique("To be rejected")
    for title in (accepted, rejected):
        response = site.post_suggestion(client, site.csrf_token(client), title=title,
                                        url="https://owasp.org/", topic="waf-owasp")
        assert response.status_code == 303
    listing = client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)
    assert "your suggestion is waiting for review" in listing
    assert accepted not in listing and rejected not in listing
    # The review decision is the owner's (or a reviewer's), never the web app's.
    assert owner_conn.execute("SELECT catalog.review_suggestion(%s, true)",
                              (_stored_id(owner_conn, accepted),)).fetchone()[0] is True
    assert owner_conn.execute("SELECT catalog.review_suggestion(%s, false)",
                              (_stored_id(owner_conn, rejected),)).fetchone()[0] is True
    # A decision is final: reviewing again changes nothing.
    assert owner_conn.execute("SELECT catalog.review_suggestion(%s, true)",
                              (_stored_id(owner_conn, rejected),)).fetchone()[0] is False
    listing = client.get("/suggestions", base_url=site.base_url).get_data(as_text=True)
    assert str(escape(accepted)) in listing
    assert rejected not in listing


# --- rate limit across workers ----------------------------------------------

@pytest.fixture(name="worker_apps")
def fixture_worker_apps(pg, site):
    """Two apps with their own connection pools, as two gunicorn workers have,
    sharing only the database and the signing key; a limit of 3 per hour."""
    key = secrets.token_urlsafe(32)
    databases = [Database(pg.app_settings(), max_size=4, timeout=5.0) for _ in range(2)]
    apps = [create_app(site.make_config(pg.app_settings(), secret_key=key, suggestion_rate_limit=3,
                                        suggestion_rate_window_seconds=3600), database=db) for db in databases]
    yield apps
    for db in databases:
        db.close()


def test_rate_limit_holds_across_workers(worker_apps, owner_conn, site):
    address = fresh_address()
    clients = [client_from(app, address) for app in worker_apps]
    prefix = unique("Flood")
    statuses = []
    for number in range(8):
        client = clients[number % 2]  # alternate between the two "workers"
        response = site.post_suggestion(client, site.csrf_token(client), title=f"{prefix} {number}",
                                        url="https://owasp.org/", topic="waf-owasp")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert 0 < int(response.headers["Retry-After"]) <= 3600
            assert response.headers["X-Correlation-ID"] in response.get_data(as_text=True)
    assert statuses == [303, 303, 303] + [429] * 5
    stored = owner_conn.execute("SELECT count(*) FROM catalog.suggestions WHERE title LIKE %s",
                                (prefix + " %",)).fetchone()[0]
    assert stored == 3
    # Another client is not affected.
    other = client_from(worker_apps[1], fresh_address())
    response = site.post_suggestion(other, site.csrf_token(other), title=unique("Other client"),
                                    url="https://owasp.org/", topic="waf-owasp")
    assert response.status_code == 303


def test_rate_limit_is_atomic_under_concurrent_posts(worker_apps, owner_conn, site):
    address = fresh_address()
    prefix = unique("Burst")
    prepared = []
    for number in range(12):
        client = client_from(worker_apps[number % 2], address)
        prepared.append((client, site.csrf_token(client), f"{prefix} {number}"))
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(prepared))

    def post(client, token, title) -> None:
        start.wait()
        status = site.post_suggestion(client, token, title=title, url="https://owasp.org/",
                                      topic="waf-owasp").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=item) for item in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303] * 3 + [429] * 9
    stored = owner_conn.execute("SELECT count(*) FROM catalog.suggestions WHERE title LIKE %s",
                                (prefix + " %",)).fetchone()[0]
    assert stored == 3


def test_ipv6_clients_are_counted_per_64(worker_apps, site):
    network = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    statuses = []
    for number in range(4):
        client = client_from(worker_apps[0], f"{network}::{number + 1:x}")  # a new address each time
        statuses.append(site.post_suggestion(client, site.csrf_token(client), title=unique("Rotating"),
                                             url="https://owasp.org/", topic="waf-owasp").status_code)
    assert statuses == [303, 303, 303, 429]

"""Fixtures for the sample app's tests: one real PostgreSQL per session
(pgserver, the same embedded server `python -m app serve` uses), no mocks."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import AppConfig, DatabaseSettings
from app.db import Database
from app.devserver import EmbeddedPostgres, embedded_postgres

# HTTPS so that Secure cookies are sent back and HSTS is emitted, as behind
# the TLS-terminating gateway in production.
BASE_URL = "https://localhost"
CSRF_INPUT = re.compile(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(name="pg", scope="session")
def fixture_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    with embedded_postgres(tmp_path_factory.mktemp("pg")) as db:
        yield db


@pytest.fixture(name="database", scope="session")
def fixture_database(pg: EmbeddedPostgres) -> Iterator[Database]:
    db = Database(pg.app_settings(), max_size=4, timeout=2.0)
    yield db
    db.close()


def make_config(settings: DatabaseSettings, **overrides: object) -> AppConfig:
    # The suite posts hundreds of suggestions from one test-client address;
    # the rate limit has its own tests (test_app_suggestions.py) with a small one.
    values: dict[str, object] = {"database": settings, "secret_key": secrets.token_urlsafe(32),
                                 "suggestion_rate_limit": 1_000_000}
    values.update(overrides)
    return AppConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(name="app", scope="session")
def fixture_app(pg: EmbeddedPostgres, database: Database) -> Flask:
    return create_app(make_config(pg.app_settings()), database=database)


@pytest.fixture(name="client")
def fixture_client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(name="owner_conn")
def fixture_owner_conn(pg: EmbeddedPostgres) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg.owner_settings().conninfo("tests"), autocommit=True) as conn:
        yield conn


class Site:
    """Helpers for driving the form like a browser; a fixture, because test
    modules cannot import from conftest without clashing with other suites."""

    base_url = BASE_URL

    @staticmethod
    def csrf_token(client: FlaskClient) -> str:
        page = client.get("/suggest", base_url=BASE_URL)
        match = CSRF_INPUT.search(page.get_data(as_text=True))
        assert match, "the form has no csrf_token input"
        return match.group(1)

    @staticmethod
    def post_suggestion(client: FlaskClient, token: str | None, **fields: str):
        data = dict(fields)
        if token is not None:
            data["csrf_token"] = token
        # Flask-WTF checks the Referer over HTTPS; browsers send it (same-origin policy).
        return client.post("/suggest", data=data, base_url=BASE_URL,
                           headers={"Referer": f"{BASE_URL}/suggest"})

    @staticmethod
    def accept(conn: psycopg.Connection, title: str) -> None:
        """The owner's review decision, as a maintainer would make it."""
        row = conn.execute("SELECT catalog.review_suggestion(id, true) FROM catalog.suggestions"
                           " WHERE title = %s", (title,)).fetchone()
        assert row == (True,)

    @staticmethod
    def count_suggestions(conn: psycopg.Connection, title: str | None = None) -> int:
        if title is None:
            row = conn.execute("SELECT count(*) FROM catalog.suggestions").fetchone()
        else:
            row = conn.execute("SELECT count(*) FROM catalog.suggestions WHERE title = %s",
                               (title,)).fetchone()
        assert row is not None
        return int(row[0])

    @staticmethod
    def make_config(settings: DatabaseSettings, **overrides: object) -> AppConfig:
        return make_config(settings, **overrides)

    repo_root = Path(__file__).resolve().parents[2]


@pytest.fixture(name="site", scope="session")
def fixture_site() -> Site:
    return Site()

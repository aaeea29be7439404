"""The least-privilege runtime role and the all-or-nothing suggestion write,
proved against the real PostgreSQL."""
from __future__ import annotations

import secrets
import threading

import psycopg
import pytest
from psycopg import errors

from app import repository
from app.repository import NewSuggestion


@pytest.fixture(name="app_conn")
def fixture_app_conn(pg):
    """A connection as the runtime login, exactly as the web app connects."""
    with psycopg.connect(pg.app_settings().conninfo("tests"), autocommit=True) as conn:
        yield conn


FORBIDDEN = [
    "DROP TABLE catalog.resources",
    "DROP TABLE catalog.suggestions",
    "ALTER TABLE catalog.resources ADD COLUMN pwned text",
    "ALTER TABLE catalog.suggestions DROP CONSTRAINT suggestions_title_check",
    "TRUNCATE catalog.resources",
    "DELETE FROM catalog.resources",
    "UPDATE catalog.resources SET title = 'defaced'",
    "UPDATE catalog.topics SET name = 'defaced'",
    "INSERT INTO catalog.resources (topic_slug, title, url, description)"
    " VALUES ('waf-owasp', 't', 'https://example.com/', 'd')",
    "INSERT INTO catalog.suggestions (topic_slug, title, url) VALUES ('waf-owasp', 'direct', 'https://e.com/')",
    "SELECT * FROM catalog.suggestions",
    "SELECT * FROM catalog.suggestion_audit",
    "DELETE FROM catalog.suggestions",
    "UPDATE catalog.suggestions SET status = 'accepted'",
    "CREATE TABLE catalog.extra (id int)",
    "CREATE TABLE public.extra (id int)",
    "CREATE TEMP TABLE scratch (id int)",
    "CREATE SCHEMA sneaky",
    "CREATE ROLE sneaky LOGIN",
    "DROP FUNCTION catalog.submit_suggestion(text, text, text, text)",
    "CREATE OR REPLACE FUNCTION catalog.pending_suggestions(p_limit integer)"
    " RETURNS TABLE (title text, url text, topic_name text, submitted_on date) LANGUAGE sql AS $$ SELECT NULL::text,"
    " NULL::text, NULL::text, NULL::date $$",
    "GRANT SELECT ON catalog.suggestions TO PUBLIC",
    "SELECT * FROM public.schema_migrations",
    # Unreviewed suggestions and the review decision are not the web app's.
    "SELECT * FROM catalog.pending_suggestions(5)",
    "SELECT catalog.review_suggestion(1, true)",
    "SELECT * FROM catalog.submission_windows",
    "DELETE FROM catalog.submission_windows",
]


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_runtime_role_cannot_change_or_read_beyond_its_grants(app_conn, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute(statement)


def test_tables_survive_the_attempts(owner_conn):
    tables = {r[0] for r in owner_conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'catalog'")}
    assert tables == {"topics", "resources", "suggestions", "suggestion_audit", "submission_windows"}


def test_runtime_role_attributes(app_conn, pg):
    row = app_conn.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles"
        " WHERE rolname = current_user").fetchone()
    assert row == (False, False, False, False, False)
    owns = app_conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s",
        (pg.app_user,)).fetchone()[0]
    assert owns == 0


def test_runtime_role_can_do_its_job(app_conn):
    assert app_conn.execute("SELECT count(*) FROM catalog.resources").fetchone()[0] > 0
    assert app_conn.execute("SELECT count(*) FROM catalog.topics").fetchone()[0] == 8
    app_conn.execute("SELECT * FROM catalog.accepted_suggestions(5)").fetchall()


def test_runtime_login_needs_its_password(pg):
    settings = pg.app_settings()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(psycopg.conninfo.make_conninfo(
            settings.conninfo(), password=secrets.token_urlsafe(12)), connect_timeout=3).close()


def _counts(conn) -> tuple[int, int]:
    return conn.execute(
        "SELECT (SELECT count(*) FROM catalog.suggestions), (SELECT count(*) FROM catalog.suggestion_audit)"
    ).fetchone()


def test_suggestion_and_audit_row_are_stored_together(database, owner_conn):
    before = _counts(owner_conn)
    new_id = repository.submit_suggestion(
        database, NewSuggestion("Stored whole", "https://owasp.org/", "waf-owasp"), secrets.token_hex(16))
    assert _counts(owner_conn) == (before[0] + 1, before[1] + 1)
    audit = owner_conn.execute("SELECT count(*) FROM catalog.suggestion_audit WHERE suggestion_id = %s",
                               (new_id,)).fetchone()[0]
    assert audit == 1


@pytest.mark.parametrize(
    ("suggestion", "correlation_id", "error"),
    [
        # The suggestion row is inserted first and is valid; the audit row
        # then fails, and the suggestion must vanish with it.
        (NewSuggestion("Half written", "https://owasp.org/", "waf-owasp"), "not-a-correlation-id",
         errors.CheckViolation),
        (NewSuggestion("Unknown topic", "https://owasp.org/", "no-such-topic"), "0" * 32,
         errors.ForeignKeyViolation),
        (NewSuggestion("Bad scheme", "javascript:alert(1)", "waf-owasp"), "0" * 32, errors.CheckViolation),
        (NewSuggestion("x" * 500, "https://owasp.org/", "waf-owasp"), "0" * 32, errors.CheckViolation),
    ],
)
def test_suggestion_is_stored_whole_or_not_at_all(database, owner_conn, suggestion, correlation_id, error):
    before = _counts(owner_conn)
    with pytest.raises(error):
        repository.submit_suggestion(database, suggestion, correlation_id)
    assert _counts(owner_conn) == before


def test_a_dropped_connection_leaves_nothing_half_written(pg, owner_conn):
    """Kill the session while the function's transaction is open (a lock makes
    it wait between its two inserts): nothing of it may remain."""
    before = _counts(owner_conn)
    with psycopg.connect(pg.owner_settings().conninfo("locker")) as locker, \
            psycopg.connect(pg.app_settings().conninfo("victim"), autocommit=True) as victim:
        # Holding a lock on the audit table makes the function block after the
        # suggestion insert and before the audit insert.
        locker.execute("LOCK TABLE catalog.suggestion_audit IN ACCESS EXCLUSIVE MODE")
        pid = victim.info.backend_pid
        outcome: list[BaseException] = []

        def submit() -> None:
            try:
                victim.execute("SELECT catalog.submit_suggestion(%s, %s, %s, %s)",
                               ("Interrupted", "https://owasp.org/", "waf-owasp", "0" * 32))
            except BaseException as exc:  # pylint: disable=broad-except
                outcome.append(exc)

        worker = threading.Thread(target=submit)
        worker.start()
        with psycopg.connect(pg.superuser_conninfo(), autocommit=True) as admin:
            blocked = False
            for _ in range(250):
                row = admin.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                    (pid,)).fetchone()
                if row and row[0] == "Lock":
                    blocked = True
                    break
                worker.join(0.02)
            assert blocked, "the function never reached the audit insert"
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        worker.join(10)
        locker.rollback()
    assert outcome and isinstance(outcome[0], psycopg.OperationalError)
    assert _counts(owner_conn) == before


# --- the cluster around the app's database ----------------------------------

@pytest.mark.parametrize("dbname", ["postgres", "template1"])
def test_runtime_login_cannot_reach_the_maintenance_databases(pg, dbname):
    """Neither CONNECT nor, through it, temporary tables in another database."""
    conninfo = psycopg.conninfo.make_conninfo(pg.app_settings().conninfo("tests"), dbname=dbname)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(conninfo, connect_timeout=5).close()


def test_runtime_login_has_role_level_timeouts(pg):
    """Set on the role itself, so a session without the app's options gets them too."""
    bare = psycopg.conninfo.make_conninfo(host=str(pg.socket_dir), port=str(pg.port), dbname=pg.dbname,
                                          user=pg.app_user, password=pg.app_password, sslmode="disable")
    with psycopg.connect(bare, autocommit=True) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("10s",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("3s",)
        with pytest.raises(errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(6)")


def test_migration_owner_is_not_a_superuser(owner_conn, pg):
    row = owner_conn.execute("SELECT rolsuper, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = %s",
                             (pg.owner_user,)).fetchone()
    assert row == (False, False, False)

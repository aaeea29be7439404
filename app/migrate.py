"""Apply the SQL migrations in app/migrations as the owner role, and provision
the runtime login as a member of the least-privilege group role."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from app.config_error import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
RUNTIME_GROUP_ROLE = "securesample_runtime"
# Role-level defaults for the runtime login, so they hold for any session it
# opens (the app's own conninfo sets statement_timeout as well).
RUNTIME_ROLE_SETTINGS = {
    "statement_timeout": "5s",
    "idle_in_transaction_session_timeout": "10s",
    "lock_timeout": "3s",
}
# Any constant works; it only serialises concurrent `migrate` runs.
_ADVISORY_LOCK_KEY = 0x5EC5A3B1E

log = logging.getLogger("app.migrate")


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    def sql_text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    return [Migration(path.stem, path) for path in sorted(directory.glob("*.sql"))]


def run_migrations(conninfo: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations in order, each in its own transaction.

    Returns the versions applied by this call (empty when up to date).
    """
    applied_now: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM public.schema_migrations")}
            for migration in available_migrations(directory):
                if migration.version in done:
                    continue
                with conn.transaction():
                    # A file of several statements: psycopg sends it with the
                    # simple query protocol because there are no parameters.
                    conn.execute(migration.sql_text().encode("utf-8"))
                    conn.execute("INSERT INTO public.schema_migrations (version) VALUES (%s)",
                                 (migration.version,))
                log.info("applied migration %s", migration.version, extra={"event": "migration"})
                applied_now.append(migration.version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
    return applied_now


def scram_sha256_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677).

    Sending the verifier instead of the password means the clear text never
    reaches the server, so it cannot end up in a server log.
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def provision_runtime_login(conninfo: str, login: str, password: str) -> None:
    """Create or update ``login`` with only the runtime group's privileges."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        owner = conn.execute("SELECT current_user").fetchone()
        if owner and owner[0] == login:
            raise ConfigError("PGUSERNAME must not be the owner role (PGOWNERUSERNAME)")
        existing = conn.execute(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls"
            " FROM pg_catalog.pg_roles WHERE rolname = %s", (login,)
        ).fetchone()
        if existing and existing[0]:
            raise ConfigError("PGUSERNAME names a privileged role (SUPERUSER, CREATEDB, CREATEROLE, REPLICATION"
                              " or BYPASSRLS); use a plain login")
        # PostgreSQL 16 lets only holders of an attribute restate it, even as
        # NO...; the owner holds none of these, so an existing login is checked
        # above instead of altered.
        attributes = "LOGIN INHERIT CONNECTION LIMIT 50"
        if not existing:
            attributes += " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        conn.execute(
            sql.SQL("{verb} {login} WITH {attributes} PASSWORD {verifier}").format(
                verb=sql.SQL("ALTER ROLE" if existing else "CREATE ROLE"),
                login=sql.Identifier(login),
                attributes=sql.SQL(attributes),
                verifier=sql.Literal(scram_sha256_verifier(password)),
            )
        )
        conn.execute(
            sql.SQL("GRANT {group} TO {login}").format(
                group=sql.Identifier(RUNTIME_GROUP_ROLE), login=sql.Identifier(login)
            )
        )
        for setting, value in RUNTIME_ROLE_SETTINGS.items():
            conn.execute(
                sql.SQL("ALTER ROLE {login} SET {setting} = {value}").format(
                    login=sql.Identifier(login), setting=sql.Identifier(setting), value=sql.Literal(value)
                )
            )
    log.info("runtime login provisioned", extra={"event": "login_provisioned"})

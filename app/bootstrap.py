"""One-time cluster set-up with the cluster superuser, so that nothing else
ever needs it: a non-superuser owner role for the migrations, the app's
database owned by it, and no access for ordinary roles to the maintenance
databases.

``postgres`` and ``template1`` grant CONNECT and TEMP to PUBLIC by default, so
any login, the web app's included, could connect there and create temporary
tables; after ``bootstrap_cluster`` only superusers and explicitly granted
roles can. The app's own database gets the same treatment in migration 0002.
"""
from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from app.config_error import ConfigError
from app.migrate import scram_sha256_verifier

MAINTENANCE_DATABASES = ("postgres", "template1")

log = logging.getLogger("app.bootstrap")


def bootstrap_cluster(superuser_conninfo: str, dbname: str, owner_role: str, owner_password: str) -> None:
    """Create or update the owner role and its database; idempotent."""
    with psycopg.connect(superuser_conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").fetchone()
        if not row or not row[0]:
            raise ConfigError("PGADMINUSERNAME must name the cluster's superuser (bootstrap runs once, as it)")
        if conn.execute("SELECT current_user").fetchone() == (owner_role,):
            raise ConfigError("PGOWNERUSERNAME must not be the superuser named by PGADMINUSERNAME")
        exists = conn.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (owner_role,)).fetchone()
        # May create the runtime roles, nothing more: no superuser, no new databases.
        conn.execute(
            sql.SQL(
                "{verb} {role} WITH LOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS"
                " PASSWORD {verifier}"
            ).format(
                verb=sql.SQL("ALTER ROLE" if exists else "CREATE ROLE"),
                role=sql.Identifier(owner_role),
                verifier=sql.Literal(scram_sha256_verifier(owner_password)),
            )
        )
        if conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (dbname,)).fetchone():
            conn.execute(sql.SQL("ALTER DATABASE {db} OWNER TO {owner}").format(
                db=sql.Identifier(dbname), owner=sql.Identifier(owner_role)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {db} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0").format(
                    db=sql.Identifier(dbname), owner=sql.Identifier(owner_role)
                )
            )
        for database in MAINTENANCE_DATABASES:
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {db} FROM PUBLIC").format(db=sql.Identifier(database)))
    log.info("cluster bootstrapped", extra={"event": "bootstrap"})


def refuse_superuser_owner(owner_conninfo: str) -> None:
    """Migrations run as the owner role, which must not be a superuser."""
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").fetchone()
    if row and row[0]:
        raise ConfigError("PGOWNERUSERNAME names a superuser; run `python -m app bootstrap` once as the "
                          "superuser (PGADMINUSERNAME) and migrate as the non-superuser owner it creates")

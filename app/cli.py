"""Command line: ``python -m app serve`` and ``python -m app migrate``."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

from app.bootstrap import bootstrap_cluster, refuse_superuser_owner
from app.config import (
    ConfigError, VaultEntry, database_from_env,
)
from app.logging_setup import configure_logging
from app.migrate import provision_runtime_login, run_migrations
from app.secret_providers import (
    PROVIDER_VARIABLE, MissingSecretError, SecretError, SecretProvider, provider_from_env,
)

log = logging.getLogger("app.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the app locally against an embedded PostgreSQL")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    serve.add_argument("--data-dir", type=Path, default=None,
                       help="keep the database here between runs (default: a temporary directory)")

    commands.add_parser(
        "bootstrap",
        help="once, as the cluster superuser: create the non-superuser owner role and the database",
        description=(
            "Connects to the postgres database with PGHOST/PGPORT/PGSSLMODE as the superuser "
            f"{VaultEntry.ADMIN_USER} ({VaultEntry.ADMIN_CREDENTIAL} may be absent for socket trust/peer "
            f"authentication), creates or updates {VaultEntry.OWNER_USER} with {VaultEntry.OWNER_CREDENTIAL}, "
            "makes it the owner of PGDATABASE and revokes PUBLIC access to postgres and template1."
        ),
    )
    commands.add_parser(
        "migrate",
        help="apply migrations as the owner role and provision the runtime login",
        description=(
            "Connects with PGHOST/PGPORT/PGDATABASE/PGSSLMODE and the secrets "
            f"{VaultEntry.OWNER_USER}/{VaultEntry.OWNER_CREDENTIAL} (owner) and "
            f"{VaultEntry.DB_USER}/{VaultEntry.DB_CREDENTIAL} (runtime login) from {PROVIDER_VARIABLE}."
        ),
    )
    return parser


def _optional_secret(provider: SecretProvider, name: str) -> str | None:
    try:
        return provider.get(name)
    except MissingSecretError:
        return None


def _bootstrap() -> int:
    provider = provider_from_env()
    # Socket authentication (trust/peer) needs no superuser password.
    admin = database_from_env(os.environ, provider.get(VaultEntry.ADMIN_USER),
                              _optional_secret(provider, VaultEntry.ADMIN_CREDENTIAL) or "")
    owner = provider.get(VaultEntry.OWNER_USER)
    # The app's database may not exist yet: connect to the maintenance database.
    maintenance = dataclasses.replace(admin, dbname="postgres")
    bootstrap_cluster(maintenance.conninfo("securesample-bootstrap"), admin.dbname, owner,
                      provider.get(VaultEntry.OWNER_CREDENTIAL))
    print(f"bootstrapped: database {admin.dbname} owned by {owner}", flush=True)
    return 0


def _migrate() -> int:
    provider = provider_from_env()
    owner = database_from_env(
        os.environ, provider.get(VaultEntry.OWNER_USER), provider.get(VaultEntry.OWNER_CREDENTIAL)
    )
    login, login_password = provider.get(VaultEntry.DB_USER), provider.get(VaultEntry.DB_CREDENTIAL)
    conninfo = owner.conninfo("securesample-migrate")
    refuse_superuser_owner(conninfo)
    applied = run_migrations(conninfo)
    provision_runtime_login(conninfo, login, login_password)
    print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        if args.command == "migrate":
            return _migrate()
        if args.command == "bootstrap":
            return _bootstrap()
        # Imported late: only `serve` needs pgserver.
        from app.devserver import serve  # pylint: disable=import-outside-toplevel

        return serve(host=args.host, port=args.port, workers=args.workers, datadir=args.data_dir)
    except (SecretError, ConfigError) as exc:
        # The message names the secret or setting, never a value.
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2

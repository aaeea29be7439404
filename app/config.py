"""Configuration: plain settings from the environment, secrets from a provider.

Nothing secret has a default. The production defaults are the strict ones
(``PGSSLMODE=verify-full``); only the embedded development database, reached
over a local Unix socket, may turn transport encryption off.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from psycopg.conninfo import make_conninfo

from app.secret_providers import SecretProvider, provider_from_env


class VaultEntry:
    """Names of the secrets as stored in Key Vault (seed 000 uses PGUSERNAME and
    PGPASSWORD); the values themselves only ever come from a SecretProvider."""

    DB_USER = "PGUSERNAME"
    DB_CREDENTIAL = "PGPASSWORD"
    SESSION_SIGNING = "FLASK-SECRET-KEY"
    OWNER_USER = "PGOWNERUSERNAME"
    OWNER_CREDENTIAL = "PGOWNERPASSWORD"


SSL_MODES = ("disable", "require", "verify-ca", "verify-full")
PRODUCTION_SSLMODE = "verify-full"
DEFAULT_DATABASE = "securesample"


class ConfigError(ValueError):
    """The configuration is incomplete or unsafe; the message says which setting."""


@dataclass(frozen=True)
class DatabaseSettings:
    host: str
    port: int
    dbname: str
    user: str
    password: str = field(repr=False)
    sslmode: str = PRODUCTION_SSLMODE
    sslrootcert: str | None = None
    connect_timeout: int = 5
    statement_timeout_ms: int = 5000

    def __post_init__(self) -> None:
        if self.sslmode not in SSL_MODES:
            raise ConfigError(f"PGSSLMODE must be one of {', '.join(SSL_MODES)}")
        # A Unix socket never leaves the machine; anything else must be encrypted.
        if self.sslmode == "disable" and not self.host.startswith("/"):
            raise ConfigError("PGSSLMODE=disable is only allowed for a local Unix-socket database")

    def conninfo(self, application_name: str = "securesample") -> str:
        extra = {"sslrootcert": self.sslrootcert} if self.sslrootcert else {}
        return make_conninfo(
            host=self.host,
            port=str(self.port),
            dbname=self.dbname,
            user=self.user,
            password=self.password,
            sslmode=self.sslmode,
            connect_timeout=str(self.connect_timeout),
            application_name=application_name,
            options=f"-c statement_timeout={int(self.statement_timeout_ms)}",
            **extra,
        )


@dataclass(frozen=True)
class AppConfig:
    database: DatabaseSettings
    secret_key: str = field(repr=False)
    # Number of reverse proxies (e.g. Application Gateway) whose X-Forwarded-*
    # headers are trusted; 0 when the app is reached directly.
    proxy_hops: int = 0
    max_content_length: int = 16 * 1024
    pool_max_size: int = 4
    pool_timeout: float = 3.0
    appinsights_connection_string: str | None = field(default=None, repr=False)
    testing: bool = False


def database_from_env(environ: Mapping[str, str], user: str, password: str) -> DatabaseSettings:
    host = environ.get("PGHOST", "").strip()
    if not host:
        raise ConfigError("PGHOST is not set")
    try:
        port = int(environ.get("PGPORT", "5432"))
    except ValueError:
        raise ConfigError("PGPORT must be a number") from None
    return DatabaseSettings(
        host=host,
        port=port,
        dbname=environ.get("PGDATABASE", DEFAULT_DATABASE),
        user=user,
        password=password,
        sslmode=environ.get("PGSSLMODE", PRODUCTION_SSLMODE),
        sslrootcert=environ.get("PGSSLROOTCERT") or None,
    )


def config_from_env(
    environ: Mapping[str, str] | None = None, provider: SecretProvider | None = None
) -> AppConfig:
    """Build the runtime configuration; a missing secret raises before serving."""
    environ = os.environ if environ is None else environ
    provider = provider_from_env(environ) if provider is None else provider
    database = database_from_env(environ, provider.get(VaultEntry.DB_USER), provider.get(VaultEntry.DB_CREDENTIAL))
    return AppConfig(
        database=database,
        secret_key=provider.get(VaultEntry.SESSION_SIGNING),
        proxy_hops=int(environ.get("PROXY_HOPS", "0")),
        pool_max_size=int(environ.get("DB_POOL_MAX_SIZE", "4")),
        appinsights_connection_string=environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING") or None,
    )

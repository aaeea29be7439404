"""Configuration: plain settings from the environment, secrets from a provider.

Nothing secret has a default. The production defaults are the strict ones
(``PGSSLMODE=verify-full``); only the embedded development database, reached
over a local Unix socket, may turn transport encryption off.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from psycopg.conninfo import make_conninfo

from app.config_error import ConfigError
from app.secret_providers import SecretProvider, provider_from_env

__all__ = ["AppConfig", "ConfigError", "DatabaseSettings", "VaultEntry", "config_from_env", "database_from_env"]


class VaultEntry:
    """Names of the secrets as stored in Key Vault (seed 000 uses PGUSERNAME and
    PGPASSWORD); the values themselves only ever come from a SecretProvider."""

    DB_USER = "PGUSERNAME"
    DB_CREDENTIAL = "PGPASSWORD"
    SESSION_SIGNING = "FLASK-SECRET-KEY"
    OWNER_USER = "PGOWNERUSERNAME"
    OWNER_CREDENTIAL = "PGOWNERPASSWORD"
    # The cluster superuser: `python -m app bootstrap` only, once.
    ADMIN_USER = "PGADMINUSERNAME"
    ADMIN_CREDENTIAL = "PGADMINPASSWORD"


SSL_MODES = ("disable", "require", "verify-ca", "verify-full")
PRODUCTION_SSLMODE = "verify-full"
DEFAULT_DATABASE = "securesample"
# Loopback names only: a deployment sets TRUSTED_HOSTS to its public name(s).
DEFAULT_TRUSTED_HOSTS = ("localhost", "127.0.0.1", "::1")
_HOST_NAME = re.compile(r"^\.?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$|^[0-9a-f:]{2,39}$")


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
    # Host names the app answers for (Host header, and X-Forwarded-Host behind
    # the gateway); anything else is a 400, so no other name can steer the
    # absolute URLs of robots.txt, sitemap.xml or redirects.
    trusted_hosts: tuple[str, ...] = DEFAULT_TRUSTED_HOSTS
    # Suggestions one client may submit per window, counted in PostgreSQL so
    # that the limit holds across gunicorn workers and instances.
    suggestion_rate_limit: int = 10
    suggestion_rate_window_seconds: int = 3600
    testing: bool = False


def int_setting(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """An integer setting; anything else is a ConfigError naming it (not a traceback)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def trusted_hosts_from_env(environ: Mapping[str, str]) -> tuple[str, ...]:
    """TRUSTED_HOSTS: comma-separated host names (a leading dot admits subdomains)."""
    raw = environ.get("TRUSTED_HOSTS", "").strip()
    if not raw:
        return DEFAULT_TRUSTED_HOSTS
    hosts = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    if not hosts or not all(_HOST_NAME.match(host) for host in hosts):
        raise ConfigError("TRUSTED_HOSTS must be a comma-separated list of host names")
    return hosts


def database_from_env(environ: Mapping[str, str], user: str, password: str) -> DatabaseSettings:
    host = environ.get("PGHOST", "").strip()
    if not host:
        raise ConfigError("PGHOST is not set")
    port = int_setting(environ, "PGPORT", 5432, minimum=1)
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
        proxy_hops=int_setting(environ, "PROXY_HOPS", 0),
        pool_max_size=int_setting(environ, "DB_POOL_MAX_SIZE", 4, minimum=1),
        appinsights_connection_string=environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING") or None,
        trusted_hosts=trusted_hosts_from_env(environ),
        suggestion_rate_limit=int_setting(environ, "SUGGESTION_RATE_LIMIT", 10, minimum=1),
        suggestion_rate_window_seconds=int_setting(environ, "SUGGESTION_RATE_WINDOW_SECONDS", 3600, minimum=1),
    )

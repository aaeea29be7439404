"""Each secrets provider against a real source, the start-up failure on a
missing secret, and `python -m app migrate` end to end."""
from __future__ import annotations

import dataclasses
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from azure.core.credentials import AccessToken
from keyvault_standin import API_VERSION, KeyVaultStandIn, RunningStandIn, write_self_signed_cert

from app.config import ConfigError, DatabaseSettings, VaultEntry, config_from_env
from app.devserver import embedded_postgres
from app.secret_providers import (
    DIRECTORY_VARIABLE, PROVIDER_VARIABLE, EnvSecretProvider, KeyPerFileSecretProvider, KeyVaultSecretProvider,
    MissingSecretError, SecretError,
    provider_from_env,
)


class StaticTokenCredential:
    """A TokenCredential that hands out one fixed token and records the scopes asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **_kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


# --- environment ---------------------------------------------------------

def test_env_provider_reads_variables():
    value = secrets.token_urlsafe(16)
    provider = EnvSecretProvider({"PGUSERNAME": "web", "FLASK_SECRET_KEY": value})
    assert provider.get("PGUSERNAME") == "web"
    assert provider.get("FLASK-SECRET-KEY") == value


@pytest.mark.parametrize("environ", [{}, {"PGPASSWORD": ""}])
def test_env_provider_missing_secret_names_it(environ):
    with pytest.raises(MissingSecretError) as caught:
        EnvSecretProvider(environ).get("PGPASSWORD")
    assert "PGPASSWORD" in str(caught.value)
    assert caught.value.secret_name == VaultEntry.DB_CREDENTIAL


# --- key-per-file (CSI driver) -------------------------------------------

def test_file_provider_reads_one_file_per_secret(tmp_path):
    value = secrets.token_urlsafe(16)
    (tmp_path / "PGUSERNAME").write_text("web\n")  # trailing newline from `echo` is dropped
    (tmp_path / "PGPASSWORD").write_text(value)
    provider = KeyPerFileSecretProvider(tmp_path)
    assert provider.get("PGUSERNAME") == "web"
    assert provider.get("PGPASSWORD") == value


def test_file_provider_follows_csi_style_symlinks(tmp_path):
    """The CSI driver and Kubernetes mount `NAME -> ..data/NAME`."""
    value = secrets.token_urlsafe(16)
    data = tmp_path / "..2026_11_23_data"
    data.mkdir()
    (data / "PGPASSWORD").write_text(value)
    (tmp_path / "..data").symlink_to(data.name)
    (tmp_path / "PGPASSWORD").symlink_to("..data/PGPASSWORD")
    assert KeyPerFileSecretProvider(tmp_path).get("PGPASSWORD") == value


def test_file_provider_refuses_links_out_of_the_mount(tmp_path):
    outside = tmp_path / "outside"
    outside.write_text(secrets.token_urlsafe(8))
    mount = tmp_path / "mount"
    mount.mkdir()
    (mount / "PGPASSWORD").symlink_to(outside)
    with pytest.raises(MissingSecretError):
        KeyPerFileSecretProvider(mount).get("PGPASSWORD")


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", "", "x" * 128, "PG_PASSWORD", ".."])
def test_invalid_secret_names_are_refused(tmp_path, name):
    with pytest.raises(SecretError):
        KeyPerFileSecretProvider(tmp_path).get(name)


def test_file_provider_missing_secret_names_it(tmp_path):
    with pytest.raises(MissingSecretError, match="PGUSERNAME"):
        KeyPerFileSecretProvider(tmp_path).get("PGUSERNAME")


# --- Azure Key Vault ------------------------------------------------------

@pytest.fixture(name="vault_cert", scope="module")
def fixture_vault_cert(tmp_path_factory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("vault-tls"))


@pytest.fixture(name="vault")
def fixture_vault(vault_cert):
    standin = KeyVaultStandIn(token=secrets.token_urlsafe(24),
                              secrets={"PGUSERNAME": "web", "PGPASSWORD": secrets.token_urlsafe(16)})
    with RunningStandIn(standin, *vault_cert) as running:
        yield running


def _kv_provider(vault: KeyVaultStandIn, cert: Path, token: str | None = None) -> tuple[KeyVaultSecretProvider,
                                                                                       StaticTokenCredential]:
    credential = StaticTokenCredential(token or vault.token)
    # The client verifies the stand-in's certificate against the test CA file.
    # verify_challenge_resource=False only because the SDK demands that the
    # vault's host be a subdomain of the challenge resource (vault.azure.net),
    # which a server on 127.0.0.1 cannot be; everything else is the real flow.
    provider = KeyVaultSecretProvider(vault.url, credential=credential, connection_verify=str(cert),
                                      verify_challenge_resource=False, retry_total=0)
    return provider, credential


def test_key_vault_provider_reads_secrets_over_the_rest_api(vault, vault_cert):
    provider, credential = _kv_provider(vault, vault_cert[0])
    assert provider.get("PGUSERNAME") == "web"
    assert provider.get("PGPASSWORD") == vault.secrets["PGPASSWORD"]
    # The SDK answered the bearer challenge, asking for the vault's scope.
    assert credential.scopes and credential.scopes[0] == ("https://vault.azure.net/.default",)
    first, *rest = vault.requests
    assert first.authorization is None and first.path.rstrip("/") == "/secrets/PGUSERNAME"
    assert all(r.authorization == f"Bearer {vault.token}" for r in rest)
    assert all(r.api_version and API_VERSION.match(r.api_version) for r in vault.requests)
    assert {r.path.rstrip("/") for r in rest} == {"/secrets/PGUSERNAME", "/secrets/PGPASSWORD"}


def test_key_vault_missing_secret_is_reported_by_name(vault, vault_cert):
    provider, _ = _kv_provider(vault, vault_cert[0])
    with pytest.raises(MissingSecretError) as caught:
        provider.get("FLASK-SECRET-KEY")
    assert "FLASK-SECRET-KEY" in str(caught.value)


def test_key_vault_auth_failure_names_the_secret_not_a_value(vault, vault_cert):
    provider, _ = _kv_provider(vault, vault_cert[0], token="wrong-token")
    with pytest.raises(SecretError) as caught:
        provider.get("PGPASSWORD")
    message = str(caught.value)
    assert "PGPASSWORD" in message and vault.secrets["PGPASSWORD"] not in message
    assert not isinstance(caught.value, MissingSecretError)


def test_key_vault_provider_checks_tls(vault):
    """Without the stand-in's certificate the connection is refused."""
    provider = KeyVaultSecretProvider(vault.url, credential=StaticTokenCredential(vault.token),
                                      verify_challenge_resource=False, retry_total=0)
    with pytest.raises(SecretError):
        provider.get("PGUSERNAME")


def test_keyvault_provider_is_chosen_from_the_environment():
    provider = provider_from_env({PROVIDER_VARIABLE: "keyvault",
                                  "KEY_VAULT_URL": "https://example.vault.azure.net"})
    assert isinstance(provider, KeyVaultSecretProvider)  # DefaultAzureCredential, not called until used
    with pytest.raises(ValueError, match="KEY_VAULT_URL"):
        provider_from_env({PROVIDER_VARIABLE: "keyvault"})
    with pytest.raises(ValueError, match=PROVIDER_VARIABLE):
        provider_from_env({PROVIDER_VARIABLE: "vault9000"})
    assert isinstance(provider_from_env({PROVIDER_VARIABLE: "file", DIRECTORY_VARIABLE: "/x"}),
                      KeyPerFileSecretProvider)


# --- configuration --------------------------------------------------------

def _complete_env() -> dict[str, str]:
    return {"PGHOST": "db.example.internal", "PGUSERNAME": "web", "PGPASSWORD": secrets.token_urlsafe(12),
            "FLASK_SECRET_KEY": secrets.token_urlsafe(32)}


def test_production_config_verifies_the_database_certificate():
    config = config_from_env(_complete_env())
    assert config.database.sslmode == "verify-full"
    assert "sslmode=verify-full" in config.database.conninfo()


@pytest.mark.parametrize("missing", ["PGUSERNAME", "PGPASSWORD", "FLASK_SECRET_KEY"])
def test_missing_secret_stops_start_up_naming_it(missing):
    env = _complete_env()
    del env[missing]
    with pytest.raises(MissingSecretError) as caught:
        config_from_env(env)
    secret_name = missing.replace("FLASK_SECRET_KEY", "FLASK-SECRET-KEY")
    assert secret_name in str(caught.value)
    assert not any(value in str(caught.value) for key, value in env.items() if key != "PGHOST")


def test_config_repr_hides_secrets():
    env = _complete_env()
    text = repr(config_from_env(env))
    assert env["PGPASSWORD"] not in text and env["FLASK_SECRET_KEY"] not in text


def test_tls_can_be_disabled_only_for_a_unix_socket():
    with pytest.raises(ConfigError):
        DatabaseSettings(host="db.example.internal", port=5432, dbname="d", user="u", password="p",
                         sslmode="disable")
    DatabaseSettings(host="/run/postgresql", port=5432, dbname="d", user="u", password="p", sslmode="disable")
    with pytest.raises(ConfigError):
        DatabaseSettings(host="db", port=5432, dbname="d", user="u", password="p", sslmode="prefer")


def test_gunicorn_worker_refuses_to_start_without_its_secrets(site):
    env = {k: v for k, v in os.environ.items() if k not in ("PGUSERNAME", "PGPASSWORD", "FLASK_SECRET_KEY")}
    env.update({"PGHOST": "/nonexistent", "PGSSLMODE": "disable", PROVIDER_VARIABLE: "env",
                "PGUSERNAME": "web"})
    result = subprocess.run([sys.executable, "-c", "import app.wsgi"], cwd=site.repo_root, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "PGPASSWORD" in result.stderr


# --- python -m app migrate, with the key-per-file provider ----------------

def test_migrate_command_applies_migrations_and_provisions_a_login(pg, tmp_path, site):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    login, login_password = f"web_{secrets.token_hex(3)}", secrets.token_urlsafe(18)
    for name, value in {"PGOWNERUSERNAME": pg.owner_user, "PGOWNERPASSWORD": pg.owner_password,
                        "PGUSERNAME": login, "PGPASSWORD": login_password}.items():
        (secrets_dir / name).write_text(value + "\n")
    env = dict(os.environ, PGHOST=str(pg.socket_dir), PGPORT=str(pg.port), PGDATABASE=pg.dbname,
               PGSSLMODE="disable")
    env.update({PROVIDER_VARIABLE: "file", DIRECTORY_VARIABLE: str(secrets_dir)})
    result = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=site.repo_root, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "none (up to date)" in result.stdout  # the session database is already migrated
    assert login_password not in result.stdout + result.stderr
    settings = pg.settings(login, login_password)
    with psycopg.connect(settings.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM catalog.topics").fetchone()[0] == 8
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM catalog.resources")


def test_migrate_command_names_a_missing_owner_secret(tmp_path, site):
    env = dict(os.environ, PGHOST="/nonexistent")
    env.update({PROVIDER_VARIABLE: "file", DIRECTORY_VARIABLE: str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=site.repo_root, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "PGOWNERUSERNAME" in result.stderr
    assert "Traceback" not in result.stderr


# --- bad settings: one line naming the setting, exit 2 or 3, no traceback --

BAD_SETTINGS = {
    "unknown provider": ({PROVIDER_VARIABLE: "vault9000"}, PROVIDER_VARIABLE),
    "keyvault without url": ({PROVIDER_VARIABLE: "keyvault"}, "KEY_VAULT_URL"),
    "non-integer proxy hops": ({"PROXY_HOPS": "one"}, "PROXY_HOPS"),
    "negative proxy hops": ({"PROXY_HOPS": "-1"}, "PROXY_HOPS"),
    "non-integer port": ({"PGPORT": "5432x"}, "PGPORT"),
    "bad trusted hosts": ({"TRUSTED_HOSTS": "exa mple.com"}, "TRUSTED_HOSTS"),
    "non-integer rate limit": ({"SUGGESTION_RATE_LIMIT": "lots"}, "SUGGESTION_RATE_LIMIT"),
}


def _settings_env(overrides: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROXY_HOPS", "TRUSTED_HOSTS", "KEY_VAULT_URL")}
    env.update(_complete_env())
    env.update({"PGHOST": "/nonexistent", "PGSSLMODE": "disable", PROVIDER_VARIABLE: "env",
                "PGOWNERUSERNAME": "owner", "PGOWNERPASSWORD": secrets.token_urlsafe(12)})
    env.update(overrides)
    return env


@pytest.mark.parametrize("overrides, setting", list(BAD_SETTINGS.values()), ids=list(BAD_SETTINGS))
def test_bad_setting_is_one_line_naming_it_for_the_wsgi_worker(site, overrides, setting):
    env = _settings_env(overrides)
    result = subprocess.run([sys.executable, "-c", "import app.wsgi"], cwd=site.repo_root, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 3  # gunicorn's "worker failed to boot"
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0], result.stderr
    assert env["PGPASSWORD"] not in result.stderr and env["FLASK_SECRET_KEY"] not in result.stderr


@pytest.mark.parametrize("overrides, setting", [BAD_SETTINGS["unknown provider"],
                                                 BAD_SETTINGS["keyvault without url"],
                                                 BAD_SETTINGS["non-integer port"]],
                         ids=["unknown provider", "keyvault without url", "non-integer port"])
def test_bad_setting_is_one_line_naming_it_for_migrate(site, overrides, setting):
    result = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=site.repo_root,
                            env=_settings_env(overrides), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and setting in lines[0], result.stderr


# --- python -m app bootstrap: compose and the nightly job migrate as a non-superuser

def _cli(site, command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", command], cwd=site.repo_root, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_bootstrap_then_migrate_as_a_non_superuser_owner(tmp_path, site):
    """The compose/nightly flow: the superuser only bootstraps; migrations run as
    the owner it creates; the runtime login gets no maintenance database.
    A cluster of its own: roles are cluster-wide, and this one starts without them."""
    with embedded_postgres(tmp_path / "pg", migrate=False) as pg:
        _bootstrap_then_migrate(pg, site)


def _bootstrap_then_migrate(pg, site) -> None:
    suffix = secrets.token_hex(3)
    owner, owner_password = f"owner_{suffix}", secrets.token_urlsafe(18)
    login, login_password = f"web_{suffix}", secrets.token_urlsafe(18)
    env = dict(os.environ, PGHOST=str(pg.socket_dir), PGPORT=str(pg.port), PGDATABASE=f"db_{suffix}",
               PGSSLMODE="disable", PGADMINUSERNAME="postgres", PGOWNERUSERNAME=owner,
               PGOWNERPASSWORD=owner_password, PGUSERNAME=login, PGPASSWORD=login_password)
    env[PROVIDER_VARIABLE] = "env"
    env.pop("PGADMINPASSWORD", None)  # the embedded cluster trusts its superuser on the socket
    bootstrapped = _cli(site, "bootstrap", env)
    assert bootstrapped.returncode == 0, bootstrapped.stderr
    migrated = _cli(site, "migrate", env)
    assert migrated.returncode == 0, migrated.stderr
    assert "0004_review_and_abuse_limits" in migrated.stdout
    for value in (owner_password, login_password):
        assert value not in bootstrapped.stdout + bootstrapped.stderr + migrated.stdout + migrated.stderr
    with psycopg.connect(pg.superuser_conninfo(f"db_{suffix}"), autocommit=True) as admin:
        assert admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (owner,)).fetchone() == (False,)
        assert admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
                             ).fetchone() == (owner,)
        owners = {r[0] for r in admin.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = 'catalog'")}
        assert owners == {owner}
    login_settings = pg.settings(login, login_password)
    with psycopg.connect(dataclasses.replace(login_settings, dbname=f"db_{suffix}").conninfo(),
                         autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM catalog.topics").fetchone()[0] == 8
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(dataclasses.replace(login_settings, dbname="template1").conninfo()).close()


def test_migrate_refuses_a_superuser_owner(pg, site):
    env = dict(os.environ, PGHOST=str(pg.socket_dir), PGPORT=str(pg.port), PGDATABASE=pg.dbname,
               PGSSLMODE="disable", PGOWNERUSERNAME="postgres", PGOWNERPASSWORD="unused-by-trust",
               PGUSERNAME=f"web_{secrets.token_hex(3)}", PGPASSWORD=secrets.token_urlsafe(18))
    env[PROVIDER_VARIABLE] = "env"
    result = _cli(site, "migrate", env)
    assert result.returncode == 2
    assert "PGOWNERUSERNAME" in result.stderr and "superuser" in result.stderr
    assert "Traceback" not in result.stderr

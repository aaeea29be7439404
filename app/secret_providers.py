"""Where the app's secrets come from: one interface, three real sources.

* ``EnvSecretProvider``: process environment (local runs, CI).
* ``KeyPerFileSecretProvider``: one file per secret in a directory, the layout
  that the Key Vault Secrets Store CSI driver and Docker/Compose secrets mount.
* ``KeyVaultSecretProvider``: Azure Key Vault, authenticated with
  ``DefaultAzureCredential`` (a managed identity when deployed).

Secret names follow Key Vault's rules (letters, digits and dashes), e.g.
``PGUSERNAME``. Errors name the secret, never its value.
"""
from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.config_error import ConfigError

# Key Vault allows 1-127 characters of [0-9a-zA-Z-]; the same rule keeps a
# name from ever being a path (no "/" or "..") in the file provider.
_SECRET_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")

DEFAULT_SECRETS_DIR = Path("/mnt/secrets-store")
# Environment variables that choose the provider and, for "file", its directory.
PROVIDER_VARIABLE = "SECRETS_PROVIDER"
DIRECTORY_VARIABLE = "SECRETS_DIR"


class SecretError(RuntimeError):
    """A secret could not be read. The message names the secret only."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"secret {name!r} {reason}")
        self.secret_name = name


class MissingSecretError(SecretError):
    """The secret does not exist, or is empty, in the configured source."""

    def __init__(self, name: str, source: str) -> None:
        super().__init__(name, f"is missing from {source}")


class SecretProvider(ABC):
    """Read a named secret; raise ``MissingSecretError`` when it is absent."""

    @property
    @abstractmethod
    def source(self) -> str:
        """A human description of the source, for error messages."""

    @abstractmethod
    def _lookup(self, name: str) -> str | None:
        """Return the raw value, or None when the secret does not exist."""

    def get(self, name: str) -> str:
        if not _SECRET_NAME.match(name):
            raise SecretError(name, "is not a valid secret name")
        value = self._lookup(name)
        if value is None or value == "":
            raise MissingSecretError(name, self.source)
        return value


class EnvSecretProvider(SecretProvider):
    """Secrets from environment variables; ``FLASK-SECRET-KEY`` is read from
    ``FLASK_SECRET_KEY`` because dashes are awkward in variable names."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    @property
    def source(self) -> str:
        return "the environment"

    @staticmethod
    def variable_for(name: str) -> str:
        return name.replace("-", "_").upper()

    def _lookup(self, name: str) -> str | None:
        return self._environ.get(self.variable_for(name))


class KeyPerFileSecretProvider(SecretProvider):
    """Secrets as files named after the secret (the CSI driver pattern).

    Kubernetes mounts files as symlinks into a ``..data`` directory, so links
    are followed, but only to targets inside the mount.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)

    @property
    def source(self) -> str:
        return f"the secrets directory {self._directory}"

    def _lookup(self, name: str) -> str | None:
        root = self._directory.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        value = path.read_text(encoding="utf-8")
        # Files written by `echo` or editors end with a newline that is not
        # part of the secret; anything else is kept byte for byte.
        return value[:-1] if value.endswith("\n") else value


class KeyVaultSecretProvider(SecretProvider):
    """Secrets from Azure Key Vault through azure-keyvault-secrets.

    ``credential`` defaults to ``DefaultAzureCredential`` (managed identity,
    workload identity, environment, or a developer's Azure CLI login).
    ``client_options`` go to ``SecretClient`` unchanged (transport settings).
    """

    def __init__(self, vault_url: str, credential: Any = None, **client_options: Any) -> None:
        # Imported here so that the other providers work without the Azure SDK loaded.
        from azure.keyvault.secrets import SecretClient  # pylint: disable=import-outside-toplevel

        if credential is None:
            from azure.identity import DefaultAzureCredential  # pylint: disable=import-outside-toplevel

            credential = DefaultAzureCredential()
        self._vault_url = vault_url
        self._client = SecretClient(vault_url=vault_url, credential=credential, **client_options)

    @property
    def source(self) -> str:
        return f"the key vault {self._vault_url}"

    def _lookup(self, name: str) -> str | None:
        from azure.core.exceptions import (  # pylint: disable=import-outside-toplevel
            AzureError,
            ResourceNotFoundError,
        )

        try:
            return self._client.get_secret(name).value
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            # The SDK's message can carry request details; keep only the type.
            raise SecretError(name, f"could not be read from {self.source} ({type(exc).__name__})") from None


def provider_from_env(environ: Mapping[str, str] | None = None) -> SecretProvider:
    """Choose the provider named by ``SECRETS_PROVIDER`` (env, file, keyvault)."""
    environ = os.environ if environ is None else environ
    kind = environ.get(PROVIDER_VARIABLE, "env").strip().lower()
    if kind == "env":
        return EnvSecretProvider(environ)
    if kind == "file":
        return KeyPerFileSecretProvider(Path(environ.get(DIRECTORY_VARIABLE, str(DEFAULT_SECRETS_DIR))))
    if kind == "keyvault":
        vault_url = environ.get("KEY_VAULT_URL", "").strip()
        if not vault_url:
            raise ConfigError(f"{PROVIDER_VARIABLE}=keyvault needs KEY_VAULT_URL (the vault's https:// address)")
        return KeyVaultSecretProvider(vault_url)
    # The value is a provider name, not a secret, but it is not echoed either:
    # a mistyped value could be a pasted secret.
    raise ConfigError(f"{PROVIDER_VARIABLE} must be env, file or keyvault")

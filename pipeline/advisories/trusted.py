"""Where advisory truth comes from is a trusted setting: never taken from the scanned repository.

``osv_url``, ``advisory_db`` and ``safety_db`` decide which data clears a dependency. Set in the
repository's own ``pyproject.toml``, a pull request could point them at an endpoint answering ``{}``
or at a folder of its own records and pass itself. So they are accepted only from the harness's side:
the command line (``--set deps.KEY=VALUE``, ``--advisory-db``) or the harness's environment
(``SECURE_PIPELINE_OSV_URL``, ...). The repository setting is a configuration error rather than
silently ignored: ignoring it would audit against a different source than the file says, and the
author would not find out why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import read_toml
from ..options import SECTION

TRUSTED_KEYS = ("osv_url", "advisory_db", "safety_db")
STAGE = "deps"


def env_name(key: str) -> str:
    return "SECURE_PIPELINE_" + key.upper()


def value(configured: str, key: str) -> str:
    """The setting from the command line (``configured``, already in the settings), else from the harness's environment."""
    return configured or os.environ.get(env_name(key), "") or ""


def repository_settings(root: Path) -> list[str]:
    """The trusted keys the scanned repository's own ``pyproject.toml`` tries to set."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return []
    data: Any = read_toml(path)
    for part in (*SECTION.split("."), "stages", STAGE):
        data = data.get(part) if isinstance(data, dict) else None
    return [key for key in TRUSTED_KEYS if isinstance(data, dict) and key in data]


def refusal(root: Path) -> str:
    """One line naming the file and the keys, or "" when the repository sets none of them."""
    keys = repository_settings(root)
    if not keys:
        return ""
    where = f"{root / 'pyproject.toml'}: [{SECTION}.stages.{STAGE}]"
    how = ", ".join(f"--set {STAGE}.{k}=... or {env_name(k)}" for k in keys)
    return (f"{where} {', '.join(keys)}: the advisory source cannot be chosen by the scanned repository (a pull "
            f"request could point it at data that clears everything); remove it there and set it outside the "
            f"repository: {how}")


def check(root: Path) -> None:
    """Raise ConfigError (exit 3) when the repository sets a trusted key."""
    message = refusal(root)
    if message:
        raise ConfigError(message)

"""bandit: the repository's ``[tool.bandit]`` settings, vetted into a YAML file of the harness's own.

bandit cannot be made to load code from its configuration: its tests, blacklists and formatters are
entry points of installed distributions (stevedore), and ``plugin_name_pattern`` is read but unused
(bandit 1.9.4). Its configuration can only weaken the scan: ``skips`` and ``tests`` switch tests
off, ``exclude_dirs`` drops files, and a plugin's settings (``assert_used.skips``, the
``shell_injection`` function lists...) narrow what a test looks for. The harness keeps those, lists
them as weakenings, and leaves everything else out. (A ``.bandit`` file is never read: bandit looks
for one only while walking directories, and the harness passes files.)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from ..scanner import ScanError
from . import VettedConfig, listed

# The configuration names bandit 1.9.4's own tests read (@test.takes_config / gen_config).
PLUGIN_SETTINGS = frozenset({
    "assert_used", "hardcoded_tmp_directory", "markupsafe_xss", "shell_injection", "ssl_with_bad_version",
    "try_except_continue", "try_except_pass", "weak_cryptographic_key",
})
SOURCE = "pyproject.toml [tool.bandit]"


def read_settings(root: Path) -> dict[str, Any] | None:
    """The repository's [tool.bandit] table, or None when it has none."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScanError(f"cannot read [tool.bandit] from {pyproject}: {exc}") from exc
    section = data.get("tool", {}).get("bandit")
    return section if isinstance(section, dict) else None


def _names(settings: dict[str, Any], key: str) -> list[str]:
    value = settings.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScanError(f"{SOURCE}: {key} must be a list of strings, not {type(value).__name__}")
    return value


def vet(root: Path, work_dir: Path) -> VettedConfig:
    """The vetted bandit configuration; ``path`` is None when the repository has no [tool.bandit]."""
    settings = read_settings(root)
    if settings is None:
        return VettedConfig("bandit")
    vetted = VettedConfig("bandit", source=SOURCE)
    kept: dict[str, Any] = {}
    skips, tests, excluded = _names(settings, "skips"), _names(settings, "tests"), _names(settings, "exclude_dirs")
    if skips:
        kept["skips"] = skips
        vetted.weakened.append(f"skips bandit test(s): {listed(skips)}")
    if tests:
        kept["tests"] = tests
        vetted.weakened.append(f"runs only bandit test(s) {listed(tests)}; every other test is off")
    if excluded:
        # Applied by the harness (it passes files), not by bandit; listed because it drops files.
        vetted.weakened.append(f"excludes from bandit: {listed(excluded)}")
    tuned = []
    for key, value in settings.items():
        if key in ("skips", "tests", "exclude_dirs"):
            continue
        if key in PLUGIN_SETTINGS:
            if not isinstance(value, dict):
                raise ScanError(f"{SOURCE}: {key} must be a table of settings, not {type(value).__name__}")
            kept[key] = value
            tuned.append(key)
        else:
            vetted.dropped.append(f"{key} (not a setting bandit reads from [tool.bandit])")
    if tuned:
        vetted.weakened.append(f"changes what bandit test(s) look for: {listed(tuned)}")
    vetted.path = work_dir / "bandit-vetted.yaml"
    vetted.path.write_text(yaml.safe_dump(kept, sort_keys=False) if kept else "{}\n", encoding="utf-8")
    return vetted

"""hadolint: the repository's ``.hadolint.yaml``, vetted into an explicit file of the harness's own.

hadolint loads no code from its configuration, but it reads one on its own (the working folder,
then XDG and home folders) and every key it knows can only tune or weaken the lint: ``ignored``
switches rules off, ``override`` moves rules to another level. The harness always passes ``-c``
with the file written here (``-c`` turns hadolint's discovery off), keeps the rule settings and
lists them, and leaves out what it decides itself (output format, exit status).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..scanner import ScanError
from . import VettedConfig, inside, listed, load_yaml_mapping, relative

REPO_CONFIGS = (".hadolint.yaml", ".hadolint.yml", ".config/hadolint.yaml", ".config/hadolint.yml")
LEVELS = ("error", "warning", "info", "style")
# Settings the harness decides; failure-threshold and no-fail only change the exit status, which
# the harness fixes with --no-fail and does not read.
_HARNESS_KEYS = {"format": "the harness reads JSON", "no-color": "the harness reads JSON",
                 "no-fail": "the harness passes --no-fail", "failure-threshold": "the harness reads findings, not the exit code",
                 "verbose": "a command-line switch"}
_KEPT_LISTS = ("ignored", "trustedRegistries")
_KEPT_BOOLS = ("strict-labels", "disable-ignore-pragma")


def find_config(root: Path, configured: str = "") -> Path | None:
    if configured:
        path = inside(root, configured, "configured hadolint_config")
        if not path.is_file():
            raise ScanError(f"configured hadolint_config {configured!r} does not exist")
        return path
    return next((root / name for name in REPO_CONFIGS if (root / name).is_file()), None)


def _strings(value: Any, source: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScanError(f"could not read its configuration {source}: {key} must be a list of strings")
    return value


def vet(root: Path, work_dir: Path, configured: str = "") -> VettedConfig:
    """Always a file to pass with -c; ``source`` is '' when the repository has no configuration."""
    found = find_config(root, configured)
    vetted = VettedConfig("hadolint", source=relative(root, found) if found else "")
    kept: dict[str, Any] = {}
    if found is not None:
        kept = _vet_settings(load_yaml_mapping(found, vetted.source), vetted)
    vetted.path = work_dir / "hadolint-vetted.yaml"
    # hadolint rejects a file with no keys, so an empty configuration is spelt out.
    vetted.path.write_text(yaml.safe_dump(kept or {"ignored": []}, sort_keys=False), encoding="utf-8")
    return vetted


def _vet_settings(data: dict[str, Any], vetted: VettedConfig) -> dict[str, Any]:
    source = vetted.source
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key in _KEPT_LISTS:
            kept[key] = _strings(value, source, key)
        elif key in _KEPT_BOOLS:
            if not isinstance(value, bool):
                raise ScanError(f"could not read its configuration {source}: {key} must be true or false")
            kept[key] = value
        elif key == "label-schema":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ScanError(f"could not read its configuration {source}: label-schema must map labels to types")
            kept[key] = {str(k): v for k, v in value.items()}
        elif key == "override":
            if not isinstance(value, dict) or not set(value) <= set(LEVELS):
                raise ScanError(f"could not read its configuration {source}: override must map "
                                f"{'/'.join(LEVELS)} to lists of rules")
            kept[key] = {level: _strings(rules, source, f"override.{level}") for level, rules in value.items()}
        elif key in _HARNESS_KEYS:
            vetted.dropped.append(f"{key} ({_HARNESS_KEYS[key]})")
        else:
            vetted.dropped.append(f"{key} (not a hadolint setting)")
    if kept.get("ignored"):
        vetted.weakened.append(f"ignores hadolint rule(s): {listed(kept['ignored'])}")
    moved = [f"{rule}->{level}" for level, rules in kept.get("override", {}).items() for rule in rules]
    if moved:
        vetted.weakened.append(f"changes the level of hadolint rule(s): {listed(moved)}")
    return kept

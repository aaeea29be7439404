"""zizmor: the repository's ``zizmor.yml``, vetted into one file passed with ``--config``.

zizmor loads no code from its configuration, and the harness runs it ``--offline`` (no remote
repositories, no online audits) without any token. Left alone it still discovers a configuration
for each input, walking up from the input's folder (past the repository when it is not a git
checkout), and ``ZIZMOR_CONFIG`` would name another. The harness always passes ``--config`` with
the file written here, keeping per-audit ``disable``, ``ignore``, ``config`` and ``remap`` (the
only fields zizmor 1.32 accepts) and listing each one, since each can only hide findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..scanner import ScanError
from . import VettedConfig, listed, load_yaml_mapping, relative

# Nearest to the workflows first: zizmor's discovery walks up from .github/workflows.
CONFIG_FILES = (".github/workflows/zizmor.yml", ".github/workflows/zizmor.yaml", ".github/zizmor.yml",
                ".github/zizmor.yaml", "zizmor.yml", "zizmor.yaml")
RULE_FIELDS = ("disable", "ignore", "config", "remap")


def find_config(root: Path) -> Path | None:
    return next((root / name for name in CONFIG_FILES if (root / name).is_file()), None)


def vet(root: Path, work_dir: Path) -> VettedConfig:
    """Always a file to pass with --config; ``source`` is '' when the repository has none."""
    found = find_config(root)
    vetted = VettedConfig("zizmor", source=relative(root, found) if found else "")
    rules: dict[str, Any] = {}
    if found is not None:
        rules = _vet_rules(load_yaml_mapping(found, vetted.source), vetted)
    vetted.path = work_dir / "zizmor-vetted.yml"
    vetted.path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return vetted


def _vet_rules(data: dict[str, Any], vetted: VettedConfig) -> dict[str, Any]:
    source = vetted.source
    for key in data:
        if key != "rules":
            vetted.dropped.append(f"{key} (not a zizmor setting)")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise ScanError(f"could not read its configuration {source}: rules must map audit names to settings")
    kept: dict[str, Any] = {}
    disabled, ignored, configured, remapped = [], [], [], []
    for audit, settings in rules.items():
        if not isinstance(settings, dict):
            raise ScanError(f"could not read its configuration {source}: rules.{audit} must be a mapping")
        kept[str(audit)] = {k: v for k, v in settings.items() if k in RULE_FIELDS}
        vetted.dropped += [f"rules.{audit}.{k} (not a zizmor rule setting)" for k in settings if k not in RULE_FIELDS]
        if settings.get("disable") is True:
            disabled.append(str(audit))
        entries = settings.get("ignore") or []
        if not isinstance(entries, list):
            raise ScanError(f"could not read its configuration {source}: rules.{audit}.ignore must be a list")
        ignored += [f"{audit} in {entry}" for entry in entries]
        if settings.get("config"):
            configured.append(str(audit))
        if settings.get("remap"):
            remapped.append(str(audit))
    if disabled:
        vetted.weakened.append(f"disables zizmor audit(s): {listed(disabled)}")
    if ignored:
        vetted.weakened.append(f"ignores {len(ignored)} zizmor finding location(s): {listed(ignored)}")
    if configured:
        vetted.weakened.append(f"changes the settings of zizmor audit(s): {listed(configured)}")
    if remapped:
        vetted.weakened.append(f"remaps the findings of zizmor audit(s): {listed(remapped)}")
    return kept

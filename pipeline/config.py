"""Loads and validates ``[tool.secure-pipeline]`` from the target repository's ``pyproject.toml``.

Every key is declared (here, in a StageSpec, or by a scanner); an unknown key, a wrong type or a
bad date is a ConfigError naming the file, the key and the problem. A repository without any
configuration gets the documented defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import errors
from .files import read_toml
from .options import (
    SECTION,
    TOOL_OVERRIDE_KEYS,
    GlobalSettings,
    Option,
    OptionError,
    StageConfig,
    options_of,
    values_of,
    with_values,
)
from .registry import scanners_for, stage_names, stage_spec

__all__ = ["SECTION", "GLOBAL_OPTIONS", "TOOL_OVERRIDE_KEYS", "ConfigError", "Config", "GlobalSettings", "StageConfig",
           "from_mapping", "load", "read_toml", "stage_config", "stage_defaults", "stage_options"]


GLOBAL_OPTIONS: tuple[Option, ...] = options_of(GlobalSettings)  # derived from the fields, for the docs


# Bad configuration or usage (exit code 3); defined in the leaf errors module, re-exported here.
ConfigError = errors.ConfigError


@dataclass
class Config:
    root: Path
    source: Path | None  # the pyproject.toml read, or None when the tree has none
    settings: GlobalSettings
    stages: dict[str, StageConfig]

    @property
    def values(self) -> Mapping[str, Any]:
        """Read-only ``{key: value}`` of the global options (transition: code reads ``settings.KEY``)."""
        return MappingProxyType(values_of(self.settings))

    def __getitem__(self, key: str) -> Any:  # transition: read config.settings.KEY
        return self.values[key]

    def resolve(self, relative: str) -> Path:
        """A configured path (``settings.baseline_file``...) made absolute under the root."""
        # Absolute but not resolved: messages must name the file the configuration names, not
        # whatever a symlink points at (/dev/zero).
        return Path(os.path.abspath(self.root / relative))

    def path(self, key: str) -> Path:  # transition: use resolve(settings.KEY)
        return self.resolve(str(self.values[key]))

    @property
    def selected_stages(self) -> list[str]:
        return list(self.settings.run) or list(self.stages)


def _where(source: Path | None) -> str:
    return str(source) if source else "(defaults)"


def _coerce(option: Option, value: Any, source: Path | None, table: str) -> Any:
    try:
        return option.coerce(value)
    except OptionError as exc:
        raise ConfigError(f"{_where(source)}: [{table}] {option.key}: {exc}") from exc


def _default_stage_config(name: str) -> StageConfig:
    """A stage at its declared defaults: its settings dataclass, each scanner's, and its tools' gate defaults."""
    spec = stage_spec(name)
    return StageConfig(name, spec.settings(), MappingProxyType({s.name: s.settings_type() for s in scanners_for(name)}),
                       MappingProxyType({t: MappingProxyType(dict(v)) for t, v in spec.tool_defaults.items()}))


def stage_options(stage: str) -> dict[str, Option]:
    """Every option a stage accepts: the common ones, the stage's own and its scanners'."""
    return {key: option for key, (_owner, option) in _default_stage_config(stage).owners().items()}


def stage_config(name: str, raw: Mapping[str, Any] | None = None, source: Path | None = None) -> StageConfig:
    """One stage's table validated and built once (``raw`` as read from TOML; None: the defaults)."""
    base = _default_stage_config(name)
    table = f"{SECTION}.stages.{name}"
    declared = {key: option for key, (_owner, option) in base.owners().items()}
    values: dict[str, Any] = {}
    tools: dict[str, dict[str, Any]] = {t: dict(v) for t, v in base.tools.items()}
    tool_names = set(base.scanners)
    for key, value in (raw or {}).items():
        if key == "tools":
            if not isinstance(value, dict):
                raise ConfigError(f"{_where(source)}: [{table}] tools: expected a table of tool names")
            for tool, overrides in value.items():
                if tool not in tool_names:
                    raise ConfigError(
                        f"{_where(source)}: [{table}.tools] {tool}: unknown tool for stage {name!r} "
                        f"(known: {', '.join(sorted(tool_names))})"
                    )
                if not isinstance(overrides, dict):
                    raise ConfigError(f"{_where(source)}: [{table}.tools] {tool}: expected a table")
                for okey, ovalue in overrides.items():
                    if okey not in TOOL_OVERRIDE_KEYS:
                        raise ConfigError(
                            f"{_where(source)}: [{table}.tools.{tool}] {okey}: unknown key "
                            f"(known: {', '.join(TOOL_OVERRIDE_KEYS)})"
                        )
                    tools.setdefault(tool, {})[okey] = _coerce(declared[okey], ovalue, source, f"{table}.tools.{tool}")
            continue
        if key not in declared:
            raise ConfigError(
                f"{_where(source)}: [{table}] {key}: unknown key (known: {', '.join(sorted([*declared, 'tools']))})"
            )
        values[key] = _coerce(declared[key], value, source, table)
    built = base.with_values(values)
    return StageConfig(name, built.settings, built.scanners,
                       MappingProxyType({t: MappingProxyType(v) for t, v in tools.items()}))


def from_mapping(root: Path, raw: dict[str, Any], source: Path | None) -> Config:
    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(source)}: [{SECTION}] must be a table")
    declared = {o.key: o for o in GLOBAL_OPTIONS}
    values: dict[str, Any] = {}
    raw_stages: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "stages":
            if not isinstance(value, dict):
                raise ConfigError(f"{_where(source)}: [{SECTION}] stages: expected tables [{SECTION}.stages.NAME]; "
                                  "the list of stages to run is the `run` key")
            raw_stages = value
            continue
        if key == "stage":
            raise ConfigError(f"{_where(source)}: [{SECTION}] stage: unknown key; "
                              f"per-stage settings go under [{SECTION}.stages.NAME]")
        if key not in declared:
            raise ConfigError(
                f"{_where(source)}: [{SECTION}] {key}: unknown key (known: {', '.join(sorted([*declared, 'stages']))})"
            )
        values[key] = _coerce(declared[key], value, source, SECTION)
    settings = with_values(GlobalSettings(), values)
    known = stage_names()
    unknown = [s for s in settings.run if s not in known]
    if unknown:
        raise ConfigError(f"{_where(source)}: [{SECTION}] run: unknown stage(s) {', '.join(unknown)} (known: {', '.join(known)})")
    stages: dict[str, StageConfig] = {}
    for name in known:
        stage_raw = raw_stages.get(name, {})
        if not isinstance(stage_raw, dict):
            raise ConfigError(f"{_where(source)}: [{SECTION}.stages] {name}: expected a table")
        stages[name] = stage_config(name, stage_raw, source)
    extra = [s for s in raw_stages if s not in known]
    if extra:
        raise ConfigError(f"{_where(source)}: [{SECTION}.stages] {extra[0]}: unknown stage (known: {', '.join(known)})")
    return Config(root=root, source=source, settings=settings, stages=stages)


def stage_defaults(stage: str) -> dict[str, Any]:
    """Every option of a stage at its declared default, by key (transition: use ``stage_config(stage)``)."""
    return dict(stage_config(stage).values)


def load(root: Path, config_file: Path | None = None) -> Config:
    """Read ``[tool.secure-pipeline]`` from ``config_file`` or ``ROOT/pyproject.toml`` (defaults when absent)."""
    root = root.resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: --root is not a directory")
    path = config_file or root / "pyproject.toml"
    if not path.exists():
        if config_file is not None:
            raise ConfigError(f"{path}: configuration file not found")
        return from_mapping(root, {}, None)
    data = read_toml(path)
    section = data.get("tool", {}).get("secure-pipeline", {})
    return from_mapping(root, section, path)

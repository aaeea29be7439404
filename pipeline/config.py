"""Loads and validates ``[tool.secure-pipeline]`` from the target repository's ``pyproject.toml``.

Every key is declared (here, in a StageSpec, or by a scanner); an unknown key, a wrong type or a
bad date is a ConfigError naming the file, the key and the problem. A repository without any
configuration gets the documented defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors
from .options import COMMON_STAGE_OPTIONS, Option, OptionError

SECTION = "tool.secure-pipeline"

GLOBAL_OPTIONS: tuple[Option, ...] = (
    Option("run", "list[str]", [], "Stages that `pipeline run all` (and `nox -s all`) runs; empty means every registered stage."),
    Option("paths", "list[str]", ["."], "Folders (relative to the root) whose files are scanned."),
    Option("exclude", "list[str]", [],
           "Glob patterns of repo-relative paths never scanned (`tests/fixtures/**`); a bare name matches any path component."),
    Option("reports_dir", "str", "reports", "Where stage reports and the verdict's reports are written."),
    Option("suppressions_file", "str", ".secure-pipeline/suppressions.toml",
           "The one file of suppressions (rule/fingerprint/path, owner, reason, expiry)."),
    Option("baseline_file", "str", ".secure-pipeline/baseline.json",
           "The baseline of accepted findings (`pipeline baseline update`)."),
    Option("max_parallel", "int", 0, "How many tools run at once; 0 means one per requested tool."),
    Option("top_findings", "int", 20, "How many findings the console, Markdown and HTML summaries list first."),
    Option("sarif_include_hints", "bool", False,
           "Also send non-blocking new findings (hints) to GitHub code scanning; by default only blocking ones go there "
           "(every finding is in secure-pipeline-full.sarif)."),
    Option("max_suppression_days", "int", 180,
           "Longest a suppression may run: an `expires` further than this many days from today is a configuration error."),
    Option("policy_approvers", "list[str]", [],
           "Who may approve a pull request that weakens this policy (e.g. CODEOWNERS teams); shown in the verdict. "
           "Read from the base branch only; the approval itself comes from the workflow "
           "(--policy-approved or SECURE_PIPELINE_POLICY_APPROVED), never from the repository."),
)
TOOL_OVERRIDE_KEYS = ("fail_severity", "fail_confidence", "timeout")


# Bad configuration or usage (exit code 3); defined in the leaf errors module, re-exported here.
ConfigError = errors.ConfigError


@dataclass
class StageConfig:
    name: str
    values: dict[str, Any]
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def for_tool(self, tool: str, key: str) -> Any:
        return self.tools.get(tool, {}).get(key, self.values[key])


@dataclass
class Config:
    root: Path
    source: Path | None  # the pyproject.toml read, or None when the tree has none
    values: dict[str, Any]
    stages: dict[str, StageConfig]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def path(self, key: str) -> Path:
        # Absolute but not resolved: messages must name the file the configuration names, not
        # whatever a symlink points at (/dev/zero).
        return Path(os.path.abspath(self.root / self.values[key]))

    @property
    def selected_stages(self) -> list[str]:
        return list(self.values["run"]) or list(self.stages)


def _where(source: Path | None) -> str:
    return str(source) if source else "(defaults)"


def _coerce(option: Option, value: Any, source: Path | None, table: str) -> Any:
    try:
        return option.coerce(value)
    except OptionError as exc:
        raise ConfigError(f"{_where(source)}: [{table}] {option.key}: {exc}") from exc


def stage_options(stage: str) -> dict[str, Option]:
    """Every option a stage accepts: the common ones, the stage's own and its scanners'."""
    from .registry import scanners_for, stage_spec  # late import: the registry imports adapters

    spec = stage_spec(stage)
    declared: dict[str, Option] = {o.key: o for o in COMMON_STAGE_OPTIONS}
    for option in spec.options:
        declared[option.key] = option
    for scanner in scanners_for(stage):
        for option in scanner.options:
            declared[option.key] = option
    return declared


def _stage_config(name: str, raw: dict[str, Any], source: Path | None) -> StageConfig:
    from .registry import scanners_for, stage_spec

    spec = stage_spec(name)
    table = f"{SECTION}.stages.{name}"
    declared = stage_options(name)
    values: dict[str, Any] = {}
    for key, option in declared.items():
        values[key] = spec.defaults.get(key, option.default)
    tools: dict[str, dict[str, Any]] = {t: dict(v) for t, v in spec.tool_defaults.items()}
    tool_names = {s.name for s in scanners_for(name)}
    for key, value in raw.items():
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
    return StageConfig(name, values, tools)


def from_mapping(root: Path, raw: dict[str, Any], source: Path | None) -> Config:
    from .registry import stage_names

    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(source)}: [{SECTION}] must be a table")
    declared = {o.key: o for o in GLOBAL_OPTIONS}
    values = {key: option.default for key, option in declared.items()}
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
    known = stage_names()
    unknown = [s for s in values["run"] if s not in known]
    if unknown:
        raise ConfigError(f"{_where(source)}: [{SECTION}] run: unknown stage(s) {', '.join(unknown)} (known: {', '.join(known)})")
    stages: dict[str, StageConfig] = {}
    for name in known:
        stage_raw = raw_stages.get(name, {})
        if not isinstance(stage_raw, dict):
            raise ConfigError(f"{_where(source)}: [{SECTION}.stages] {name}: expected a table")
        stages[name] = _stage_config(name, stage_raw, source)
    extra = [s for s in raw_stages if s not in known]
    if extra:
        raise ConfigError(f"{_where(source)}: [{SECTION}.stages] {extra[0]}: unknown stage (known: {', '.join(known)})")
    return Config(root=root, source=source, values=values, stages=stages)


def stage_defaults(stage: str) -> dict[str, Any]:
    """Every option of a stage at its declared default: what a repository without configuration gets."""
    return dict(_stage_config(stage, {}, None).values)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content, or a ConfigError naming the file and what is wrong with it."""
    from .files import read_regular_file  # late import: files.py is a leaf module, keep it one

    try:
        return tomllib.loads(read_regular_file(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


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

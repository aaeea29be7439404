"""Typed settings: each stage and each scanner declares a frozen dataclass of the options it reads.

A field is one option: its annotation is the type, ``setting(default, doc)`` gives the default and
the sentence that documents it (written once, here). The configuration loader validates user input
against the fields (``Option``, derived from them, does the coercion and says what is wrong), builds
each dataclass once, and the README's configuration reference is generated from the same fields.
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from .model import Confidence, Severity

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")

SECTION = "tool.secure-pipeline"  # where a repository's pyproject.toml keeps these settings

# "never" turns a severity gate off for a stage (the gate then comes from elsewhere, e.g. ZAP's rules file).
SEVERITY_CHOICES = tuple(s.label for s in Severity) + ("never",)
CONFIDENCE_CHOICES = ("low", "medium", "high")


class OptionError(ValueError):
    """A value that does not fit its option; the loader adds file and key."""


@dataclass(frozen=True)
class Option:
    key: str
    kind: str  # str | int | float | bool | list[str] | severity | confidence | date
    default: Any
    doc: str
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> Any:
        kind = self.kind
        if kind == "bool":
            if not isinstance(value, bool):
                raise OptionError(f"expected true or false, got {value!r}")
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"expected an integer, got {value!r}")
            if value < 0:
                raise OptionError(f"must not be negative, got {value}")
            return value
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise OptionError(f"expected a number, got {value!r}")
            if value <= 0:
                raise OptionError(f"must be positive, got {value}")
            return float(value)
        if kind == "list[str]":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"expected a list of strings, got {value!r}")
            if self.choices:
                bad = [v for v in value if v not in self.choices]
                if bad:
                    raise OptionError(f"unknown value(s) {', '.join(map(repr, bad))}; expected any of {', '.join(self.choices)}")
            return list(value)
        if kind == "date":
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError as exc:
                    raise OptionError(f"expected a date like 2027-01-31, got {value!r}") from exc
            raise OptionError(f"expected a date like 2027-01-31, got {value!r}")
        if not isinstance(value, str):
            raise OptionError(f"expected a string, got {value!r}")
        choices = self.choices
        if kind == "severity":
            choices = SEVERITY_CHOICES
        elif kind == "confidence":
            choices = CONFIDENCE_CHOICES
        if choices and value.lower() not in choices:
            raise OptionError(f"{value!r} is not one of {', '.join(choices)}")
        return value.lower() if kind in ("severity", "confidence") else value

    def parse_text(self, text: str) -> Any:
        """Coerce a command-line ``KEY=VALUE`` string."""
        kind = self.kind
        if kind == "bool":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise OptionError(f"expected true or false, got {text!r}")
            return self.coerce(lowered in ("true", "1", "yes"))
        if kind == "int":
            try:
                return self.coerce(int(text))
            except ValueError as exc:
                raise OptionError(f"expected an integer, got {text!r}") from exc
        if kind == "float":
            try:
                return self.coerce(float(text))
            except ValueError as exc:
                raise OptionError(f"expected a number, got {text!r}") from exc
        if kind == "list[str]":
            return self.coerce([part.strip() for part in text.split(",") if part.strip()])
        return self.coerce(text)


def severity_threshold(label: str) -> Severity | None:
    """The minimum severity that fails, or None for 'never'."""
    return None if label == "never" else Severity.parse(label)


def confidence_threshold(label: str) -> Confidence:
    return Confidence.parse(label)


# --- declaring settings ------------------------------------------------------------------------------

def setting(default: T, doc: str, *, kind: str = "", choices: tuple[str, ...] = ()) -> T:
    """One option of a settings dataclass: its default and the sentence the README shows.

    ``kind`` names a kind the annotation cannot (``severity``, ``confidence``: strings with fixed choices).
    Typed as the default so that ``max_depth: int = setting(5, "...")`` type-checks as a default.
    """
    made: Any = field(default=default, metadata={"doc": doc, "kind": kind, "choices": choices})
    return typing.cast(T, made)


def override(base: type[DataclassInstance], name: str, default: T) -> T:
    """Redeclare ``base``'s field ``name`` with another default (a stage's own gate): the doc stays in ``base``."""
    inherited: Field[Any] = {f.name: f for f in fields(base)}[name]
    made: Any = field(default=default, metadata=inherited.metadata)
    return typing.cast(T, made)


_KINDS: dict[object, str] = {bool: "bool", int: "int", float: "float", str: "str", tuple[str, ...]: "list[str]",
                             dt.date: "date"}


def options_of(kind: type[DataclassInstance]) -> tuple[Option, ...]:
    """The options a settings dataclass declares, in field order, for validation and the README."""
    hints = typing.get_type_hints(kind)
    declared: list[Option] = []
    for item in fields(kind):
        meta = item.metadata
        if "doc" not in meta:
            raise TypeError(f"{kind.__name__}.{item.name}: declare it with setting(default, doc)")
        type_kind = meta["kind"] or _KINDS.get(hints[item.name])
        if type_kind is None:
            raise TypeError(f"{kind.__name__}.{item.name}: unsupported setting type {hints[item.name]!r}")
        declared.append(Option(item.name, type_kind, item.default, meta["doc"], meta["choices"]))
    return tuple(declared)


def redeclared(kind: type[DataclassInstance], base: type[DataclassInstance]) -> list[str]:
    """The fields of ``base`` that ``kind`` gives its own default (a stage's own gate thresholds), in field order."""
    own = {name for klass in kind.__mro__ if klass is not base and issubclass(klass, base)
           for name in inspect.get_annotations(klass)}
    return [f.name for f in fields(base) if f.name in own]


def values_of(settings: DataclassInstance) -> dict[str, Any]:
    """A settings object as ``{key: value}`` (lists shown as lists, as the configuration file writes them)."""
    return {f.name: list(v) if isinstance(v := getattr(settings, f.name), tuple) else v for f in fields(settings)}


def with_values(settings: D, values: Mapping[str, Any]) -> D:
    """A copy with coerced values set (a list becomes the field's tuple)."""
    return replace(settings, **{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


# --- the repository-wide settings ----------------------------------------------------------------------

@dataclass(frozen=True)
class GlobalSettings:
    """``[tool.secure-pipeline]``: what runs, over which files, and where the reports and policy files are."""

    run: tuple[str, ...] = setting(
        (), "Stages that `pipeline run all` (and `nox -s all`) runs; empty means every registered stage.")
    paths: tuple[str, ...] = setting((".",), "Folders (relative to the root) whose files are scanned.")
    exclude: tuple[str, ...] = setting(
        (), "Glob patterns of repo-relative paths never scanned (`tests/fixtures/**`); a bare name matches any path component.")
    reports_dir: str = setting("reports", "Where stage reports and the verdict's reports are written.")
    suppressions_file: str = setting(".secure-pipeline/suppressions.toml",
                                     "The one file of suppressions (rule/fingerprint/path, owner, reason, expiry).")
    baseline_file: str = setting(".secure-pipeline/baseline.json",
                                 "The baseline of accepted findings (`pipeline baseline update`).")
    max_parallel: int = setting(0, "How many tools run at once; 0 means one per requested tool.")
    top_findings: int = setting(20, "How many findings the console, Markdown and HTML summaries list first.")
    sarif_include_hints: bool = setting(
        False, "Also send non-blocking new findings (hints) to GitHub code scanning; by default only blocking ones go there "
               "(every finding is in secure-pipeline-full.sarif).")
    max_suppression_days: int = setting(
        180, "Longest a suppression may run: an `expires` further than this many days from today is a configuration error.")
    policy_approvers: tuple[str, ...] = setting(
        (), "Who may approve a pull request that weakens this policy (e.g. CODEOWNERS teams); shown in the verdict. "
            "Read from the base branch only; the approval itself comes from the workflow "
            "(--policy-approved or SECURE_PIPELINE_POLICY_APPROVED), never from the repository.")


# --- the settings every stage has ---------------------------------------------------------------------

@dataclass(frozen=True)
class StageSettings:
    """Options every stage has; a stage redeclares a field with ``override`` to change its default."""

    required: bool = setting(True,
                             "A stage in error fails the gate. With `false` it is still shown as an error, never as passed, "
                             "but does not fail the verdict.")
    fail_severity: str = setting("medium",
                                 "New findings at or above this severity fail the gate (`never` disables the severity gate).",
                                 kind="severity")
    fail_confidence: str = setting("low",
                                   "...and at or above this confidence (findings whose tool gives no confidence always qualify).",
                                   kind="confidence")
    timeout: float = setting(600.0, "Seconds each tool of the stage may run before its process group is killed.")


@dataclass(frozen=True)
class NoSettings:
    """The settings of a scanner without options of its own."""


TOOL_OVERRIDE_KEYS = ("fail_severity", "fail_confidence", "timeout")

# Derived, for readers of the declaration list (the docs test); the declaration is StageSettings.
COMMON_STAGE_OPTIONS: tuple[Option, ...] = options_of(StageSettings)


@dataclass(frozen=True)
class StageConfig:
    """One stage's validated settings: the stage's own, each scanner's, and per-tool gate overrides."""

    name: str
    settings: StageSettings
    scanners: Mapping[str, DataclassInstance] = field(default_factory=dict)  # scanner name -> its settings
    # Per-tool overrides of TOOL_OVERRIDE_KEYS, coerced, e.g. {"pyflakes": {"fail_severity": "low"}}.
    tools: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def owners(self) -> dict[str, tuple[str, Option]]:
        """Every key of the stage's table: which settings object holds it ("" = the stage) and its option."""
        declared = {o.key: ("", o) for o in options_of(type(self.settings))}
        for scanner, settings in self.scanners.items():
            for option in options_of(type(settings)):
                if option.key in declared:
                    raise TypeError(f"stage {self.name}: option {option.key!r} is declared twice")
                declared[option.key] = (scanner, option)
        return declared

    def with_values(self, values: Mapping[str, Any]) -> StageConfig:
        """A copy with already coerced ``values`` (keys of any owner) set."""
        owners = self.owners()
        own = {k: v for k, v in values.items() if owners[k][0] == ""}
        scanners = dict(self.scanners)
        for scanner in scanners:
            theirs = {k: v for k, v in values.items() if owners[k][0] == scanner}
            if theirs:
                scanners[scanner] = with_values(scanners[scanner], theirs)
        return replace(self, settings=with_values(self.settings, own), scanners=MappingProxyType(scanners))

    def of(self, kind: type[T]) -> T:
        """The settings object of this type (the stage's, or one scanner's): typed access for an adapter."""
        for candidate in (self.settings, *self.scanners.values()):
            if isinstance(candidate, kind) and type(candidate) is kind:
                return candidate
        raise LookupError(f"stage {self.name} has no settings of type {kind.__name__}")

    def tool_settings(self, tool: str) -> StageSettings:
        """The stage's settings with ``tool``'s gate overrides applied (fail_severity, fail_confidence, timeout)."""
        overrides = self.tools.get(tool)
        return replace(self.settings, **overrides) if overrides else self.settings

    @property
    def values(self) -> Mapping[str, Any]:
        """Read-only ``{key: value}`` of every option of the stage (transition: code reads typed attributes)."""
        merged = values_of(self.settings)
        for settings in self.scanners.values():
            merged.update(values_of(settings))
        return MappingProxyType(merged)

    def __getitem__(self, key: str) -> Any:  # transition: read typed attributes instead
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:  # transition
        return self.values.get(key, default)

    def for_tool(self, tool: str, key: str) -> Any:  # transition: use tool_settings(tool).KEY
        return getattr(self.tool_settings(tool), key)

"""Declared configuration options: a key, a type, a default and the sentence that documents it.

Stages and scanners declare the options they read; the configuration loader validates user input
against these declarations, and the README's configuration reference is generated from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .model import Confidence, Severity

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


# Options every stage has. Per-stage defaults override `default` through StageSpec.defaults.
COMMON_STAGE_OPTIONS: tuple[Option, ...] = (
    Option("required", "bool", True,
           "A stage in error fails the gate. With `false` it is still shown as an error, never as passed, "
           "but does not fail the verdict."),
    Option("fail_severity", "severity", "medium",
           "New findings at or above this severity fail the gate (`never` disables the severity gate)."),
    Option("fail_confidence", "confidence", "low",
           "...and at or above this confidence (findings whose tool gives no confidence always qualify)."),
    Option("timeout", "float", 600.0, "Seconds each tool of the stage may run before its process group is killed."),
)

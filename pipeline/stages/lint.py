"""The lint stage: pylint and pyflakes (and ruff, when enabled), one problem reported by several counting once."""

from __future__ import annotations

from dataclasses import dataclass

from ..options import StageSettings, override
from ..stage import StageSpec


@dataclass(frozen=True)
class LintSettings(StageSettings):
    """The lint stage's gate: pylint errors, every pyflakes and ruff finding (tool_defaults)."""

    fail_severity: str = override(StageSettings, "fail_severity", "high")


SPEC = StageSpec(
    name="lint",
    description="pylint (JSON) and pyflakes (and optionally ruff's S and F rules), merged; fails on pyflakes findings and "
                "pylint errors, reports conventions.",
    settings=LintSettings,
    # Every pyflakes finding is a real defect (dead import, undefined name), so any of them fails.
    tool_defaults={"pyflakes": {"fail_severity": "low"}, "ruff": {"fail_severity": "low"}},
    merge_same_problem=True,
)

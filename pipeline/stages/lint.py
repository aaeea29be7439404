"""The lint stage: pylint and pyflakes (and ruff, when enabled), one problem reported by several counting once."""

from __future__ import annotations

from ..stage import StageSpec

SPEC = StageSpec(
    name="lint",
    description="pylint (JSON) and pyflakes (and optionally ruff's S and F rules), merged; fails on pyflakes findings and "
                "pylint errors, reports conventions.",
    defaults={"fail_severity": "high"},
    # Every pyflakes finding is a real defect (dead import, undefined name), so any of them fails.
    tool_defaults={"pyflakes": {"fail_severity": "low"}, "ruff": {"fail_severity": "low"}},
    merge_same_problem=True,
)

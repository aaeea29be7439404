"""The SAST stage: bandit."""

from ..stage import StageSpec

SPEC = StageSpec(
    name="sast",
    description="bandit over the Python files, honouring [tool.bandit] in pyproject.toml; "
                "fails on medium+ severity with medium+ confidence.",
    defaults={"fail_severity": "medium", "fail_confidence": "medium"},
)

"""The SAST stage: bandit."""

from dataclasses import dataclass

from ..options import StageSettings, override
from ..stage import StageSpec


@dataclass(frozen=True)
class SastSettings(StageSettings):
    """The SAST stage's gate: medium+ severity with medium+ confidence."""

    fail_severity: str = override(StageSettings, "fail_severity", "medium")
    fail_confidence: str = override(StageSettings, "fail_confidence", "medium")


SPEC = StageSpec(
    name="sast",
    description="bandit over the Python files, honouring [tool.bandit] in pyproject.toml; "
                "fails on medium+ severity with medium+ confidence.",
    settings=SastSettings,
)

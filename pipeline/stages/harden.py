"""The harden stage: the build itself must be secure. zizmor audits the GitHub Actions workflows,
action definitions and Dependabot configuration; hadolint lints every Dockerfile; checkov checks the
infrastructure as code (Bicep, ARM), the Dockerfiles and the workflows."""

from dataclasses import dataclass

from ..options import StageSettings, override
from ..stage import StageSpec


@dataclass(frozen=True)
class HardenSettings(StageSettings):
    """The harden stage's gate."""

    fail_severity: str = override(StageSettings, "fail_severity", "medium")
    fail_confidence: str = override(StageSettings, "fail_confidence", "low")
    timeout: float = override(StageSettings, "timeout", 300.0)


SPEC = StageSpec(
    name="harden",
    description="zizmor (offline) over the GitHub Actions files, hadolint over every Dockerfile and checkov "
                "(offline) over Bicep, ARM, Dockerfiles and workflows; fails on medium+ severity (zizmor "
                "medium/high, hadolint warning/error, every failed checkov check).",
    # Template injection, unpinned actions, broad permissions and persisted credentials are medium or
    # high in zizmor; a root USER, sudo or ADD is a hadolint warning or error. Style and info stay shown.
    settings=HardenSettings,
)

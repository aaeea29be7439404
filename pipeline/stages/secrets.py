"""The secrets stage: detect-secrets against the repository's .secrets.baseline."""

from dataclasses import dataclass

from ..options import StageSettings, override
from ..stage import StageSpec


@dataclass(frozen=True)
class SecretsSettings(StageSettings):
    """The secrets stage's gate: any new secret."""

    fail_severity: str = override(StageSettings, "fail_severity", "info")


SPEC = StageSpec(
    name="secrets",
    description="detect-secrets over the tracked files; any new secret that is not an audited false positive fails.",
    settings=SecretsSettings,
)

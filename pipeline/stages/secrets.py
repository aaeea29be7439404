"""The secrets stage: detect-secrets against the repository's .secrets.baseline."""

from ..stage import StageSpec

SPEC = StageSpec(
    name="secrets",
    description="detect-secrets over the tracked files; any new secret that is not an audited false positive fails.",
    defaults={"fail_severity": "info"},
)

"""The harden stage: the build itself must be secure. zizmor audits the GitHub Actions workflows,
action definitions and Dependabot configuration; hadolint lints every Dockerfile."""

from ..stage import StageSpec

SPEC = StageSpec(
    name="harden",
    description="zizmor (offline) over the GitHub Actions files and hadolint over every Dockerfile; "
                "fails on medium+ severity (zizmor medium/high, hadolint warning/error).",
    # Template injection, unpinned actions, broad permissions and persisted credentials are medium or
    # high in zizmor; a root USER, sudo or ADD is a hadolint warning or error. Style and info stay shown.
    defaults={"fail_severity": "medium", "fail_confidence": "low", "timeout": 300.0},
)

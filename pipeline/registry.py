"""The registry: every stage and every scanner adapter the harness knows.

Adding a scanner to a stage is one adapter file in ``pipeline/adapters/`` and one line in SCANNERS.
"""

from __future__ import annotations

from .adapters.bandit import Bandit
from .adapters.checkov import Checkov
from .adapters.detect_secrets import DetectSecrets
from .adapters.hadolint import Hadolint
from .adapters.pip_audit import PipAudit
from .adapters.pyflakes import Pyflakes
from .adapters.pylint import Pylint
from .adapters.ruff import Ruff
from .adapters.safety import Safety
from .adapters.zap import Zap
from .adapters.zizmor import Zizmor
from .scanner import Scanner
from .stage import StageSpec
from .stages import deps, harden, lint, sast, secrets, zap

STAGES: tuple[StageSpec, ...] = (
    lint.SPEC,
    sast.SPEC,
    secrets.SPEC,
    deps.SPEC,
    harden.SPEC,
    zap.SPEC,
)

SCANNERS: tuple[Scanner, ...] = (
    Pylint(),
    Pyflakes(),
    Ruff(),
    Bandit(),
    DetectSecrets(),
    PipAudit(),
    Safety(),
    Zizmor(),
    Hadolint(),
    Checkov(),
    Zap(),
)


def stage_names() -> list[str]:
    return [s.name for s in STAGES]


def stage_spec(name: str) -> StageSpec:
    for spec in STAGES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def scanners_for(stage: str) -> list[Scanner]:
    return [s for s in SCANNERS if s.stage == stage]

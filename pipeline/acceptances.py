"""Tool-side acceptances, re-derived from the repository's own files (never from a stage report).

A stage report is data anyone with the artifact can edit, so ``suppressed_by``, ``baselined_by``
and ``gate`` on its findings are ignored. Per tool:

- detect-secrets: the repository's ``.secrets.baseline`` (the secrets stage's ``secrets_baseline`` option) is read
  again; a finding whose (file, hashed secret, type) is audited ``is_secret: false`` is suppressed,
  one known but not audited is baselined, exactly as the adapter decides.
- zap: the zap-baseline.py rules file (``zap.rules_file``) is read again; its level for the rule
  gives the gate (FAIL blocks, WARN/INFO shown, IGNORE/PASS suppressed).
- checkov: the ``checkov:skip=ID:reason`` comment is read again from the finding's file, within the
  resource's lines; one with a reason suppresses, one without a reason is not honoured (as the adapter).
- safety: **not honoured.** Its ignores can come from the Safety platform's policy, which the verdict
  cannot read; put the acceptance in the suppressions file (owner, reason, expiry) instead.
- every other tool: no tool-side acceptance exists, so none is honoured.

A file the verdict cannot read or parse is a ConfigError (exit 3) naming it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .config import Config, ConfigError
from .model import Finding
from .policy import ToolAcceptance

NONE = ToolAcceptance()


class RepositoryAcceptances:
    """``policy.AcceptanceFn`` over the files of ``config.root``, each read once, lazily."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, stage: str, finding: Finding) -> ToolAcceptance:
        if finding.tool == "detect-secrets":
            return self._detect_secrets(stage, finding)
        if finding.tool == "zap":
            return self._zap(finding)
        if finding.tool == "checkov" and stage == "harden":
            return self._checkov(finding)
        return NONE

    def _checkov(self, finding: Finding) -> ToolAcceptance:
        from .adapters.checkov import suppression_in

        reason = suppression_in(self.config.root, finding)
        return ToolAcceptance(suppressed_by=f"checkov:skip: {reason}") if reason else NONE

    @cached_property
    def _secrets_baseline(self) -> tuple[str, dict[tuple[str, str, str], dict[str, Any]]]:
        from .adapters.detect_secrets import DetectSecretsSettings, load_baseline
        from .scanner import ScanError

        # An empty setting means the declared default.
        name = (self.config.stages["secrets"].of(DetectSecretsSettings).secrets_baseline
                or DetectSecretsSettings().secrets_baseline)
        try:
            return name, load_baseline(self.config.root / name)
        except ScanError as exc:
            raise ConfigError(f"{self.config.root / name}: detect-secrets: {exc}") from exc

    def _detect_secrets(self, stage: str, finding: Finding) -> ToolAcceptance:
        if stage != "secrets":
            return NONE
        name, baseline = self._secrets_baseline
        hashed = str(finding.properties.get("hashed_secret") or "")
        known = baseline.get((finding.location.path or "", hashed, finding.rule_id))
        if known is None:
            return NONE
        if known.get("is_secret") is False:
            return ToolAcceptance(suppressed_by=f"{name}: audited as a false positive")
        if known.get("is_secret") is None:
            return ToolAcceptance(baselined_by=f"{name}: known, not yet audited")
        return NONE  # is_secret: true is a confirmed real secret: it stays new and fails

    @cached_property
    def _zap_rules(self) -> Any:
        from .adapters.zap import Zap
        from .zap.settings import ZapSettings

        return Zap().rules(self.config.root, self.config.stages["zap"].of(ZapSettings))

    def _zap(self, finding: Finding) -> ToolAcceptance:
        from .zap.findings import GATE_BY_LEVEL

        rules = self._zap_rules
        level = rules.level_for(finding.rule_id)
        gate = GATE_BY_LEVEL[level]
        if gate == "ignore":
            return ToolAcceptance(suppressed_by=f"{rules.source} {level}", gate=gate)
        return ToolAcceptance(gate=gate)

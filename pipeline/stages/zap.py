"""The zap stage: a ZAP baseline scan (DAST) of the deployed sample app or of ``--target``.

The gate is the zap-baseline.py rules file (zap-config/rules.tsv): FAIL rules block, WARN and
INFO are shown, IGNORE is suppressed, so the severity gate is off for this stage.
"""

from dataclasses import dataclass

from ..options import StageSettings, override
from ..stage import StageSpec


@dataclass(frozen=True)
class ZapStageSettings(StageSettings):
    """The zap stage: the rules file gates, so the severity gate is off."""

    fail_severity: str = override(StageSettings, "fail_severity", "never")


SPEC = StageSpec(
    name="zap",
    description="ZAP baseline: spider the app and gate its passive-scan alerts on zap-config/rules.tsv "
                "(a ZAP daemon when ZAP_API_URL is set, else the embedded passive scanner).",
    settings=ZapStageSettings,
)

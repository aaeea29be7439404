"""The canonical verdict JSON, ``verdict.json`` (schema: pipeline/data/verdict.schema.json).

Everything the policy decided, in a deterministic order (stages by name, findings by rank), so two
machines that evaluate the same stage reports write the same file apart from ``generated_at``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Disposition
from ..policy import EvaluatedFinding, StageVerdict, Verdict
from ..report_io import VERDICT_SCHEMA, report_header, write_json
from .base import ReportContext
from .common import severity_totals

FILE_NAME = "verdict.json"


def _finding(item: EvaluatedFinding) -> dict[str, Any]:
    return {
        "stage": item.stage,
        "disposition": item.disposition.value,
        "blocking": item.blocking,
        "because": item.because,
        "finding": item.finding.to_dict(),
    }


def _stage(stage: StageVerdict) -> dict[str, Any]:
    return {
        "stage": stage.stage,
        "status": stage.status.value,
        "required": stage.required,
        "duration_s": round(stage.duration_s, 3),
        "reason": stage.reason,
        "counts": {
            "new": stage.count(Disposition.NEW),
            "baselined": stage.count(Disposition.BASELINED),
            "suppressed": stage.count(Disposition.SUPPRESSED),
            "fixed": stage.fixed_count,
            "blocking": stage.blocking,
        },
        "by_severity": stage.severity_counts(),
        "tools": [tool.to_dict() for tool in sorted(stage.tools, key=lambda t: t.tool)],
        "details": stage.details,
    }


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    """The canonical, JSON-safe form of a verdict."""
    return {
        **report_header(VERDICT_SCHEMA),
        "generated_at": verdict.generated_at,
        "status": verdict.status.value,
        "exit_code": verdict.exit_code,
        "headline": verdict.headline,
        "totals": {**verdict.totals(), "by_severity": severity_totals(verdict)},
        "stages": [_stage(s) for s in sorted(verdict.stages, key=lambda s: s.stage)],
        "findings": [_finding(f) for f in verdict.findings],
        "expired_suppressions": [{**sup.to_dict(), "matched": hits} for sup, hits in verdict.expired_suppressions],
        "stale_suppressions": [sup.to_dict() for sup in verdict.stale_suppressions],
        "stale_baseline": [e.to_dict() for s in sorted(verdict.stages, key=lambda s: s.stage) for e in s.fixed],
        "missing_stages": sorted(verdict.missing_stages),
        "notes": list(verdict.notes),
        "provenance": dict(verdict.provenance),
        "policy_review": verdict.policy_review.to_dict() if verdict.policy_review else None,
    }


class JsonReporter:
    name = "json"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        path = ctx.out_dir / FILE_NAME
        write_json(verdict_dict(verdict), path)
        return path

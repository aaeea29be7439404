"""The gate. This module alone decides what every finding means and what the verdict is.

Order of decisions for each finding:
1. a tool's own acceptance (an audited false positive in ``.secrets.baseline``, a rules-file IGNORE)
   marks it suppressed or baselined, as the tool says;
2. an active entry of the suppressions file suppresses it (an expired entry does not, and is listed);
3. the baseline absorbs it, by counts;
4. whatever is left is new, and blocks when it reaches the stage's (or tool's) severity and
   confidence thresholds, or when its scanner's own gate says FAIL.
A stage in error fails the verdict unless the stage is configured ``required = false``; even then it
is shown as an error. A stage that was expected but has no report is an error.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from .baseline import Baseline, BaselineEntry
from .config import Config
from .model import Confidence, Disposition, Finding, Severity, Status, ToolRun
from .options import confidence_threshold, severity_threshold
from .suppressions import Suppression

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_CONFIG = 3
GATES = ("fail", "warn", "info", "ignore")


@dataclass
class EvaluatedFinding:
    stage: str
    finding: Finding
    disposition: Disposition
    blocking: bool
    # Why it is suppressed or baselined (which suppression entry, which tool baseline).
    because: str = ""

    def rank_key(self) -> tuple:
        f = self.finding
        return (
            not self.blocking,
            self.disposition is not Disposition.NEW,
            -int(f.severity),
            -int(f.confidence) if f.confidence is not Confidence.UNDEFINED else -2,
            f.tool, f.location.anchor(), f.location.line or 0, f.rule_id,
        )


@dataclass
class StageVerdict:
    stage: str
    status: Status
    required: bool
    tools: list[ToolRun]
    duration_s: float
    reason: str = ""
    findings: list[EvaluatedFinding] = field(default_factory=list)
    fixed: list[BaselineEntry] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def count(self, disposition: Disposition) -> int:
        return sum(1 for f in self.findings if f.disposition is disposition)

    @property
    def blocking(self) -> int:
        return sum(1 for f in self.findings if f.blocking)

    @property
    def fixed_count(self) -> int:
        return sum(e.count for e in self.fixed)

    def severity_counts(self) -> dict[str, int]:
        """Counts by severity of what is still reported (new and baselined; suppressed left out)."""
        counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            if f.disposition is not Disposition.SUPPRESSED:
                counts[f.finding.severity.label] += 1
        return counts


@dataclass
class Verdict:
    status: Status
    exit_code: int
    stages: list[StageVerdict]
    generated_at: str
    missing_stages: list[str] = field(default_factory=list)
    expired_suppressions: list[tuple[Suppression, int]] = field(default_factory=list)
    stale_suppressions: list[Suppression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[EvaluatedFinding]:
        return sorted((f for s in self.stages for f in s.findings), key=EvaluatedFinding.rank_key)

    def totals(self) -> dict[str, int]:
        return {
            "new": sum(s.count(Disposition.NEW) for s in self.stages),
            "baselined": sum(s.count(Disposition.BASELINED) for s in self.stages),
            "suppressed": sum(s.count(Disposition.SUPPRESSED) for s in self.stages),
            "fixed": sum(s.fixed_count for s in self.stages),
            "blocking": sum(s.blocking for s in self.stages),
        }

    @property
    def headline(self) -> str:
        t = self.totals()
        if self.status is Status.ERROR:
            bad = [s.stage for s in self.stages if s.status is Status.ERROR and s.required]
            return f"ERROR: {len(bad)} required stage(s) could not run ({', '.join(bad)}); the gate cannot pass"
        if self.status is Status.FAILED:
            return f"FAILED: {t['blocking']} blocking finding(s)"
        return "PASSED: no blocking findings"


def _tool_gate(finding: Finding, stage_cfg, tool: str) -> bool:
    """True when the finding reaches the tool's thresholds (or the tool's own gate says FAIL)."""
    gate = finding.tool_gate
    if gate in GATES:
        return gate == "fail"
    sev = severity_threshold(stage_cfg.for_tool(tool, "fail_severity"))
    if sev is None or finding.severity < sev:
        return False
    conf = confidence_threshold(stage_cfg.for_tool(tool, "fail_confidence"))
    return finding.confidence >= conf


def evaluate(
    results: list,
    config: Config,
    suppressions: list[Suppression],
    baseline: Baseline,
    today: dt.date | None = None,
    expected: list[str] | None = None,
    generated_at: str = "",
) -> Verdict:
    """Decide the verdict for a set of stage results (``StageResult`` objects)."""
    today = today or dt.date.today()
    used: Counter[int] = Counter()
    expired_hits: Counter[int] = Counter()
    stages: list[StageVerdict] = []
    seen = {r.stage for r in results}
    missing = [s for s in (expected or []) if s not in seen]

    for result in sorted(results, key=lambda r: r.stage):
        stage_cfg = config.stages[result.stage]
        remaining = baseline.counter(result.stage)
        evaluated: list[EvaluatedFinding] = []
        for finding in sorted(result.findings, key=lambda f: (f.fingerprint, f.location.describe(), f.rule_id)):
            disposition, because = Disposition.NEW, ""
            if finding.accepted_by is not None:
                disposition, because = finding.accepted_by.disposition, finding.accepted_by.because
            if disposition is Disposition.NEW:
                for sup in suppressions:
                    if sup.matches(finding):
                        if sup.expired(today):
                            expired_hits[sup.index] += 1
                            continue
                        used[sup.index] += 1
                        disposition, because = Disposition.SUPPRESSED, f"suppression {sup.describe()}: {sup.reason}"
                        break
            if disposition is Disposition.NEW and remaining[finding.fingerprint] > 0:
                remaining[finding.fingerprint] -= 1
                disposition, because = Disposition.BASELINED, "baseline"
            blocking = disposition is Disposition.NEW and finding.tool_gate != "ignore" and any(
                _tool_gate(finding, stage_cfg, tool) for tool in finding.found_by or (finding.tool,)
            )
            evaluated.append(EvaluatedFinding(result.stage, finding, disposition, blocking, because))

        fixed = []
        for entry in baseline.for_stage(result.stage):
            left = remaining[entry.fingerprint]
            if left > 0:
                take = min(left, entry.count)
                remaining[entry.fingerprint] -= take
                fixed.append(BaselineEntry(**{**entry.to_dict(), "count": take}))

        tools = [ToolRun.from_dict(t.to_dict()) for t in result.tools]
        blocking_tools = {t for f in evaluated if f.blocking for t in f.finding.found_by}
        for tool in tools:
            if tool.status is Status.PASSED and tool.tool in blocking_tools:
                tool.status = Status.FAILED

        if result.status is Status.SKIPPED and not result.tools:
            status = Status.SKIPPED
        elif result.status is Status.ERROR or any(t.status is Status.ERROR for t in tools):
            status = Status.ERROR
        elif any(f.blocking for f in evaluated):
            status = Status.FAILED
        elif tools and all(t.status is Status.SKIPPED for t in tools) and not evaluated:
            status = Status.SKIPPED
        else:
            status = Status.PASSED
        reason = result.reason
        if status is Status.ERROR and not reason:
            reason = "; ".join(t.error for t in tools if t.status is Status.ERROR)
        stages.append(StageVerdict(
            stage=result.stage, status=status, required=bool(stage_cfg["required"]), tools=tools,
            duration_s=result.duration_s, reason=reason,
            findings=sorted(evaluated, key=EvaluatedFinding.rank_key), fixed=fixed, details=dict(result.details),
        ))

    for name in missing:
        required = bool(config.stages[name]["required"]) if name in config.stages else True
        stages.append(StageVerdict(
            stage=name, status=Status.ERROR, required=required, tools=[], duration_s=0.0,
            reason=f"no report for stage {name!r}: the stage crashed or its report was never uploaded",
        ))

    expired = [(s, expired_hits[s.index]) for s in suppressions if s.expired(today)]
    # A suppression can only be called stale when the tools it could match actually ran here.
    ran = {t.tool for r in results for t in r.tools if t.status is not Status.SKIPPED}
    complete = set(config.selected_stages) <= seen
    stale = [
        s for s in suppressions
        if not s.expired(today) and used[s.index] == 0 and ((s.tool in ran) if s.tool else complete)
    ]
    notes = [n for r in results for n in r.details.get("notes", [])]

    if any(s.status is Status.ERROR and s.required for s in stages):
        status, code = Status.ERROR, EXIT_ERROR
    elif any(s.blocking for s in stages):
        status, code = Status.FAILED, EXIT_FAILED
    else:
        status, code = Status.PASSED, EXIT_PASSED
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return Verdict(status, code, stages, generated_at, missing, expired, stale, notes)

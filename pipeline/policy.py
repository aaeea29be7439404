"""The gate. This module alone decides what every finding means and what the verdict is.

Order of decisions for each finding:
1. a tool's own acceptance (an audited false positive in ``.secrets.baseline``, a rules-file IGNORE)
   marks it suppressed or baselined. Which acceptances count is the caller's ``acceptance``
   function: ``pipeline verdict`` and ``pipeline run`` both re-derive them from the repository's
   own files (pipeline/acceptances.py) and never from what a stage report says;
2. an active entry of the suppressions file suppresses it (an expired entry does not, and is listed);
3. the baseline absorbs it, by counts;
3b. in PR mode, the merge base's findings (scanned in the same run, pipeline/pr_run.py) absorb it,
   by fingerprint and count: it was there before the change, so it is shown as baselined ("on the base");
4. whatever is left is new, and blocks when it reaches the stage's (or tool's) severity and
   confidence thresholds, or when its scanner's own gate (re-derived like 1.) says FAIL.

Stage status is re-derived from the tool runs, never taken from a report: a tool that passed without
positive coverage evidence (files, packages or URLs it says it scanned) is an error; a stage whose
every tool was skipped is *not applicable* when it only ran as a default, and an error naming the
reason and the fix when it was asked for. A stage in error fails the verdict unless the stage is
configured ``required = false``; even then it is shown as an error. A stage that was expected but
has no report is an error. A policy weakening found by pipeline/policy_changes.py fails the verdict
unless it was approved from outside the repository.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from .baseline import Baseline, BaselineEntry
from .config import Config, StageConfig
from .errors import EXIT_ERROR, EXIT_FAILED, EXIT_PASSED
from .model import Confidence, Disposition, Finding, Severity, StageResult, Status, ToolRun
from .options import confidence_threshold, severity_threshold
from .suppressions import Suppression

GATES = ("fail", "warn", "info", "ignore")

# Details keys in which a tool run states what it covered. A run that passed must show one of them
# with a positive count: "passed, having scanned nothing we can see" is not a pass.
COVERAGE_KEYS = ("files_scanned", "files_audited", "packages_scanned", "pins_audited", "urls_scanned")

# How to make a stage that was asked for, but had nothing to run on, actually run.
STAGE_FIX = {
    "zap": "give --target URL or set [tool.secure-pipeline.stages.zap] target (or provide the sample app app/)",
    "harden": "add the GitHub Actions workflows or Dockerfiles it should audit, or check paths/exclude",
    "lint": "check that paths/exclude leave the Python files to lint",
    "sast": "check that paths/exclude (and [tool.bandit] exclude_dirs) leave the Python files to scan",
    "secrets": "check that paths/exclude leave files to scan",
    "deps": "set deps.sources to the files that pin the dependencies",
}
NOT_ASKED = "or stop asking for it (command line, `run` in the configuration, --expect)"


# --- what the policy reads from a finding: its typed policy fields, never its display properties ---
def finding_gate(finding: Finding) -> str | None:
    return finding.tool_gate if finding.tool_gate in GATES else None


def finding_suppressed_by(finding: Finding) -> str:
    accepted = finding.accepted_by
    return accepted.because if accepted is not None and accepted.disposition is Disposition.SUPPRESSED else ""


def finding_baselined_by(finding: Finding) -> str:
    accepted = finding.accepted_by
    return accepted.because if accepted is not None and accepted.disposition is Disposition.BASELINED else ""


def finding_identity(finding: Finding) -> str:
    return finding.identity


@dataclass(frozen=True)
class ToolAcceptance:
    """What a tool's own configuration says about one finding (re-derived, never read from a report)."""

    suppressed_by: str = ""
    baselined_by: str = ""
    gate: str | None = None  # fail | warn | info | ignore, or None: the severity thresholds decide


AcceptanceFn = Callable[[str, Finding], ToolAcceptance]


def pr_mode_details(result: StageResult) -> dict[str, Any]:
    """The stage's PR-mode record (pipeline/pr_run.py), or {} for a full scan."""
    pr = result.details.get("pr_mode")
    return pr if isinstance(pr, dict) else {}


def on_base_counts(pr: dict[str, Any]) -> Counter[str]:
    """How often each fingerprint was found on the merge base (PR mode), counted like the baseline."""
    counts: Counter[str] = Counter()
    for entry in pr.get("base_findings") or []:
        counts[str(entry["fingerprint"])] += int(entry["count"])
    return counts


def in_process_acceptance(stage: str, finding: Finding) -> ToolAcceptance:
    """The acceptance the adapter set while parsing the tool's output in this very process.

    Only for results made here (and unit tests): a stage report's copy of these fields is never
    trusted; the CLI passes pipeline.acceptances.from_repository instead.
    """
    del stage
    return ToolAcceptance(finding_suppressed_by(finding), finding_baselined_by(finding), finding_gate(finding))


@dataclass
class EvaluatedFinding:
    stage: str
    finding: Finding
    disposition: Disposition
    blocking: bool
    # Why it is suppressed or baselined (which suppression entry, which tool baseline).
    because: str = ""

    def rank_key(self) -> tuple[bool, bool, int, int, str, str, int, str]:
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
    details: dict[str, Any] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Weakening:
    """One way the pull request's policy is weaker than its base branch's."""

    kind: str  # threshold | required | run | exclude | paths | suppression | baseline | secrets-baseline | option | ...
    where: str  # the file and key or entry
    base: str
    head: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "base": self.base, "head": self.head, "message": self.message}


@dataclass
class PolicyReview:
    """The comparison of the effective policy with the base branch's (pull requests only)."""

    base_ref: str
    base_commit: str
    weakenings: list[Weakening] = field(default_factory=list)
    approved: bool = False
    approved_by: str = ""  # how the approval was given (flag or environment variable), never the repo
    approvers: list[str] = field(default_factory=list)  # the BASE branch's policy_approvers, for the message

    @property
    def blocking(self) -> bool:
        return bool(self.weakenings) and not self.approved

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_ref": self.base_ref, "base_commit": self.base_commit, "approved": self.approved,
            "approved_by": self.approved_by, "approvers": list(self.approvers),
            "weakenings": [w.to_dict() for w in self.weakenings],
        }


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
    policy_review: PolicyReview | None = None
    # The commit, run and configuration the stage reports came from (pipeline/provenance.py).
    provenance: dict[str, str] = field(default_factory=dict)

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
    def weakenings(self) -> list[Weakening]:
        return list(self.policy_review.weakenings) if self.policy_review else []

    @property
    def headline(self) -> str:
        t = self.totals()
        if self.status is Status.ERROR:
            bad = [s.stage for s in self.stages if s.status is Status.ERROR and s.required]
            return f"ERROR: {len(bad)} required stage(s) could not run ({', '.join(bad)}); the gate cannot pass"
        if self.status is Status.FAILED:
            parts = []
            if t["blocking"]:
                parts.append(f"{t['blocking']} blocking finding(s)")
            if self.policy_review and self.policy_review.blocking:
                parts.append(f"{len(self.policy_review.weakenings)} unapproved policy weakening(s)")
            return "FAILED: " + " and ".join(parts or ["blocking findings"])
        return "PASSED: no blocking findings"


def _tool_gate(finding: Finding, gate: str | None, stage_cfg: StageConfig, tool: str) -> bool:
    """True when the finding reaches the tool's thresholds (or the tool's own gate says FAIL)."""
    if gate in GATES:
        return gate == "fail"
    gate_settings = stage_cfg.tool_settings(tool)
    sev = severity_threshold(gate_settings.fail_severity)
    if sev is None or finding.severity < sev:
        return False
    conf = confidence_threshold(gate_settings.fail_confidence)
    return finding.confidence >= conf


def coverage_problem(run: ToolRun) -> str:
    """'' when a run that passed shows what it scanned; else the one-line reason it cannot be trusted."""
    for key in COVERAGE_KEYS:
        value = run.details.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return ""
    return (f"{run.tool}: reports {run.status.label} but gives no evidence of what it scanned "
            f"(no positive {' / '.join(COVERAGE_KEYS)} in its details); the result cannot be trusted")


def _tool_runs(tools: list[ToolRun]) -> list[ToolRun]:
    """Copies whose status is re-derived: passed and failed are earned again below, errors stay."""
    runs = [ToolRun.from_dict(t.to_dict()) for t in tools]
    for run in runs:
        if run.status is Status.FAILED:
            run.status = Status.PASSED  # failed is the policy's word, given again from the findings
        if run.status is Status.NOT_APPLICABLE:
            run.status = Status.SKIPPED
        if run.status is Status.PASSED:
            problem = coverage_problem(run)
            if problem:
                run.status, run.error = Status.ERROR, problem
    return runs


def _stage_status(stage: str, reported: Status | None, tools: list[ToolRun], blocking: bool, asked: bool,
                  has_findings: bool, pr: dict[str, Any] | None = None) -> tuple[Status, str]:
    """The stage's status and one-line reason, from its tool runs alone (plus a reported error, which only
    ever makes things worse)."""
    if any(t.status is Status.ERROR for t in tools):
        return Status.ERROR, "; ".join(t.error or f"{t.tool}: error" for t in tools if t.status is Status.ERROR)
    if reported is Status.ERROR:
        return Status.ERROR, ""
    if not tools:
        return Status.ERROR, f"{stage}: no tool ran (the report lists no tool runs), so nothing was scanned"
    if all(t.status is Status.SKIPPED for t in tools):
        if has_findings:
            return Status.ERROR, f"{stage}: the report lists findings although none of its tools ran"
        why = "; ".join(f"{t.tool}: {t.reason or 'skipped'}" for t in tools)
        scoped = (pr or {}).get("tools") or {}
        if pr and all(t.tool in scoped for t in tools):
            # PR mode narrowed every tool to what the change touches, and none of it is theirs
            # (report_checks.py re-derives the scopes from the tree before the policy sees them).
            return Status.NOT_APPLICABLE, f"PR mode: nothing this stage scans changed ({why})"
        if asked:
            fix = STAGE_FIX.get(stage, "make it applicable")
            return Status.ERROR, f"{stage} was asked for but did not run ({why}): {fix}, {NOT_ASKED}"
        return Status.NOT_APPLICABLE, f"not applicable here: {why}"
    if blocking:
        return Status.FAILED, ""
    return Status.PASSED, ""


def tool_run_status(result: StageResult) -> tuple[Status, str]:
    """A stage's status and reason from its tool runs alone, before any finding is decided: enough to
    know whether a scan can be trusted at all (``pipeline init``, ``pipeline baseline update``)."""
    status, reason = _stage_status(result.stage, result.status, _tool_runs(result.tools), False, False,
                                   bool(result.findings))
    return status, reason or _reported_reason(result, status)


def _reported_reason(result: StageResult, status: Status) -> str:
    """A recorded error's own reason, when the tool runs do not give one."""
    if status is Status.ERROR:
        return result.reason or f"{result.stage}: the stage reported an error"
    return ""


def evaluate(
    results: list[StageResult],
    config: Config,
    suppressions: list[Suppression],
    baseline: Baseline,
    today: dt.date | None = None,
    expected: list[str] | None = None,
    generated_at: str = "",
    *,
    requested: Collection[str] = (),
    acceptance: AcceptanceFn = in_process_acceptance,
    review: PolicyReview | None = None,
    provenance: dict[str, str] | None = None,
) -> Verdict:
    """Decide the verdict for a set of stage results (``StageResult`` objects).

    ``requested``: stages the user asked for (a skip is then an error, not "not applicable");
    ``expected``: stages that must have a result (a missing one is an error), such as every stage the
    configuration runs by default, which are not "asked for" unless ``requested`` says so.
    """
    today = today or dt.date.today()
    used: Counter[int] = Counter()
    expired_hits: Counter[int] = Counter()
    stages: list[StageVerdict] = []
    seen = {r.stage for r in results}
    missing = [s for s in dict.fromkeys(expected or []) if s not in seen]
    asked = set(requested)

    for result in sorted(results, key=lambda r: r.stage):
        stage_cfg = config.stages[result.stage]
        remaining = baseline.counter(result.stage)
        pr = pr_mode_details(result)
        on_base = on_base_counts(pr)
        base_because = f"on the base ({pr.get('base_ref')} at {str(pr.get('base_commit'))[:12]})" if pr else ""
        evaluated: list[EvaluatedFinding] = []
        for finding in sorted(result.findings, key=lambda f: (f.fingerprint, f.location.describe(), f.rule_id)):
            accepted = acceptance(result.stage, finding)
            disposition, because = Disposition.NEW, ""
            if accepted.suppressed_by:
                disposition, because = Disposition.SUPPRESSED, accepted.suppressed_by
            elif accepted.baselined_by:
                disposition, because = Disposition.BASELINED, accepted.baselined_by
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
            if disposition is Disposition.NEW and on_base[finding.fingerprint] > 0:
                # PR mode: the merge base has it too, so the change did not introduce it.
                on_base[finding.fingerprint] -= 1
                disposition, because = Disposition.BASELINED, base_because
            blocking = disposition is Disposition.NEW and accepted.gate != "ignore" and any(
                _tool_gate(finding, accepted.gate, stage_cfg, tool) for tool in finding.found_by or (finding.tool,)
            )
            evaluated.append(EvaluatedFinding(result.stage, finding, disposition, blocking, because))

        fixed = []
        # PR mode scanned part of the tree: an entry for a file it did not scan is not fixed.
        for entry in baseline.for_stage(result.stage) if not pr else []:
            left = remaining[entry.fingerprint]
            if left > 0:
                take = min(left, entry.count)
                remaining[entry.fingerprint] -= take
                fixed.append(BaselineEntry(**{**entry.to_dict(), "count": take}))

        tools = _tool_runs(result.tools)
        blocking_tools = {t for f in evaluated if f.blocking for t in f.finding.found_by}
        for tool in tools:
            if tool.status is Status.PASSED and tool.tool in blocking_tools:
                tool.status = Status.FAILED
        status, reason = _stage_status(result.stage, result.status, tools, any(f.blocking for f in evaluated),
                                       result.stage in asked, bool(evaluated), pr)
        reason = reason or _reported_reason(result, status)
        stages.append(StageVerdict(
            stage=result.stage, status=status, required=stage_cfg.settings.required, tools=tools,
            duration_s=result.duration_s, reason=reason,
            findings=sorted(evaluated, key=EvaluatedFinding.rank_key), fixed=fixed, details=dict(result.details),
        ))

    for name in missing:
        required = config.stages[name].settings.required if name in config.stages else True
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
    elif any(s.blocking for s in stages) or (review is not None and review.blocking):
        status, code = Status.FAILED, EXIT_FAILED
    else:
        status, code = Status.PASSED, EXIT_PASSED
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return Verdict(status, code, stages, generated_at, missing, expired, stale, notes,
                   policy_review=review, provenance=dict(provenance or {}))

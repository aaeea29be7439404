"""checkov, offline, through its JSON output, over the tree's Bicep, ARM templates, Dockerfiles and
GitHub Actions workflows.

Silent-pass traps closed here:

- checkov lists a file it could not parse in ``results.parsing_errors`` and still exits 0 when
  nothing else failed. Here any parsing error is an error naming the file.
- A clean report says nothing about which files were read, and a Bicep file that only declares
  parameters or modules has no resource, so no check ever names it. Every input is scanned as a
  copy (``evidence.canary``); Bicep copies end with a canary Key Vault (fresh name each run) that
  checkov must fail (purge protection, CKV_AZURE_110) *in that file*. Dockerfiles and workflows are
  evidenced by the checks checkov ran on them (their file-level checks always run); ARM templates
  by their resources' checks. An input no check names was not scanned: an error.
- checkov reads a ``.checkov.yaml`` from the scanned folder, the working folder and the home folder,
  and CKV_* variables from the environment: it runs in the copies' folder (no configuration is
  copied), with HOME set to the scratch folder and a scrubbed environment. A repository's own
  ``.checkov.yaml`` is therefore not obeyed; the report says so.
- At start checkov asks PyPI for a newer version; ``CKV_SKIP_PACKAGE_UPDATE_CHECK`` and
  ``--skip-download`` (no Prisma guidelines) keep it offline; no API key is ever passed.

Native suppressions (``#checkov:skip=ID:reason``, ``// checkov:skip=...`` in Bicep) come back as
skipped checks: shown, suppressed (``accepted_by``) with their reason. A skip *without* a reason
(checkov then says "No comment provided") is not honoured: the check is reported as failed, with a
message saying why, because an acceptance nobody can review is no acceptance. It is a finding, not
an error: the scan itself is sound, and the fix is in the repository.

checkov gives no severity without a Prisma key, so a failed check is medium, the harden stage's gate.
docker-compose files are not scanned: checkov has no framework for them (listed in the details).
The harness adds its own YAML policies (pipeline/data/checkov-policy-*.yaml; data, not code) where
checkov has no check: PostgreSQL Flexible Server's TLS enforcement and minimum TLS version, and the
Application Gateway WAF policy's Prevention mode.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..evidence import canary
from ..model import Acceptance, Disposition, Finding, Location, Severity
from ..pr_mode import FULL
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from .hadolint import dockerfiles
from .zizmor import WORKFLOW_DIR

CANARY_RULE = "CKV_AZURE_110"
NO_REASON = "No comment provided"  # checkov's text for a skip comment without a reason
_ARM_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"https?://schema\.management\.azure\.com/schemas/[^"]*deploymentTemplate\.json')
_COMPOSE = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
_MARKED, _PLAIN = "marked", "plain"
POLICIES = Path(__file__).resolve().parents[1] / "data"


def skip_comment(rule_id: str) -> re.Pattern[str]:
    """A checkov skip comment for ``rule_id`` (``#`` or ``//``), capturing its reason (may be empty)."""
    return re.compile(rf"(?:#|//)\s*checkov:skip={re.escape(rule_id)}(?::(?P<reason>[^\n]*))?")


def _canary(name: str) -> str:
    # A Key Vault with neither purge protection nor a network rule: CKV_AZURE_110 always fails on it.
    return (f"resource {name} 'Microsoft.KeyVault/vaults@2023-07-01' = {{\n"
            f"  name: '{name}'\n  location: 'westeurope'\n"
            "  properties: {\n    tenantId: subscription().tenantId\n"
            "    sku: {\n      family: 'A'\n      name: 'standard'\n    }\n  }\n}")


def _is_arm(root: Path, rel: str) -> bool:
    if not rel.endswith(".json"):
        return False
    try:
        with (root / rel).open("rb") as handle:
            return bool(_ARM_SCHEMA.search(handle.read(4096)))
    except OSError:
        return False


@dataclass(frozen=True)
class _Inputs:
    bicep: tuple[str, ...]
    arm: tuple[str, ...]
    dockerfile: tuple[str, ...]
    github_actions: tuple[str, ...]

    def frameworks(self) -> list[str]:
        return [name for name in ("bicep", "arm", "dockerfile", "github_actions") if getattr(self, name)]


@dataclass(frozen=True)
class _CheckovState:
    folder: Path  # the copies' parent: checkov's working folder
    policies: Path  # the harness's own YAML policies (a private copy)
    marked: canary.Copies  # Bicep, each with the canary appended
    plain: canary.Copies  # everything else, unchanged
    canary_name: str
    frameworks: tuple[str, ...]
    compose: tuple[str, ...]
    repo_config: bool
    callers: tuple[str, ...] = ()  # workflows that only call reusable workflows: nothing for checkov to check


def workflows(ctx: ScanContext) -> tuple[str, ...]:
    return tuple(p for p in ctx.files.all if p.rpartition("/")[0] == WORKFLOW_DIR and p.endswith((".yml", ".yaml")))


def only_calls_reusable_workflows(root: Path, rel: str) -> bool:
    """A workflow whose every job is `uses: <reusable workflow>` has no step for checkov's checks (zizmor
    still audits it). One that does not parse is kept: checkov then names its parsing error."""
    try:
        data = yaml.safe_load((root / rel).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    jobs = data.get("jobs") if isinstance(data, dict) else None
    return isinstance(jobs, dict) and bool(jobs) and all(
        isinstance(job, dict) and "uses" in job and "steps" not in job for job in jobs.values())


def find_inputs(ctx: ScanContext) -> _Inputs:
    files = ctx.files.all
    return _Inputs(
        bicep=tuple(p for p in files if p.endswith(".bicep")),
        arm=tuple(p for p in files if _is_arm(ctx.root, p)),
        dockerfile=tuple(dockerfiles(ctx)),
        github_actions=tuple(p for p in workflows(ctx) if not only_calls_reusable_workflows(ctx.root, p)),
    )


class Checkov(CommandScanner):
    name = "checkov"
    stage = "harden"
    # Graph checks relate resources across files: always in full.
    pr_scope = FULL
    executable = "checkov"
    distribution = "checkov"
    ok_exit_codes = frozenset({0, 1})  # 1 = failed checks; a crash is a traceback (scanner.crash_cause)
    # Offline; templates can reference each other (modules, parameter files): one entry per run, keyed on
    # every file of the tree.
    cache_granularity = "run"
    version_timeout = 60.0  # checkov takes seconds to import

    def plan(self, ctx: ScanContext) -> Plan:
        inputs = find_inputs(ctx)
        if not inputs.frameworks():
            return Plan(ctx, skip="no Bicep, ARM template, Dockerfile or GitHub workflow with steps to check")
        folder = ctx.work_dir / "checkov"
        name = f"secure_pipeline_canary_{canary.token()}"
        marked = canary.make(ctx.root, inputs.bicep, folder / _MARKED, _canary(name))
        plain = canary.make(ctx.root, [*inputs.arm, *inputs.dockerfile, *inputs.github_actions], folder / _PLAIN, None)
        compose = tuple(p for p in ctx.files.all if _COMPOSE.match(p.rpartition("/")[2]))
        repo_config = any((ctx.root / f).is_file() for f in (".checkov.yaml", ".checkov.yml"))
        every = (*inputs.bicep, *inputs.arm, *inputs.dockerfile, *inputs.github_actions)
        policies = ctx.work_dir / "checkov-policies"
        policies.mkdir(parents=True, exist_ok=True)
        for policy in sorted(POLICIES.glob("checkov-policy-*.yaml")):
            shutil.copyfile(policy, policies / policy.name)
        callers = tuple(p for p in workflows(ctx) if only_calls_reusable_workflows(ctx.root, p))
        state = _CheckovState(folder, policies, marked, plain, name, tuple(inputs.frameworks()), compose, repo_config,
                              callers)
        return Plan(ctx, inputs=every, state=state)

    def commands(self, plan: Plan) -> list[Command]:
        state: _CheckovState = plan.state
        files = [f"{_MARKED}/{rel}" for rel in state.marked.files] + [f"{_PLAIN}/{rel}" for rel in state.plain.files]
        argv = [plan.executable, "--skip-download", "--output", "json", "--compact",
                "--external-checks-dir", str(state.policies), "--framework", *state.frameworks, "--file", *files]
        env = {"HOME": str(plan.ctx.work_dir), "CKV_SKIP_PACKAGE_UPDATE_CHECK": "True", "LOG_LEVEL": "WARNING"}
        return [Command(argv, env=env, cwd=state.folder)]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        state: _CheckovState = plan.state
        data = load_json(outcome.stdout, "checkov JSON")
        reports = data if isinstance(data, list) else [data]
        require(all(isinstance(r, dict) for r in reports), "JSON output is not the documented report object(s)")
        seen: dict[str, int] = {}
        canaries: set[str] = set()
        findings: list[Finding] = []
        for report in reports:
            if "results" not in report:
                # checkov prints a bare summary for a framework that found nothing to scan at all.
                require(isinstance(report.get("passed"), int), "a report lacks 'results' and is no summary")
                continue
            framework = str(report.get("check_type", ""))
            require(framework in state.frameworks, f"reported a framework it was not asked for: {framework[:40]!r}")
            results, summary = report["results"], report.get("summary")
            require(isinstance(results, dict) and isinstance(summary, dict),
                    f"the {framework} report lacks its 'results' or 'summary' object")
            self._check_parsing(state, results)
            for kind in ("passed", "failed", "skipped"):
                checks = results.get(f"{kind}_checks") or []
                require(isinstance(checks, list) and summary.get(kind) == len(checks),
                        f"the {framework} report lists {len(checks) if isinstance(checks, list) else '?'} {kind} "
                        f"check(s) but counted {summary.get(kind)!r}: its output is incomplete")
                for check in checks:
                    rel, is_canary = self._locate(state, check)
                    seen[rel] = seen.get(rel, 0) + 1
                    if is_canary:
                        if kind == "failed" and check.get("check_id") == CANARY_RULE:
                            canaries.add(rel)
                        continue
                    if kind != "passed":
                        findings.append(self._finding(framework, rel, check, skipped=kind == "skipped"))
        covered = {rel for rel in state.plain.files if seen.get(rel)} | {rel for rel in state.marked.files if rel in canaries}
        details: dict[str, Any] = {"files_scanned": len(covered), "checks_run": sum(seen.values()),
                                   "suppressed": sum(1 for f in findings if f.accepted_by is not None)}
        notes = []
        if state.compose:
            notes.append(f"checkov: {', '.join(state.compose[:5])} not checked (checkov has no docker-compose framework)")
        if state.callers:
            notes.append(f"checkov: {', '.join(state.callers[:5])} only call reusable workflows: no step for checkov to "
                         "check (zizmor audits them)")
        if state.repo_config:
            notes.append("checkov: the repository's .checkov.yaml is not obeyed (the harness passes its own flags); "
                         "use checkov:skip comments with a reason")
        if notes:
            details["notes"] = notes
        return Parsed(findings, Coverage.of(covered), details)

    def _check_parsing(self, state: _CheckovState, results: dict[str, Any]) -> None:
        errors = results.get("parsing_errors") or []
        require(isinstance(errors, list), "'parsing_errors' is not a list")
        if errors:
            names = ", ".join(self._relative(state, str(e))[0] for e in errors[:3])
            raise ScanError(f"could not parse {len(errors)} file(s): {names}, so nothing in them was checked")

    def _relative(self, state: _CheckovState, path: str) -> tuple[str, str]:
        """(repo-relative path, which copy folder) of a path checkov printed (absolute or relative)."""
        resolved = Path(path) if Path(path).is_absolute() else state.folder / path.lstrip("/")
        try:
            part = resolved.relative_to(state.folder)
        except ValueError as exc:
            raise ScanError(f"reported a file outside the ones it was given: {path[:80]!r}") from exc
        head, _, rel = part.as_posix().partition("/")
        return rel, head

    def _locate(self, state: _CheckovState, check: Any) -> tuple[str, bool]:
        require(isinstance(check, dict) and {"check_id", "file_abs_path", "file_line_range", "resource"} <= set(check),
                "a check lacks check_id, file_abs_path, file_line_range or resource")
        rel, head = self._relative(state, str(check["file_abs_path"]))
        given = state.marked.files if head == _MARKED else state.plain.files if head == _PLAIN else ()
        require(rel in given, f"reported a file it was not given: {rel[:80]!r}")
        is_canary = head == _MARKED and str(check["resource"]).endswith(f".{state.canary_name}")
        # A Dockerfile's resource is named after the path checkov was given: the copy's, not the repository's.
        check["resource"] = str(check["resource"]).removeprefix(f"{head}/")
        return rel, is_canary

    def _finding(self, framework: str, rel: str, check: dict[str, Any], *, skipped: bool) -> Finding:
        rule = str(check["check_id"])
        lines = check["file_line_range"]
        require(isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines),
                f"check {rule} has no line range")
        name = str(check.get("check_name") or rule)
        message = f"{name} ({check['resource']})"
        accepted = None
        if skipped:
            reason = str((check.get("check_result") or {}).get("suppress_comment") or "").strip()
            if reason and reason != NO_REASON:
                accepted = Acceptance(Disposition.SUPPRESSED, f"checkov:skip: {reason}")
            else:
                message += "; its checkov:skip comment gives no reason, so it is not honoured"
        return Finding(
            tool=self.name,
            rule_id=rule,
            rule_name=name,
            title=f"{rule} {name}"[:160],
            severity=Severity.MEDIUM,
            location=Location(path=rel, line=lines[0], end_line=lines[1]),
            message=message,
            help_uri=str(check.get("guideline") or ""),
            properties={"framework": framework, "resource": str(check["resource"])},
            identity=f"{rule}|{rel}|{check['resource']}",
            accepted_by=accepted,
        )


def suppression_in(root: Path, finding: Finding) -> str:
    """The reason of the checkov:skip comment for ``finding`` in its resource's lines ('' when none or empty).

    What the verdict re-derives from the repository's file, as checkov does: never from a report.
    """
    path = root / (finding.location.path or "")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    first = max((finding.location.line or 1) - 1, 0)
    last = finding.location.end_line or finding.location.line or first + 1
    block = "\n".join(text.splitlines()[first:last])
    for match in skip_comment(finding.rule_id).finditer(block):
        reason = (match.group("reason") or "").strip()
        if reason and reason != NO_REASON:
            return reason
    return ""


"""zizmor, offline, through its JSON output, over the repository's GitHub Actions files.

The harness picks the inputs itself (workflows directly under ``.github/workflows``, composite and
other action definitions ``action.yml``, ``.github/dependabot.yml``, ``.pre-commit-config.yaml``) and
passes them explicitly, so it can check afterwards that zizmor audited each one. Three silent-pass
traps are closed here:

- Without ``--strict-collection`` zizmor only *warns* about a file it cannot parse or validate and
  audits the rest, exiting 0: we pass it, and also require a ``completed <file>`` log line per input.
- ``--format sarif`` always exits 0 (MegaLinter #8715); we read JSON, where the exit code is
  documented (0 none, 10-14 highest severity unknown..high, 1 error) and must agree with the findings.
- A ``GH_TOKEN`` in the environment switches zizmor to online audits; ``--offline`` forbids any
  network access (the runner also keeps tokens away from scanners).

Findings the repository itself ignores (``# zizmor: ignore[...]`` or a ``zizmor.yml``) are left out
of zizmor's output, like ``# nosec`` for bandit. The ``zizmor.yml`` reaches zizmor only as the
harness's vetted copy (pipeline/vetting/zizmor.py), and every audit it disables or ignores is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..evidence import canary
from ..model import Confidence, Finding, Location, Severity
from ..options import setting
from ..pr_mode import FULL
from ..scanner import CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..vetting import VettedConfig
from ..vetting.zizmor import vet as vet_zizmor

WORKFLOW_DIR = ".github/workflows"
ACTION_FILES = ("action.yml", "action.yaml")
DEPENDABOT_FILES = (".github/dependabot.yml", ".github/dependabot.yaml")
PRE_COMMIT_FILES = (".pre-commit-config.yaml",)

_SEVERITY = {
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "informational": Severity.INFO,
    # zizmor ranks "unknown" lowest (exit code 10); it is kept visible but does not gate by default.
    "unknown": Severity.LOW,
}
_CONFIDENCE = {"high": Confidence.HIGH, "medium": Confidence.MEDIUM, "low": Confidence.LOW, "unknown": Confidence.UNDEFINED}
# zizmor's documented exit codes for a completed audit, by the highest severity found.
_EXIT_FOR_SEVERITY = {"unknown": 10, "informational": 11, "low": 12, "medium": 13, "high": 14}
_FINDINGS_EXIT_CODES = frozenset(_EXIT_FOR_SEVERITY.values())
# 1 = "error during audit" (documented); 3 = "no inputs collected" (observed in 1.32). parse() names the cause.
_ERROR_EXIT_CODES = frozenset({1, 3})
# The weakness each common audit guards against, for code scanning's CWE tags.
_CWE = {
    "template-injection": (94,),
    "unpinned-uses": (829,),
    "unpinned-images": (829,),
    "impostor-commit": (829,),
    "ref-confusion": (829,),
    "excessive-permissions": (250,),
    "undocumented-permissions": (250,),
    "artipacked": (522,),
    "secrets-inherit": (200,),
    "hardcoded-container-credentials": (798,),
    "dangerous-triggers": (863,),
    "cache-poisoning": (349,),
    "github-env": (94,),
    "insecure-commands": (94,),
    "overprovisioned-secrets": (250,),
    "unredacted-secrets": (532,),
    "bot-conditions": (290,),
    "self-hosted-runner": (250,),
}
_COMPLETED = re.compile(r"completed (?P<path>\S.*?)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _is_workflow(rel: str) -> bool:
    parent, _, name = rel.rpartition("/")
    # GitHub reads workflows only directly inside .github/workflows, never from subfolders.
    return parent == WORKFLOW_DIR and name.endswith((".yml", ".yaml"))


def actions_inputs(ctx: ScanContext) -> list[str]:
    """The GitHub Actions files of the tree zizmor audits, repo-relative."""
    return [
        rel for rel in ctx.files.all
        if _is_workflow(rel)
        or rel.rpartition("/")[2] in ACTION_FILES
        or rel in DEPENDABOT_FILES
        or rel in PRE_COMMIT_FILES
    ]


def _audited_files(stderr: str) -> set[str]:
    audited = set()
    for line in stderr.splitlines():
        match = _COMPLETED.search(_ANSI.sub("", line))
        if match:
            audited.add(_norm(match.group("path")))
    return audited


def _failure_cause(stderr: str) -> str:
    """The line of zizmor's error report that names the cause (file and reason), else its first line."""
    lines = [_ANSI.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("INFO", "DEBUG", "TRACE"))]
    for index, line in enumerate(lines):
        if line.startswith("failed to load") or line.startswith("error:"):
            # "failed to load file://X as workflow" is followed by "Caused by:" and the numbered reasons.
            reasons = [r.split(":", 1)[1].strip() for r in lines[index + 1:index + 4] if re.match(r"^\d+:", r)]
            return f"{line}{': ' + reasons[-1] if reasons else ''}"
    for line in lines:
        if line.startswith("WARN") and "failed to" in line:
            return line
    return lines[0] if lines else "no error message"


def _primary(locations: list[dict[str, Any]]) -> dict[str, Any]:
    for loc in locations:
        if isinstance(loc, dict) and (loc.get("symbolic") or {}).get("kind") == "Primary":
            return loc
    return locations[0]


# Positive controls: workflows with a defect every persona reports; the first audit the repository's
# configuration does not disable is used.
CONTROLS = {
    "template-injection": """on: issues
permissions: {}
jobs:
  canary:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.issue.title }}"
""",
    "excessive-permissions": """on: push
permissions: write-all
jobs:
  canary:
    runs-on: ubuntu-latest
    steps:
      - run: echo canary
""",
}


@dataclass(frozen=True)
class _ZizmorState:
    config: Path  # the vetted configuration
    vetted: VettedConfig
    control: Path | None  # the control workflow, absolute
    control_audit: str


def _disabled(config: Path) -> set[str]:
    rules = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("rules") or {}
    return {audit for audit, settings in rules.items() if isinstance(settings, dict) and settings.get("disable") is True}


@dataclass(frozen=True)
class ZizmorSettings:
    zizmor_persona: str = setting("regular",
                                  "zizmor persona: `regular` (actionable findings), `pedantic` (also code smells) or "
                                  "`auditor` (everything, false positives included).",
                                  choices=("regular", "pedantic", "auditor"))


class Zizmor(CommandScanner):
    name = "zizmor"
    stage = "harden"
    # Some audits follow a workflow into the reusable workflows and actions it calls: always in full.
    pr_scope = FULL
    executable = "zizmor"
    distribution = "zizmor"
    ok_exit_codes = frozenset({0}) | _FINDINGS_EXIT_CODES | _ERROR_EXIT_CODES
    # Offline and file-based, but it follows local actions and reusable workflows: one entry per run,
    # keyed on every file of the tree.
    cache_granularity = "run"
    settings_type = ZizmorSettings

    def plan(self, ctx: ScanContext) -> Plan:
        inputs = actions_inputs(ctx)
        if not inputs:
            return Plan(ctx, skip=f"no GitHub Actions files to audit (no {WORKFLOW_DIR}/*.yml, action.yml, "
                                  ".github/dependabot.yml or .pre-commit-config.yaml)")
        vetted = vet_zizmor(ctx.root, ctx.work_dir)
        assert vetted.path is not None  # noqa: S101  # vet() always writes a file
        audit = next((a for a in CONTROLS if a not in _disabled(vetted.path)), "")
        control = canary.control_file(ctx.work_dir / "control", ".yml", CONTROLS[audit]) if audit else None
        return Plan(ctx, inputs=tuple(inputs), state=_ZizmorState(vetted.path, vetted, control, audit))

    def extra_env(self, plan: Plan) -> dict[str, str]:
        # A backtrace would push the one line naming the failing file out of the stderr tail.
        return {"RUST_BACKTRACE": "0", "NO_COLOR": "1"}

    def argv(self, plan: Plan) -> list[str]:
        return [
            # --config: only the harness's vetted copy of the repository's zizmor.yml, never discovery.
            plan.executable, "--offline", "--config", str(plan.state.config), "--format", "json", "--strict-collection",
            "--no-progress", "--color", "never", "--persona", plan.ctx.settings(ZizmorSettings).zizmor_persona,
            "--", *plan.inputs, *([str(plan.state.control)] if plan.state.control else []),
        ]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        ctx = plan.ctx
        if outcome.exit_code in _ERROR_EXIT_CODES:
            cause = _failure_cause(outcome.stderr)[:300]
            raise ScanError(f"could not audit the workflows (exit code {outcome.exit_code}): {cause}")
        data = load_json(outcome.stdout, "zizmor JSON")
        require(isinstance(data, list), "JSON output is not the documented list of findings")
        state: _ZizmorState = plan.state
        inputs = list(plan.inputs)
        control = str(state.control)
        findings: list[Finding] = []
        highest = ""
        control_seen = False
        for item in data:
            finding, severity_label = self._finding(item, {*inputs, control})
            if finding is None:
                continue
            if finding.location.path == control:
                control_seen = control_seen or finding.rule_id == state.control_audit
            else:
                findings.append(finding)
            if not highest or _EXIT_FOR_SEVERITY[severity_label] > _EXIT_FOR_SEVERITY[highest]:
                highest = severity_label
        expected_exit = _EXIT_FOR_SEVERITY[highest] if highest else 0
        require(outcome.exit_code == expected_exit,
                f"exit code {outcome.exit_code} disagrees with its JSON output "
                f"({len(findings)} finding(s), highest severity {highest or 'none'}; expected exit code {expected_exit})")
        problem = "" if state.control is None or control_seen else (
            f"did not report the {state.control_audit} in the harness's control workflow, so its audits did not really run")
        details: dict[str, Any] = {"files_audited": len(inputs), "persona": ctx.settings(ZizmorSettings).zizmor_persona,
                                   **state.vetted.details()}
        if state.control is None:
            details.setdefault("notes", []).append(
                "zizmor: the repository's configuration disables every control audit; no positive control ran")
        # zizmor logs `completed <file>` for every input it audited: its evidence of coverage.
        return Parsed(findings, Coverage.of(_audited_files(outcome.stderr)), details, problem)

    def _finding(self, item: Any, inputs: set[str]) -> tuple[Finding | None, str]:
        require(isinstance(item, dict) and {"ident", "determinations", "locations"} <= set(item),
                "a finding lacks ident, determinations or locations")
        if item.get("ignored") is True:
            return None, ""
        determinations = item["determinations"]
        require(isinstance(determinations, dict), f"finding {item['ident']!r} has no determinations object")
        severity_label = str(determinations.get("severity", "")).lower()
        confidence_label = str(determinations.get("confidence", "")).lower()
        require(severity_label in _SEVERITY, f"unknown zizmor severity {determinations.get('severity')!r}")
        require(confidence_label in _CONFIDENCE, f"unknown zizmor confidence {determinations.get('confidence')!r}")
        locations = item["locations"]
        require(isinstance(locations, list) and locations, f"finding {item['ident']!r} has no location")
        primary = _primary(locations)
        symbolic = primary.get("symbolic") or {}
        key = symbolic.get("key") or {}
        local = key.get("Local") if isinstance(key, dict) else None
        if not isinstance(local, dict) or not isinstance(local.get("verbatim_path"), str):
            raise ScanError(f"finding {item['ident']!r} is not in a local file (offline audits only)")
        path = _norm(local["verbatim_path"])
        require(path in inputs, f"reported a file it was not given: {path[:80]!r}")
        concrete = (primary.get("concrete") or {}).get("location") or {}
        start, end = concrete.get("start_point") or {}, concrete.get("end_point") or {}
        require(isinstance(start.get("row"), int), f"finding {item['ident']!r} has no line")
        ident = str(item["ident"])
        annotation = str(symbolic.get("annotation") or "").strip()
        desc = str(item.get("desc") or ident)
        finding = Finding(
            tool=self.name,
            rule_id=ident,
            rule_name=ident,
            title=desc,
            severity=_SEVERITY[severity_label],
            tool_severity=str(determinations.get("severity")),
            confidence=_CONFIDENCE[confidence_label],
            tool_confidence=str(determinations.get("confidence")),
            location=Location(
                path=path,
                line=start["row"] + 1,  # zizmor's points are 0-based
                column=start["column"] + 1 if isinstance(start.get("column"), int) else None,
                end_line=end["row"] + 1 if isinstance(end.get("row"), int) else None,
                end_column=end["column"] + 1 if isinstance(end.get("column"), int) else None,
            ),
            cwe=_CWE.get(ident, ()),
            # The flagged YAML itself ("feature") is not kept: it can hold a hard-coded credential.
            message=annotation or desc,
            help_uri=str(item.get("url") or f"https://docs.zizmor.sh/audits/#{ident}"),
            fix_hint=_fix_hint(item),
            properties={"persona": str(determinations.get("persona", ""))},
        )
        return finding, severity_label


def _fix_hint(item: dict[str, Any]) -> str:
    fixes = [str(f.get("title")) for f in item.get("fixes") or [] if isinstance(f, dict) and f.get("title")]
    if fixes:
        return f"zizmor suggests: {'; '.join(fixes)} (`zizmor --fix` can apply it)."
    return ""

"""ruff, optional in the lint stage: its security (S, flake8-bandit) and pyflakes (F) rule families.

ruff runs ``--isolated``: the repository's ruff configuration is not read (it could switch rules off
or widen excludes unseen); ``# noqa`` comments keep working, like ``# nosec`` for bandit. Its F rules
report the same problems as pyflakes and pylint, so the stage merges them (``problem()``).

Fail-closed rules: exit 0 (clean) and 1 (violations) are completed runs, 2 is an error; stdout must
be its JSON list; a diagnostic without a rule code is a file ruff could not parse. ruff prints
nothing for a clean file, so, as for pyflakes, it checks instrumented copies (``evidence.canary``)
whose canary unused import it must report for every file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..evidence import canary
from ..model import Confidence, Finding, Location, Severity
from ..options import setting
from ..pr_mode import CHANGED
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from .pyflakes import CODES as PYFLAKES_CODES
from .pyflakes import HIGH_KINDS

RULE_FAMILIES = ("S", "F")
# ruff's F codes are flake8's pyflakes codes: the pyflakes message class is the problem both report.
_KIND_OF_CODE = {code: kind for kind, code in PYFLAKES_CODES.items()}
_CANARY_CODE = "F401"


@dataclass(frozen=True)
class _RuffState:
    copies: canary.Copies
    canary_name: str


@dataclass(frozen=True)
class RuffSettings:
    ruff: bool = setting(False,
                         "Also run ruff's security (S) and pyflakes (F) rule families (ruff's own configuration is not "
                         "read); problems pyflakes or pylint report too are merged into one finding.")


class Ruff(CommandScanner):
    name = "ruff"
    stage = "lint"
    # --isolated, one file at a time: PR mode scans the changed files only.
    pr_scope = CHANGED
    executable = "ruff"
    distribution = "ruff"
    ok_exit_codes = frozenset({0, 1})  # 1 = violations; 2 = an error (bad arguments, unreadable input)
    cache_granularity = "file"  # its S and F rules read one file at a time
    enable_option = "ruff"
    settings_type = RuffSettings

    def problem(self, finding: Finding) -> str | None:
        return _KIND_OF_CODE.get(finding.rule_id)

    def plan(self, ctx: ScanContext) -> Plan:
        if not ctx.settings(RuffSettings).ruff:
            return Plan(ctx, skip=f"not enabled (set [tool.secure-pipeline.stages.lint] {self.enable_option} = true)")
        if not ctx.files.python:
            return Plan(ctx, skip="no Python files to check")
        name = f"secure_pipeline_canary_{canary.token()}"
        copies = canary.make(ctx.root, ctx.files.python, ctx.work_dir / "copies", f"import {name}")
        return Plan(ctx, inputs=tuple(ctx.files.python), state=_RuffState(copies, name))

    def commands(self, plan: Plan) -> list[Command]:
        state: _RuffState = plan.state
        return [Command([plan.executable, "check", "--isolated", "--no-cache", "--output-format", "json",
                         "--select", ",".join(RULE_FAMILIES), "--", *plan.inputs], cwd=state.copies.folder)]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        state: _RuffState = plan.state
        data = load_json(outcome.stdout, "ruff JSON")
        require(isinstance(data, list), "JSON output is not the documented list of diagnostics")
        folder = state.copies.folder.resolve()
        inputs = set(plan.inputs)
        findings: list[Finding] = []
        canaries: list[tuple[str, int]] = []
        for item in data:
            require(isinstance(item, dict) and {"code", "message", "filename", "location"} <= set(item),
                    "a diagnostic lacks code, message, filename or location")
            try:
                path = Path(str(item["filename"])).resolve().relative_to(folder).as_posix()
            except ValueError as exc:
                raise ScanError(f"reported a file it was not given: {str(item['filename'])[:80]!r}") from exc
            require(path in inputs, f"reported a file it was not given: {path[:80]!r}")
            location = item["location"] if isinstance(item["location"], dict) else {}
            line, column = location.get("row"), location.get("column")
            if not isinstance(line, int):
                raise ScanError(f"a diagnostic for {path[:80]!r} has no line")
            code = item["code"]
            if not code:  # ruff's diagnostics without a rule are parse errors: nothing in the file was checked
                raise ScanError(f"could not parse {path} (line {line}: {str(item['message'])[:120]})")
            code = str(code)
            if code == _CANARY_CODE and state.canary_name in str(item["message"]):
                canaries.append((path, line))
                continue
            kind = _KIND_OF_CODE.get(code)
            severity = Severity.HIGH if kind in HIGH_KINDS else Severity.MEDIUM
            end = item.get("end_location") if isinstance(item.get("end_location"), dict) else {}
            findings.append(Finding(
                tool=self.name,
                rule_id=code,
                rule_name=str(item.get("name") or kind or code),
                title=f"{item.get('name') or code} ({code})",
                severity=severity,
                tool_severity=str(item.get("severity") or "error"),
                confidence=Confidence.HIGH if kind else Confidence.MEDIUM,
                location=Location(path=path, line=line, column=column if isinstance(column, int) else None,
                                  end_line=end.get("row") if isinstance(end.get("row"), int) else None,
                                  end_column=end.get("column") if isinstance(end.get("column"), int) else None),
                cwe=(),
                message=str(item["message"]),
                help_uri=str(item.get("url") or "https://docs.astral.sh/ruff/rules/"),
            ))
        # Every copy carries a canary, so a completed run always reports violations and exits 1.
        if outcome.exit_code == 0:
            raise ScanError("exited 0 although every file it was given carries a defect it must report")
        covered = canary.confirmed(state.copies, canaries)
        return Parsed(findings, Coverage.of(covered), {"files_scanned": len(covered), "rule_families": list(RULE_FAMILIES)})

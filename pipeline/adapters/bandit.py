"""bandit, through its JSON formatter, honouring the vetted ``[tool.bandit]`` of the repository's pyproject.toml.

bandit exits 0 for files it could not parse, for a crashing plugin and for files it never read, so
trust comes from the output: ``errors`` must be empty, stderr must carry no ERROR line, and every
file we passed must appear in ``metrics``. The ``code`` field (raw source lines) is never kept: it
can hold the very secret a test flagged. The hardcoded-password tests (B105-B107) quote the value
in their message; it is masked here, whole (the value can hold quotes itself), and handed to the
redactor, which masks it wherever else it is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cached_scan import BY_INPUT
from ..evidence import canary
from ..files import glob_match
from ..model import Confidence, Finding, Location, Severity
from ..pr_mode import CHANGED
from ..redact import LOCATED_SECRET, MASK
from ..scanner import CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..vetting.bandit import read_settings as read_bandit_settings
from ..vetting.bandit import vet as vet_bandit

_LEVELS = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH, "UNDEFINED": Severity.INFO}
_CONFIDENCE = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}


def bandit_settings(root: Path) -> dict[str, Any] | None:
    """The repository's [tool.bandit] table, or None when it has none."""
    return read_bandit_settings(root)


# bandit's general_hardcoded_password: text=f"Possible hardcoded password: '{value}'".
_PASSWORD_RULES = frozenset({"B105", "B106", "B107"})
_PASSWORD_PREFIX = "Possible hardcoded password: '"  # noqa: S105  # nosec B105 - bandit's message, not a password


def _password_message(rule_id: str, text: str) -> tuple[str, dict[str, str]]:
    """The message with the quoted value masked, and the value for the redactor (everything between
    the first quote and the closing one, which bandit puts last: ``it's-x`` is one value)."""
    if rule_id not in _PASSWORD_RULES or not text.startswith(_PASSWORD_PREFIX):
        return text, {}
    value = text[len(_PASSWORD_PREFIX):]
    value = value[:-1] if value.endswith("'") else value
    # Only a value that can be a credential is masked everywhere: bandit also flags prompts and
    # labels ("Enter password: ") whose masking would blank ordinary text across every report.
    plausible = bool(value) and not any(c.isspace() for c in value)
    return f"{_PASSWORD_PREFIX}{MASK}'", {LOCATED_SECRET: value} if plausible else {}


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


# Positive controls: one defect per test id, the first one the repository's [tool.bandit] does not skip.
_CONTROLS = (("B102", 'exec("pass")\n'), ("B307", 'eval("1")\n'), ("B605", 'import os\nos.system("true")\n'),
             ("B101", "assert True\n"))


def control_test(settings: dict[str, Any]) -> tuple[str, str] | None:
    skips = {str(s) for s in settings.get("skips") or []}
    tests = {str(t) for t in settings.get("tests") or []}
    return next(((test, code) for test, code in _CONTROLS if test not in skips and (not tests or test in tests)), None)


@dataclass(frozen=True)
class _BanditState:
    control: Path | None  # the canary file bandit must flag, absolute
    control_test: str


class Bandit(CommandScanner):
    name = "bandit"
    stage = "sast"
    # bandit reads one file at a time: PR mode scans the changed files only.
    pr_scope = CHANGED
    executable = "bandit"
    distribution = "bandit"
    ok_exit_codes = frozenset({0, 1})  # 1 = issues found; 2 = usage or config error
    cache_granularity = "file"  # each file's results depend on that file and the (vetted) configuration

    def _targets(self, ctx: ScanContext) -> list[str]:
        settings = bandit_settings(ctx.root) or {}
        excluded = [str(d).removeprefix("./").rstrip("/") for d in settings.get("exclude_dirs", []) or []]
        # bandit applies exclude_dirs only while walking directories; we pass files, so apply it here.
        return [p for p in ctx.files.python if not any(glob_match(p, d) or p.startswith(d + "/") for d in excluded)]

    def plan(self, ctx: ScanContext) -> Plan:
        if not ctx.files.python:
            return Plan(ctx, skip="no Python files to scan")
        targets = self._targets(ctx)
        if not targets:
            return Plan(ctx, skip="every Python file is excluded by [tool.bandit] exclude_dirs")
        control = control_test(bandit_settings(ctx.root) or {})
        if control is None:
            return Plan(ctx, inputs=tuple(targets), state=_BanditState(None, ""))
        path = canary.control_file(ctx.work_dir / "control", ".py", control[1])
        return Plan(ctx, inputs=tuple(targets), state=_BanditState(path, control[0]))

    def argv(self, plan: Plan) -> list[str]:
        argv = [plan.executable, "-f", "json", "-q"]
        vetted = vet_bandit(plan.ctx.root, plan.ctx.work_dir)
        if vetted.path is not None:
            # Never the repository's own file: only the settings the harness vetted and lists.
            argv += ["-c", str(vetted.path)]
        control = [str(plan.state.control)] if plan.state.control else []
        return [*argv, "-r", "--", *plan.inputs, *control]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        ctx = plan.ctx
        crash = [line for line in outcome.stderr.splitlines() if "ERROR" in line]
        if crash:
            raise ScanError(f"reported an internal error: {crash[0].strip()[:160]}")
        data = load_json(outcome.stdout, "bandit JSON")
        require(isinstance(data, dict) and isinstance(data.get("results"), list) and isinstance(data.get("metrics"), dict),
                "JSON output lacks the documented 'results' list and 'metrics' object")
        errors = data.get("errors") or []
        if errors:
            listed = "; ".join(f"{_norm(str(e.get('filename')))}: {e.get('reason')}" for e in errors[:3])
            raise ScanError(f"could not scan {len(errors)} file(s): {listed}")
        state: _BanditState = plan.state
        scanned = {_norm(k) for k in data["metrics"] if k != "_totals"}
        control_hits = 0
        findings: list[Finding] = []
        for item in data["results"]:
            require(isinstance(item, dict)
                    and {"test_id", "issue_severity", "issue_confidence", "filename", "line_number"} <= set(item),
                    "a result lacks test_id, issue_severity, issue_confidence, filename or line_number")
            severity = _LEVELS.get(str(item["issue_severity"]).upper())
            if severity is None:
                raise ScanError(f"unknown bandit severity {item['issue_severity']!r}")
            cwe = item.get("issue_cwe") or {}
            cwe_ids = (int(cwe["id"]),) if isinstance(cwe, dict) and str(cwe.get("id", "")).isdigit() else ()
            col = item.get("col_offset")
            end_col = item.get("end_col_offset")
            line_range = item.get("line_range") or [item["line_number"]]
            message, located = _password_message(str(item["test_id"]), str(item.get("issue_text", "")))
            findings.append(Finding(
                tool=self.name,
                rule_id=str(item["test_id"]),
                rule_name=str(item.get("test_name", "")),
                title=f"{item['test_id']} {item.get('test_name', '')}".strip(),
                severity=severity,
                tool_severity=str(item["issue_severity"]),
                confidence=_CONFIDENCE.get(str(item["issue_confidence"]).upper(), Confidence.UNDEFINED),
                tool_confidence=str(item["issue_confidence"]),
                location=Location(
                    path=_norm(str(item["filename"])), line=int(item["line_number"]),
                    column=col + 1 if isinstance(col, int) else None,
                    end_line=max(line_range) if line_range else None,
                    end_column=end_col + 1 if isinstance(end_col, int) else None,
                ),
                cwe=cwe_ids,
                message=message,
                help_uri=str(item.get("more_info", "")),
                properties=located,
            ))
        totals = data["metrics"].get("_totals", {})
        _check_totals(findings, totals)
        if state.control is not None:
            control = str(state.control)
            control_hits = sum(1 for f in findings if f.location.path == control and f.rule_id == state.control_test)
            findings = [f for f in findings if f.location.path != control]
        problem = "" if state.control is None or control_hits else (
            f"did not flag the harness's control file ({state.control_test}), so its analysis did not really run")
        details: dict[str, Any] = {
            "files_scanned": len(scanned - {str(state.control)}),
            "nosec": int(totals.get("nosec", 0) or 0),
            "skipped_tests": int(totals.get("skipped_tests", 0) or 0),
        }
        details.update(vet_bandit(ctx.root, ctx.work_dir).details())
        # Each file's share of the counts, so cached files and freshly scanned ones add up to the same totals.
        details[BY_INPUT] = {path: {"files_scanned": 1, "nosec": int(metrics.get("nosec", 0) or 0),
                                    "skipped_tests": int(metrics.get("skipped_tests", 0) or 0)}
                             for name, metrics in data["metrics"].items()
                             if name != "_totals" and isinstance(metrics, dict)
                             and (path := _norm(name)) != str(state.control)}
        if (ctx.root / ".bandit").is_file():
            # bandit reads .bandit only while walking directories; it is given files, so it never reads it.
            details.setdefault("notes", []).append(
                "bandit: .bandit is not read (the harness passes files); settings belong in [tool.bandit]")
        return Parsed(findings, Coverage.of(scanned), details, problem)


def _check_totals(findings: list[Finding], totals: Any) -> None:
    """bandit's own tally by severity must agree with the results it printed (a cut list does not)."""
    require(isinstance(totals, dict), "metrics lack the '_totals' object")
    for label in ("LOW", "MEDIUM", "HIGH", "UNDEFINED"):
        claimed = totals.get(f"SEVERITY.{label}", 0)
        printed = sum(1 for f in findings if f.tool_severity.upper() == label)
        require(claimed == printed, f"printed {printed} {label.lower()}-severity result(s) but counted {claimed}: "
                                    "its output is incomplete")

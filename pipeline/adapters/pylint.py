"""pylint, through its ``json2`` reporter.

Fail-closed rules (see the reference notes): fatal messages, syntax errors and bad plugins mean the
file was not really linted. pylint's ``modulesLinted`` is a count whose pseudo-modules vary, so
coverage comes from the harness's own evidence plugin (``pipeline/evidence/pylint_plugin.py``),
which records every module pylint analysed; the printed messages must also add up to pylint's own
``messageTypeCount``. pylint's ``ignore`` settings skip a file without any message, so they are
overridden on the command line.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..evidence import pylint_plugin as evidence_plugin
from ..model import Confidence, Finding, Location, Severity
from ..options import setting
from ..scanner import CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..trust import TrustError, trusted
from ..vetting import VettedConfig
from ..vetting.pylint import vet as vet_pylint

_SEVERITY = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "refactor": Severity.LOW,
    "convention": Severity.LOW,
    "info": Severity.INFO,
}
_CONFIDENCE = {
    "HIGH": Confidence.HIGH,
    "CONTROL_FLOW": Confidence.HIGH,
    "INFERENCE": Confidence.MEDIUM,
    "INFERENCE_FAILURE": Confidence.LOW,
}
# Messages that mean pylint could not analyse a file at all.
_NOT_SCANNED = {"E0001": "syntax error", "E0013": "bad plugin", "E0011": "unrecognized option"}


def rcfile_for(ctx: ScanContext) -> tuple[Path, VettedConfig]:
    """The file for --rcfile: the vetted copy of the repository's pylint configuration, else the harness's defaults.

    The repository's own file is never handed to pylint (it can run code); see pipeline/vetting/pylint.py.
    """
    try:
        trust = trusted()
    except TrustError as exc:
        raise ScanError(str(exc)) from exc
    vetted = vet_pylint(ctx.root, ctx.work_dir, trust, ctx.settings(PylintSettings).pylint_rcfile)
    if vetted.path is None:
        raise ScanError("no pylint configuration was written")  # vet() always writes one
    return vetted.path, vetted


# pylint symbol -> the problem it reports, named by pyflakes' message class (the lint stage's vocabulary).
SAME_PROBLEM = {
    "unused-import": "UnusedImport",
    "undefined-variable": "UndefinedName",
    "unused-variable": "UnusedVariable",
    "undefined-all-variable": "UndefinedExport",
    "used-before-assignment": "UndefinedLocal",
    "reimported": "RedefinedWhileUnused",
    "function-redefined": "RedefinedWhileUnused",
    "f-string-without-interpolation": "FStringMissingPlaceholders",
    "wildcard-import": "ImportStarUsed",
    "duplicate-key": "MultiValueRepeatedKeyLiteral",
    "return-outside-function": "ReturnOutsideFunction",
    "yield-outside-function": "YieldOutsideFunction",
    "not-in-loop": "BreakOutsideLoop",
    "duplicate-argument-name": "DuplicateArgument",
    "raising-non-exception": "RaiseNotImplemented",
    "notimplemented-raised": "RaiseNotImplemented",
    "assert-on-tuple": "AssertTuple",
    "literal-comparison": "IsLiteral",
}


@dataclass(frozen=True)
class PylintSettings:
    pylint_rcfile: str = setting(
        "", "pylint configuration file inside the repository; default: the one pylint itself would find "
            "(pylintrc, .pylintrc, pyproject.toml [tool.pylint], setup.cfg, tox.ini), else the harness's "
            "built-in defaults. Its settings are vetted: code-loading keys are refused.")


class Pylint(CommandScanner):
    name = "pylint"
    stage = "lint"
    executable = "pylint"
    distribution = "pylint"
    # Exit status is a bit field (1 fatal, 2 error, 4 warning, 8 refactor, 16 convention); 32 is usage.
    ok_exit_codes = frozenset(range(32))
    settings_type = PylintSettings

    def problem(self, finding: Finding) -> str | None:
        return SAME_PROBLEM.get(finding.rule_name)

    def plan(self, ctx: ScanContext) -> Plan:
        if not ctx.files.python:
            return Plan(ctx, skip="no Python files to lint")
        evidence = ctx.work_dir / "pylint-evidence"
        plugins = ctx.work_dir / "pylint-plugins"
        plugins.mkdir(exist_ok=True)
        shutil.copyfile(Path(evidence_plugin.__file__), plugins / f"{evidence_plugin.MODULE_NAME}.py")
        digests = {rel: _digest(ctx.root / rel) for rel in ctx.files.python}
        rcfile, vetted = rcfile_for(ctx)
        return Plan(ctx, inputs=tuple(ctx.files.python), state=_PylintState(evidence, plugins, digests, rcfile, vetted))

    def argv(self, plan: Plan) -> list[str]:
        state: _PylintState = plan.state
        rcfile = state.rcfile
        # File selection is the harness's job ([tool.secure-pipeline] exclude). pylint's own ignore
        # settings would skip files while still counting them as linted, so they are cleared here.
        return [plan.executable, "--output-format=json2", "--persistent=n", f"--rcfile={rcfile}",
                "--ignore=", "--ignore-patterns=", "--ignore-paths=",
                f"--load-plugins={evidence_plugin.MODULE_NAME}", f"--enable={evidence_plugin.MESSAGE}",
                "--", *plan.inputs]

    def extra_env(self, plan: Plan) -> dict[str, str]:
        state: _PylintState = plan.state
        state.evidence.unlink(missing_ok=True)
        return {
            evidence_plugin.EVIDENCE_ENV: str(state.evidence),
            "PYTHONPATH": str(state.plugins),
            # Set iteration order decides how many import cycles pylint reports: fix it, so identical
            # inputs give identical reports (a varying count would churn the baseline).
            "PYTHONHASHSEED": "0",
        }

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        data = load_json(outcome.stdout, "pylint json2")
        require(isinstance(data, dict) and isinstance(data.get("messages"), list),
                "json2 output has no 'messages' list (not pylint's documented format)")
        stats = data.get("statistics")
        require(isinstance(stats, dict) and isinstance(stats.get("messageTypeCount"), dict),
                "json2 output has no 'statistics' object with a messageTypeCount")
        state: _PylintState = plan.state
        inputs = set(plan.inputs)
        findings: list[Finding] = []
        counted: Counter[str] = Counter()
        for msg in data["messages"]:
            require(isinstance(msg, dict) and {"type", "symbol", "messageId", "path", "line", "message"} <= set(msg),
                    f"json2 message without the documented fields: {str(msg)[:80]}")
            msg_id = str(msg["messageId"])
            if msg["type"] == "fatal" or msg_id.startswith("F") or msg_id in _NOT_SCANNED:
                what = _NOT_SCANNED.get(msg_id, msg["symbol"])
                raise ScanError(f"could not analyse {msg['path']}: {what} ({msg_id}: {str(msg['message'])[:120]})")
            severity = _SEVERITY.get(msg["type"])
            if severity is None:
                raise ScanError(f"unknown message type {msg['type']!r}")
            path = Path(msg["path"]).as_posix()
            if path == str(state.rcfile) and state.vetted.source:
                path = state.vetted.source  # a message about the configuration names the repository's file
            else:
                require(path in inputs, f"reported a file it was not given: {path[:80]!r}")
            counted[str(msg["type"])] += 1
            symbol = str(msg["symbol"])
            findings.append(Finding(
                tool=self.name,
                rule_id=msg_id,
                rule_name=symbol,
                title=f"{symbol} ({msg_id})",
                severity=severity,
                tool_severity=str(msg["type"]),
                confidence=_CONFIDENCE.get(str(msg.get("confidence")), Confidence.UNDEFINED),
                tool_confidence=str(msg.get("confidence") or ""),
                location=Location(
                    path=path, line=msg.get("line") or None,
                    column=(msg["column"] + 1) if isinstance(msg.get("column"), int) else None,
                    end_line=msg.get("endLine"),
                    end_column=(msg["endColumn"] + 1) if isinstance(msg.get("endColumn"), int) else None,
                ),
                message=str(msg["message"]),
                help_uri=f"https://pylint.readthedocs.io/en/stable/user_guide/messages/{msg['type']}/{symbol}.html",
            ))
        # pylint's own tally must agree with the messages it printed: a filtered or cut list does not.
        claimed = {str(k): v for k, v in stats["messageTypeCount"].items() if isinstance(v, int) and v}
        require(claimed == {k: v for k, v in counted.items() if v},
                f"printed {sum(counted.values())} message(s) but counted {sum(claimed.values())} "
                f"({_tally(counted)} printed vs {_tally(claimed)} counted): its output is incomplete")
        covered, skipped = self._evidence(plan)
        details: dict[str, Any] = {"files_scanned": len(covered & inputs), **state.vetted.details()}
        if skipped:
            details.setdefault("notes", []).append(f"pylint: {len(skipped)} file(s) opt out with `# pylint: skip-file`: "
                                                   + ", ".join(sorted(skipped)[:5]))
        return Parsed(findings, Coverage.of(covered | skipped), details)

    def _evidence(self, plan: Plan) -> tuple[frozenset[str], frozenset[str]]:
        """The inputs pylint analysed (as its evidence plugin saw them), and those that skip themselves."""
        state: _PylintState = plan.state
        root = plan.ctx.root.resolve()
        try:
            raw = state.evidence.read_text(encoding="utf-8", errors="surrogateescape")
        except FileNotFoundError:
            raw = ""
        seen = set()
        for entry in filter(None, raw.split("\0")):
            digest, _, name = entry.partition(" ")
            try:
                rel = Path(name).resolve().relative_to(root).as_posix()
            except ValueError:
                continue  # a module outside the tree (a dependency pylint inspected)
            if state.digests.get(rel) == digest:
                seen.add(rel)  # analysed, and what it analysed is what the harness handed over
        missing = set(plan.inputs) - seen
        skipped = {rel for rel in missing if _SKIP_FILE.search(_head(plan.ctx.root / rel))}
        return frozenset(seen), frozenset(skipped)


@dataclass(frozen=True)
class _PylintState:
    evidence: Path  # where the evidence plugin writes the modules it analysed
    plugins: Path  # the private folder the plugin is loaded from
    digests: dict[str, str]  # sha256 of each input as handed over
    rcfile: Path  # the vetted configuration handed to pylint
    vetted: VettedConfig


_SKIP_FILE = re.compile(r"#\s*pylint:\s*skip-file")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ScanError(f"cannot read {path.name} to lint it: {exc.strerror or exc}") from exc


def _head(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(1024 * 1024)
    except OSError:
        return ""


def _tally(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

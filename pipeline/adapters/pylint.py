"""pylint, through its ``json2`` reporter.

Fail-closed rules (see the reference notes): fatal messages, syntax errors and bad plugins mean the
file was not really linted; ``modulesLinted`` always counts two pseudo-modules, so anything less
than two plus the number of files given means pylint skipped files. pylint's ``ignore`` settings
skip a file without any message (and still count it), so they are overridden on the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Confidence, Finding, Location, Severity
from ..options import Option
from ..runner import ProcessOutcome
from ..scanner import CommandScanner, ScanContext, ScanError, load_json, require
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
_PSEUDO_MODULES = 2


def rcfile_for(ctx: ScanContext) -> tuple[Path, VettedConfig]:
    """The file for --rcfile: the vetted copy of the repository's pylint configuration, else the harness's defaults.

    The repository's own file is never handed to pylint (it can run code); see pipeline/vetting/pylint.py.
    """
    try:
        trust = trusted()
    except TrustError as exc:
        raise ScanError(str(exc)) from exc
    vetted = vet_pylint(ctx.root, ctx.work_dir, trust, ctx.options.get("pylint_rcfile", ""))
    if vetted.path is None:
        raise ScanError("no pylint configuration was written")  # vet() always writes one
    return vetted.path, vetted


def _reported_path(path: str, rcfile: Path, vetted: VettedConfig) -> str:
    """A message about the configuration names the repository's file, not the harness's vetted copy."""
    if path == str(rcfile) and vetted.source:
        return vetted.source
    return Path(path).as_posix()


def module_name(root: Path, rel: str) -> str:
    """The module name pylint gives a file: package parents (with __init__.py) joined by dots."""
    path = Path(rel)
    parts = [path.stem] if path.stem != "__init__" else []
    parent = path.parent
    while parent != Path(".") and (root / parent / "__init__.py").is_file():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts) or path.parent.name


class Pylint(CommandScanner):
    name = "pylint"
    stage = "lint"
    executable = "pylint"
    distribution = "pylint"
    # Exit status is a bit field (1 fatal, 2 error, 4 warning, 8 refactor, 16 convention); 32 is usage.
    ok_exit_codes = frozenset(range(32))
    options = (
        Option("pylint_rcfile", "str", "",
               "pylint configuration file inside the repository; default: the one pylint itself would find "
               "(pylintrc, .pylintrc, pyproject.toml [tool.pylint], setup.cfg, tox.ini), else the harness's "
               "built-in defaults. Its settings are vetted: code-loading keys are refused."),
    )

    def skip_reason(self, ctx: ScanContext) -> str:
        return "" if ctx.files.python else "no Python files to lint"

    def argv(self, ctx: ScanContext, executable: str) -> list[str]:
        rcfile, _ = rcfile_for(ctx)
        # File selection is the harness's job ([tool.secure-pipeline] exclude). pylint's own ignore
        # settings would skip files while still counting them as linted, so they are cleared here.
        return [executable, "--output-format=json2", "--persistent=n", f"--rcfile={rcfile}",
                "--ignore=", "--ignore-patterns=", "--ignore-paths=", "--", *ctx.files.python]

    def parse(self, outcome: ProcessOutcome, ctx: ScanContext) -> tuple[list[Finding], dict[str, Any]]:
        data = load_json(outcome.stdout, "pylint json2")
        require(isinstance(data, dict) and isinstance(data.get("messages"), list),
                "json2 output has no 'messages' list (not pylint's documented format)")
        stats = data.get("statistics")
        require(isinstance(stats, dict), "json2 output has no 'statistics' object")
        rcfile, vetted = rcfile_for(ctx)
        findings: list[Finding] = []
        for msg in data["messages"]:
            require(isinstance(msg, dict) and {"type", "symbol", "messageId", "path", "line", "message"} <= set(msg),
                    f"json2 message without the documented fields: {str(msg)[:80]}")
            msg_id = str(msg["messageId"])
            if msg["type"] == "fatal" or msg_id.startswith("F") or msg_id in _NOT_SCANNED:
                what = _NOT_SCANNED.get(msg_id, msg["symbol"])
                raise ScanError(f"could not analyse {msg['path']}: {what} ({msg_id}: {str(msg['message'])[:120]})")
            severity = _SEVERITY.get(msg["type"])
            require(severity is not None, f"unknown message type {msg['type']!r}")
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
                    path=_reported_path(str(msg["path"]), rcfile, vetted), line=msg.get("line") or None,
                    column=(msg["column"] + 1) if isinstance(msg.get("column"), int) else None,
                    end_line=msg.get("endLine"), end_column=(msg["endColumn"] + 1) if isinstance(msg.get("endColumn"), int) else None,
                ),
                message=str(msg["message"]),
                help_uri=f"https://pylint.readthedocs.io/en/stable/user_guide/messages/{msg['type']}/{symbol}.html",
            ))
        linted = stats.get("modulesLinted")
        require(isinstance(linted, int), "json2 statistics have no modulesLinted count")
        # pylint counts modules by name: two conftest.py in folders without __init__.py count once.
        expected = len({module_name(ctx.root, p) for p in ctx.files.python})
        if linted - _PSEUDO_MODULES < expected:
            raise ScanError(
                f"linted {max(linted - _PSEUDO_MODULES, 0)} of the {expected} modules it was given "
                "(an 'ignore' setting or a crash skipped the rest)"
            )
        return findings, {"files_scanned": len(ctx.files.python), **vetted.details()}

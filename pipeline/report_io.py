"""Reads and writes the canonical stage report, ``reports/<stage>.json`` (schema: README, "Report formats").

Stage reports hold the raw tool runs and findings; ``pipeline verdict`` re-applies the policy to any
set of them, so one machine and many parallel CI jobs reach the same verdict.

A report read back is untrusted input: it must validate against pipeline/data/stage-report.schema.json
(every field present, nothing extra) or it is rejected with one line naming the file and the field.
Its ``status`` and its findings' disposition fields are kept only as a record; the policy derives
them again (pipeline/policy.py, pipeline/acceptances.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__, json_text
from .errors import ConfigError
from .fingerprint import SCHEME_VERSION
from .model import Finding, StageResult, Status, ToolRun

STAGE_SCHEMA = "secure-pipeline/stage-report"
VERDICT_SCHEMA = "secure-pipeline/verdict"
SCHEMA_VERSION = 1


class ReportError(ConfigError):
    """A report file that cannot be read (usage error: names the file and the problem)."""


def report_header(schema: str, run_id: str = "") -> dict[str, Any]:
    """The fields every canonical report starts with: what it is, which harness and which run wrote it."""
    header = {
        "schema": schema,
        "schema_version": SCHEMA_VERSION,
        "harness_version": __version__,
        "fingerprint_scheme": SCHEME_VERSION,
    }
    if run_id:
        header["run_id"] = run_id  # every report one `pipeline run` wrote carries the same id
    return header


SCHEMA_FILE = Path(__file__).parent / "data" / "stage-report.schema.json"


@dataclass
class StageReport:
    """A stage report read back: the result, where it came from and whether the stage was asked for."""

    path: Path
    result: StageResult
    provenance: dict[str, str]
    requested: bool


def stage_report_dict(result: StageResult, provenance: dict[str, str] | None = None, requested: bool = False) -> dict[str, Any]:
    if result.status is None:
        raise ValueError(f"stage {result.stage}: no status; the policy decides it before the report is written")
    prov = provenance or {}
    return {
        **report_header(STAGE_SCHEMA),
        "provenance": {"commit": prov.get("commit", ""), "run_id": prov.get("run_id", ""),
                       "config_hash": prov.get("config_hash", "")},
        "requested": requested,
        "stage": result.stage,
        "status": result.status.value,
        "reason": result.reason,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "tools": [t.to_dict() for t in result.tools],
        "findings": [f.to_dict() for f in result.findings],
        "details": result.details,
    }


def write_json(data: Any, path: Path) -> None:
    """Write atomically, so a crash never leaves half a report that a later verdict would trust."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json_text.dumps(data) + "\n")  # one finding per line
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_stage_report(result: StageResult, out_dir: Path, provenance: dict[str, str] | None = None,
                       requested: bool = False) -> Path:
    path = out_dir / f"{result.stage}.json"
    write_json(stage_report_dict(result, provenance, requested), path)
    return path


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problem(data: Any) -> str:
    """'' when ``data`` is a complete stage report; else the first problem, naming the field."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return ""
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
    return f"{where}: {first.message[:300]}"


def read_stage_report(path: Path) -> StageResult | None:
    """A StageResult, or None for a verdict report (which a glob such as reports/*.json may include)."""
    report = read_report(path)
    return report.result if report else None


def read_report(path: Path) -> StageReport | None:
    """The validated report, or None for a verdict report (which a glob such as reports/*.json may include)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"{path}: report not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read report: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: report is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise ReportError(f"{path}: not a secure-pipeline stage report (top level is not an object)")
    schema = data.get("schema")
    if schema == VERDICT_SCHEMA:
        return None
    if schema != STAGE_SCHEMA:
        raise ReportError(f"{path}: not a secure-pipeline stage report (schema is {schema!r}, expected {STAGE_SCHEMA!r})")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(f"{path}: stage report schema_version {data.get('schema_version')!r} is not supported "
                          f"(expected {SCHEMA_VERSION})")
    problem = schema_problem(data)
    if problem:
        raise ReportError(f"{path}: incomplete or invalid stage report, rejected: {problem}")
    try:
        result = StageResult(
            stage=str(data["stage"]),
            status=Status(data["status"]),
            tools=[ToolRun.from_dict(t) for t in data.get("tools", [])],
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            duration_s=float(data.get("duration_s", 0.0)),
            reason=str(data.get("reason", "")),
            started_at=str(data.get("started_at", "")),
            details=dict(data.get("details") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"{path}: malformed stage report: {exc!s}") from exc
    return StageReport(path, result, {k: str(v) for k, v in data["provenance"].items()}, bool(data["requested"]))

"""SARIF 2.1.0: ``secure-pipeline.sarif`` for GitHub code scanning and ``secure-pipeline-full.sarif``
for every other consumer (design: docs/report-schema.md).

One run per tool, each its own code-scanning category (``automationDetails.id`` =
``secure-pipeline/<tool>/``). Merged findings go to their primary tool's run. GitHub's upload limits
(20 runs per file, 25,000 results per run, 10 MB gzipped) are enforced by keeping the most severe
results; every cut is stated in the run's ``properties`` and added to the verdict's notes.

How code scanning treats an upload, and what the code-scanning file does about it:

- GitHub ignores SARIF ``suppressions`` (and ``baselineState``) for alert state: a result with a
  suppression still opens an alert (dismissing from SARIF needs a separate API call per alert).
  So the code-scanning file holds only what the gate calls *new*: suppressed and baselined findings
  are left out, and a finding that was uploaded before and is now suppressed is closed as fixed.
- Alerts are tracked per category: an upload replaces the previous analysis of each category it
  contains, and a result missing from a category's new analysis closes that alert; a category not in
  the upload is left exactly as it was. A tool *in error* therefore gets no run at all (not an empty
  run, which would close all its alerts on the next push): its alerts stay as last known and the
  verdict's notes say so. A skipped or not-applicable tool gets no run either, for the same reason.
  A tool that ran and found nothing gets an empty run, so its fixed alerts close.
- Non-blocking hints (new findings below the gate's thresholds, ZAP WARN/INFO rules) stay out of the
  Security tab unless ``sarif_include_hints = true`` in the configuration.
- When no run is left (every tool in error or skipped), the code-scanning file is not written (a
  stale one is removed), so the workflow's ``hashFiles`` condition skips the upload.

The full file keeps every tool run (errors included, ``executionSuccessful: false``) and every
finding, with ``suppressions`` and ``baselineState``, for consumers that honour them, plus the policy
review against the base branch (``properties.policy_review``) when there is one.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from .. import json_text
from ..model import Confidence, Disposition, Finding, Severity, Status, ToolRun
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import clean, display_properties, one_line, safe_http_url, tail, write_text_atomic

FILE_NAME = "secure-pipeline.sarif"
FULL_FILE_NAME = "secure-pipeline-full.sarif"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
CATEGORY_PREFIX = "secure-pipeline"
FINGERPRINT_KEY = "secure-pipeline/v1"
SRCROOT = "%SRCROOT%"

# GitHub code scanning limits (docs "SARIF support for code scanning", "SARIF results exceed limit").
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_GZIP_BYTES = 10_000_000  # 10 MB, counted in decimal megabytes to stay on the safe side
MAX_TAGS = 20
MAX_TEXT = 1024  # shortDescription / fullDescription
MAX_NAME = 255

# GitHub ranks security results by this score: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
# 0.1-3.9 low; 0.0 means "no security severity", so info findings carry none at all.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
# Stages whose findings are code quality, not security, unless the tool gives a CWE.
NON_SECURITY_STAGES = frozenset({"lint"})
# Where a dependency finding points when its adapter did not name the manifest (first that exists).
DEPENDENCY_MANIFESTS = (
    "requirements.txt", "pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock",
)
# Web findings have no file; code scanning accepts only repository paths, so they get a synthetic
# one built from the URL path (never the host or query, which differ between deployments).
WEB_ARTIFACT_PREFIX = "_web"
UNLOCATED_PREFIX = "_unlocated"  # a finding with no location at all (rare): one synthetic path per tool


@dataclass
class _Run:
    tool: str
    invocations: list[tuple[str, ToolRun]] = field(default_factory=list)
    items: list[EvaluatedFinding] = field(default_factory=list)
    kept: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def importance(self) -> tuple[int, int, int, str]:
        worst = max((int(i.finding.severity) for i in self.items), default=-1)
        return (-sum(i.blocking for i in self.items), -worst, -len(self.items), self.tool)


def _relative_uri(path: str, root: Path) -> str:
    text = clean(path).replace("\\", "/")
    candidate = Path(text)
    if candidate.is_absolute():
        try:
            text = candidate.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    while text.startswith("./"):
        text = text[2:]
    # Percent-encode everything but unreserved characters and "/": spaces, ":" and "%" in file names
    # would otherwise make an invalid or different URI.
    return quote(text, safe="/") or "."


def _is_repo_relative(path: Any) -> bool:
    if not isinstance(path, str) or not path.strip():
        return False
    posix = PurePosixPath(path.replace("\\", "/"))
    return not posix.is_absolute() and ".." not in posix.parts and ":" not in path


def _region(line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> dict[str, int]:
    start = line if isinstance(line, int) and line >= 1 else 1
    region = {"startLine": start}
    if isinstance(column, int) and column >= 1:
        region["startColumn"] = column
    if isinstance(end_line, int) and end_line >= start:
        region["endLine"] = end_line
    spans_lines = region.get("endLine", start) > start
    if isinstance(end_column, int) and end_column >= 1 and (spans_lines or end_column > region.get("startColumn", 0)):
        region["endColumn"] = end_column
    return region


def _location(finding: Finding, root: Path) -> dict[str, Any]:
    loc = finding.location
    logical: list[dict[str, str]] = []
    if loc.path:
        uri, region = _relative_uri(loc.path, root), _region(loc.line, loc.column, loc.end_line, loc.end_column)
    else:
        manifest = finding.properties.get("manifest")
        manifest_line = finding.properties.get("manifest_line")
        if isinstance(manifest, str) and _is_repo_relative(manifest):
            uri = _relative_uri(manifest, root)
        elif loc.package:
            uri = next((m for m in DEPENDENCY_MANIFESTS if (root / m).is_file()), DEPENDENCY_MANIFESTS[0])
        elif loc.url:
            try:
                url_path = urlsplit(clean(loc.url)).path.strip("/") or "index"
            except ValueError:  # not a URL urllib accepts (a redacted host): still one result, never a lost report
                url_path = "index"
            uri = f"{WEB_ARTIFACT_PREFIX}/{quote(url_path, safe='/')}"
        else:
            uri = f"{UNLOCATED_PREFIX}/{quote(finding.tool, safe='')}"
        region = _region(manifest_line if isinstance(manifest_line, int) else None, None, None, None)
        if loc.url:
            logical.append({"fullyQualifiedName": one_line(loc.describe()), "kind": "resource"})
        elif loc.package:
            logical.append({"fullyQualifiedName": one_line(loc.describe()), "kind": "module"})
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}, "region": region},
    }
    if logical:
        location["logicalLocations"] = logical
    return location


def _is_security(items: list[EvaluatedFinding]) -> bool:
    return any(i.stage not in NON_SECURITY_STAGES or i.finding.cwe for i in items)


def _rule(rule_id: str, items: list[EvaluatedFinding]) -> dict[str, Any]:
    first = items[0].finding  # items are ranked, so this is the most severe occurrence
    worst = max(i.finding.severity for i in items)
    cwes = sorted({c for i in items for c in i.finding.cwe})
    security = _is_security(items)
    level = LEVEL[worst]
    title = one_line(first.title, MAX_TEXT) or rule_id
    full = [title]
    if cwes:
        full.append("CWE: " + ", ".join(f"CWE-{c}" for c in cwes) + ".")
    full.append(f"Reported by {first.tool} as {rule_id}" + (f" ({first.rule_name})." if first.rule_name else "."))
    help_uri = safe_http_url(first.help_uri)
    help_text = one_line(first.fix_hint) or (f"See {help_uri}" if help_uri else f"{first.tool} rule {rule_id}: {title}")
    tags = ["security"] if security else ["maintainability"]
    tags += [f"external/cwe/cwe-{c}" for c in cwes]
    tags += [first.tool, items[0].stage]
    properties: dict[str, Any] = {"tags": list(dict.fromkeys(tags))[:MAX_TAGS]}
    if first.confidence in PRECISION:
        properties["precision"] = PRECISION[first.confidence]
    if security and worst in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[worst]
    if not security:
        properties["problem.severity"] = PROBLEM_SEVERITY[level]
    rule: dict[str, Any] = {"id": rule_id}
    if first.rule_name and first.rule_name != rule_id:
        rule["name"] = one_line(first.rule_name, MAX_NAME)
    rule["shortDescription"] = {"text": title}
    rule["fullDescription"] = {"text": one_line(" ".join(full), MAX_TEXT)}
    rule["help"] = {"text": help_text}
    if help_uri:
        rule["helpUri"] = help_uri
    rule["defaultConfiguration"] = {"level": level}
    rule["properties"] = properties
    return rule


def _rule_id(finding: Finding) -> str:
    return one_line(finding.rule_id) or "unknown-rule"


def _result(item: EvaluatedFinding, rule_index: int, occurrence: int, root: Path) -> dict[str, Any]:
    f = item.finding
    fingerprint = f.fingerprint  # every finding has one (pipeline/finding_pipeline.py; the report schema)
    properties: dict[str, Any] = {
        "stage": item.stage,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "disposition": item.disposition.value,
        "blocking": item.blocking,
        "found_by": list(f.found_by),
        "fingerprint": fingerprint,
    }
    if f.tool_severity:
        properties["tool_severity"] = one_line(f.tool_severity)
    if f.location.url:
        properties.update({k: one_line(v) for k, v in
                           (("url", f.location.url), ("method", f.location.method), ("param", f.location.param)) if v})
    if f.location.package:
        properties.update({k: one_line(v) for k, v in
                           (("package", f.location.package), ("version", f.location.version)) if v})
    properties.update(display_properties(f))
    text = clean(f.message).strip() or one_line(f.title) or _rule_id(f)
    if f.fix_hint:
        text += "\nFix: " + one_line(f.fix_hint)
    result: dict[str, Any] = {
        "ruleId": _rule_id(f),
        "ruleIndex": rule_index,
        "level": "error" if item.blocking else LEVEL[f.severity],
        "message": {"text": text},
        "locations": [_location(f, root)],
        "partialFingerprints": {FINGERPRINT_KEY: f"{fingerprint}:{occurrence}"},
    }
    if item.disposition is Disposition.SUPPRESSED:
        result["suppressions"] = [{
            "kind": "external", "status": "accepted", "justification": one_line(item.because) or "suppressed",
        }]
    else:
        result["baselineState"] = "new" if item.disposition is Disposition.NEW else "unchanged"
    result["properties"] = properties
    return result


def _invocation(stage: str, run: ToolRun) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": run.status is not Status.ERROR}
    command = " ".join(clean(a) for a in run.command).strip()
    if command:
        invocation["commandLine"] = command
    if run.exit_code is not None:
        invocation["exitCode"] = run.exit_code
    if run.status is Status.ERROR:
        invocation["toolExecutionNotifications"] = [{
            "level": "error", "message": {"text": one_line(run.error) or f"{run.tool} failed"},
        }]
    properties: dict[str, Any] = {"stage": stage, "status": run.status.value, "duration_s": round(run.duration_s, 3)}
    stderr = tail(run.stderr_tail)
    if stderr:
        properties["stderr_tail"] = stderr
    invocation["properties"] = properties
    return invocation


def _occurrences(items: list[EvaluatedFinding]) -> dict[int, int]:
    """Index of each finding among those sharing its fingerprint, in location order (stable across runs)."""
    seen: dict[str, int] = {}
    result: dict[int, int] = {}
    ordered = sorted(items, key=lambda i: (i.finding.fingerprint, i.finding.location.describe(), i.finding.rule_id))
    for item in ordered:
        result[id(item)] = seen.get(item.finding.fingerprint, 0)
        seen[item.finding.fingerprint] = result[id(item)] + 1
    return result


def _build_run(run: _Run, root: Path, keep: set[int]) -> dict[str, Any]:
    occurrences = _occurrences(run.items)
    kept = [i for i in run.items if id(i) in keep]
    by_rule: dict[str, list[EvaluatedFinding]] = {}
    for item in kept:
        by_rule.setdefault(_rule_id(item.finding), []).append(item)
    rule_ids = sorted(by_rule)
    index = {rid: n for n, rid in enumerate(rule_ids)}
    version = next((one_line(inv.version) for _, inv in run.invocations if one_line(inv.version)), "")
    driver: dict[str, Any] = {"name": run.tool}
    if version:
        driver["version"] = version
    driver["rules"] = [_rule(rid, by_rule[rid]) for rid in rule_ids]
    body: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"{CATEGORY_PREFIX}/{run.tool}/"},
        "columnKind": "unicodeCodePoints",
    }
    if run.invocations:
        body["invocations"] = [_invocation(stage, inv) for stage, inv in run.invocations]
    body["results"] = [_result(i, index[_rule_id(i.finding)], occurrences[id(i)], root) for i in kept]
    properties: dict[str, Any] = {
        "stages": sorted({stage for stage, _ in run.invocations} | {i.stage for i in run.items}),
        "results_total": len(run.items),
        "results_kept": len(kept),
        "truncated": len(kept) < len(run.items),
    }
    if run.notes:
        properties["truncation"] = "; ".join(run.notes)
    body["properties"] = properties
    run.kept = len(kept)
    return body


def _for_code_scanning(item: EvaluatedFinding, include_hints: bool) -> bool:
    """Only what the gate calls new reaches code scanning; non-blocking hints only when asked for."""
    if item.disposition is not Disposition.NEW:
        return False
    return item.blocking or include_hints


def _serialize(log: dict[str, Any]) -> bytes:
    return (json_text.dumps(log, depth=4) + "\n").encode("utf-8")  # log, runs, run, results: one result per line


class SarifReporter:
    name = "sarif"

    def __init__(self, max_runs: int = MAX_RUNS, max_results_per_run: int = MAX_RESULTS_PER_RUN,
                 max_gzip_bytes: int = MAX_GZIP_BYTES) -> None:
        self.max_runs = max_runs
        self.max_results_per_run = max_results_per_run
        self.max_gzip_bytes = max_gzip_bytes

    def build(self, verdict: Verdict, root: Path, code_scanning: bool = False,
              include_hints: bool = False) -> tuple[dict[str, Any], list[str]]:
        """The SARIF log and the notes saying what had to be cut (limits) or left out (code scanning)."""
        notes: list[str] = []
        runs: dict[str, _Run] = {}
        errored = sorted({t.tool for s in verdict.stages for t in s.tools if t.status is Status.ERROR})
        for stage in sorted(verdict.stages, key=lambda s: s.stage):
            for tool in stage.tools:
                if tool.status in (Status.SKIPPED, Status.NOT_APPLICABLE):
                    continue  # a skipped tool's old alerts stay as they were
                if code_scanning and tool.tool in errored:
                    continue  # no run for its category: an empty one would close its alerts
                runs.setdefault(tool.tool, _Run(tool.tool)).invocations.append((stage.stage, tool))
        if code_scanning and errored:
            notes.append(f"SARIF: no code-scanning run for {', '.join(errored)} (in error): their existing alerts are "
                         "left as they were, neither closed nor updated")
        ranked = [i for i in verdict.findings if not code_scanning or _for_code_scanning(i, include_hints)]
        for item in ranked:
            if code_scanning and item.finding.tool in errored:
                continue
            runs.setdefault(item.finding.tool, _Run(item.finding.tool)).items.append(item)

        chosen = sorted(runs.values(), key=lambda r: r.importance)
        if len(chosen) > self.max_runs:
            dropped = sorted(r.tool for r in chosen[self.max_runs:])
            notes.append(f"SARIF: {len(dropped)} tool run(s) left out ({', '.join(dropped)}): "
                         f"GitHub code scanning accepts at most {self.max_runs} runs per file")
            chosen = chosen[: self.max_runs]
        chosen.sort(key=lambda r: r.tool)

        keep: set[int] = set()
        for run in chosen:
            if len(run.items) > self.max_results_per_run:
                run.notes.append(f"kept the {self.max_results_per_run} most severe of {len(run.items)} results "
                                 f"(GitHub code scanning accepts at most {self.max_results_per_run} per run)")
                notes.append(f"SARIF: {run.tool}: {run.notes[-1]}")
            keep.update(id(i) for i in run.items[: self.max_results_per_run])

        log = self._log(chosen, root, keep)
        data = _serialize(log)
        size = len(gzip.compress(data))
        if size > self.max_gzip_bytes:
            # Keep the globally most severe results (verdict.findings is ranked) until the file fits.
            order = [id(i) for i in ranked if id(i) in keep]
            total = len(order)
            while size > self.max_gzip_bytes and order:
                order = order[: int(len(order) * min(self.max_gzip_bytes / size, 1.0) * 0.9)]
                keep = set(order)
                for run in chosen:
                    run.notes = [n for n in run.notes if "gzip" not in n]
                    if sum(id(i) in keep for i in run.items) < len(run.items):
                        run.notes.append(f"results cut to fit GitHub's {self.max_gzip_bytes:,}-byte gzip limit "
                                         "(the most severe are kept)")
                log = self._log(chosen, root, keep)
                data = _serialize(log)
                size = len(gzip.compress(data))
            notes.append(f"SARIF: kept the {len(order)} most severe of {total} results to stay under GitHub's "
                         f"{self.max_gzip_bytes:,}-byte gzip limit")
        return log, notes

    def _log(self, chosen: list[_Run], root: Path, keep: set[int]) -> dict[str, Any]:
        return {
            "$schema": SARIF_SCHEMA_URI,
            "version": SARIF_VERSION,
            "runs": [_build_run(run, root, keep) for run in chosen],
        }

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        full, notes = self.build(verdict, ctx.root)
        if verdict.policy_review is not None:
            # Not an alert (code scanning has no place for it), but consumers of the full file see it.
            full["properties"] = {"policy_review": verdict.policy_review.to_dict()}
        full_path = write_text_atomic(ctx.out_dir / FULL_FILE_NAME, _serialize(full).decode("utf-8"))
        scanning, scanning_notes = self.build(verdict, ctx.root, code_scanning=True, include_hints=ctx.sarif_include_hints)
        path = ctx.out_dir / FILE_NAME
        if scanning["runs"]:
            write_text_atomic(path, _serialize(scanning).decode("utf-8"))
        else:
            path.unlink(missing_ok=True)  # never leave an older run's file to be uploaded for this one
            scanning_notes.append(f"SARIF: no tool ran to completion, so {FILE_NAME} was not written "
                                  "(uploading nothing leaves every code-scanning alert as it was)")
        for note in [*notes, *scanning_notes]:  # the other reports (JSON, console, summary) state the cut too
            if note not in verdict.notes:
                verdict.notes.append(note)
        return path if scanning["runs"] else full_path

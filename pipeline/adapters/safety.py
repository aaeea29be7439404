"""safety, as a second opinion beside pip-audit; never shown as passed when it did not really run.

* Online: ``safety scan`` over a folder holding the pinned requirements, only when ``SAFETY_API_KEY``
  is set (the only credential passed through to it).
* With ``safety_db`` (offline or not): ``safety check --db DB -r FILE --output json``.
* Otherwise it is reported SKIPPED as "not configured" or "unavailable offline", or, with
  ``safety_required = true``, as an error.

Fail-closed rules: exit 0 and 64 are the only completed scans; 1 and 65-75 are named errors. stdout
must hold safety's JSON (a leading "DEPRECATED" banner from ``check`` is the one text allowed before
it), so a crash that still exits 0 (``--continue-on-error`` style) is an error; the report must
cover every pin; the exit code must agree with the vulnerabilities reported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..advisories import trusted
from ..advisories.findings import dependency_finding
from ..advisories.severity import Rating, severity_of_score
from ..advisories.versions import canonical_name as _canonical
from ..dependencies import Dependencies, Pin, SourceError, requirements_text
from ..model import Finding, Severity
from ..options import setting
from ..pr_mode import WHEN_CHANGED
from ..scanner import CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..stages.deps import DepsSettings
from .pip_audit import gather, severity_default

API_KEY = "SAFETY_API_KEY"  # pragma: allowlist secret - the variable's name, not a value
# safety/constants.py exit codes.
EXIT_MEANINGS = {
    1: "crashed (unhandled failure)", 2: "usage error", 65: "invalid authentication credential",
    66: "too many requests", 67: "unable to load the local vulnerability database",
    68: "unable to fetch the vulnerability database (network)", 69: "malformed vulnerability database",
    70: "invalid report", 71: "invalid requirement", 72: "email not verified", 73: "enrollment failed",
    74: "machine ID unavailable", 75: "enrollment failed (retryable)",
}
VULNERABILITIES_FOUND = 64
_SEVERITY_WORDS = {"low": Severity.LOW, "medium": Severity.MEDIUM, "moderate": Severity.MEDIUM,
                   "high": Severity.HIGH, "critical": Severity.CRITICAL}
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s;,]+)\s*$")


@dataclass(frozen=True)
class _SafetyPlan:
    deps: Dependencies
    files_dir: Path  # one requirements file per layer of pins


def _safety_id(raw: Any) -> str:
    text = str(raw).strip()
    return text if not text.isdigit() else f"SAFETY-{text}"


def _rating(severity: Any) -> Rating | None:
    if not isinstance(severity, dict):
        return None
    cvss3 = severity.get("cvssv3") or {}
    if isinstance(cvss3, dict):
        score = cvss3.get("base_score")
        if isinstance(score, (int, float)):
            return Rating(severity_of_score(float(score)), f"safety cvssv3 base_score {score}", float(score))
        word = str(cvss3.get("base_severity") or "").lower()
        if word in _SEVERITY_WORDS:
            return Rating(_SEVERITY_WORDS[word], f"safety cvssv3 base_severity {word}")
    return None


def _json_part(stdout: str) -> str:
    """stdout without the one banner safety's deprecated `check` prints before its JSON."""
    start = stdout.find("{")
    if start > 0 and "DEPRECATED" not in stdout[:start]:
        raise ScanError(f"printed text before its JSON: {stdout[:start].strip()[:80]!r}")
    return stdout[start:] if start > 0 else stdout


@dataclass(frozen=True)
class SafetySettings:
    safety_db: str = setting(
        "", "A local safety vulnerability database folder for `safety check --db` (needed to run safety offline). "
            "A trusted setting: only from the command line (`--set deps.safety_db=PATH`) or the harness's "
            "SECURE_PIPELINE_SAFETY_DB; set in the scanned repository's pyproject.toml it is a configuration error.")
    safety_required: bool = setting(
        False, "When safety cannot run (no SAFETY_API_KEY online, no safety_db offline) the stage is an error instead "
               "of showing safety as skipped (never as passed).")


def _safety_db(ctx: ScanContext) -> str:
    return trusted.value(ctx.settings(SafetySettings).safety_db, "safety_db")


class Safety(CommandScanner):
    name = "safety"
    stage = "deps"
    # As pip-audit: a full audit in PR mode when a requirement or lock file changed.
    pr_scope = WHEN_CHANGED
    executable = "safety"
    distribution = "safety"
    ok_exit_codes = frozenset({0, VULNERABILITIES_FOUND})
    env_passthrough = (API_KEY,)
    settings_type = SafetySettings

    def _unavailable(self, ctx: ScanContext) -> str:
        if _safety_db(ctx):
            return ""
        if ctx.settings(DepsSettings).offline:
            return "unavailable offline: no local safety database configured (deps.safety_db)"
        if not os.environ.get(API_KEY):
            return f"not configured: {API_KEY} is not set"
        return ""

    def plan(self, ctx: ScanContext) -> Plan:
        reason = self._unavailable(ctx)
        if reason and ctx.settings(SafetySettings).safety_required:
            raise ScanError(f"{reason} (deps.safety_required is true)")
        if reason:
            return Plan(ctx, skip=reason)
        refused = trusted.refusal(ctx.root)
        if refused:
            raise ScanError(refused)
        deps = gather(ctx)
        files_dir = ctx.work_dir / "requirements"
        files_dir.mkdir(exist_ok=True)
        try:
            for index, layer in enumerate(deps.layers()):
                (files_dir / f"requirements-{index + 1}.txt").write_text(requirements_text(layer), encoding="utf-8")
        except SourceError as exc:
            raise ScanError(str(exc)) from exc
        return Plan(ctx, inputs=tuple(sorted({p.name for p in deps.pins})), state=_SafetyPlan(deps, files_dir))

    def argv(self, plan: Plan) -> list[str]:
        state: _SafetyPlan = plan.state
        files = sorted(state.files_dir.glob("requirements-*.txt"))
        db = _safety_db(plan.ctx)
        if db:
            if not Path(db).expanduser().exists():
                raise ScanError(f"configured safety_db {db!r} does not exist")
            reqs = [arg for f in files for arg in ("-r", str(f))]
            return [plan.executable, "check", "--db", str(Path(db).expanduser()), *reqs, "--output", "json"]
        return [plan.executable, "scan", "--target", str(state.files_dir), "--output", "json"]

    def exit_problem(self, outcome: Outcome) -> str:
        code = outcome.exit_code
        if code is not None and code not in self.ok_exit_codes and code in EXIT_MEANINGS:
            return f"exited with code {code}: {EXIT_MEANINGS[code]}"
        return super().exit_problem(outcome)

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        ctx = plan.ctx
        deps = plan.state.deps
        if not outcome.stdout.strip():
            tail = outcome.stderr.strip().splitlines()[-1:] or ["no error output"]
            raise ScanError(f"exited {outcome.exit_code} without a JSON report, so it did not scan: {tail[0][:200]}")
        data = load_json(_json_part(outcome.stdout), "safety JSON")
        require(isinstance(data, dict), "JSON report is not an object")
        if "report_meta" in data:
            findings, scanned = self._from_check(data, deps, ctx)
        elif "scan_results" in data:
            findings, scanned = self._from_scan(data, deps, ctx)
        else:
            raise ScanError("JSON report has neither 'report_meta' (check) nor 'scan_results' (scan): not safety's format")
        active = [f for f in findings if f.accepted_by is None]
        if outcome.exit_code == VULNERABILITIES_FOUND and not active:
            raise ScanError("exited 64 (vulnerabilities found) but its report lists none")
        if outcome.exit_code == 0 and active:
            raise ScanError("exited 0 but its report lists vulnerabilities; output cannot be trusted")
        db = _safety_db(ctx)
        source = f"local safety database {db}" if db else "Safety platform (live)"
        details = {"packages_scanned": len(scanned), "dependency_sources": deps.sources, "pins_audited": len(deps.pins),
                   "advisory_source": {"service": source}, "notes": [f"deps: safety advisory source {source}"]}
        # safety lists every package it scanned: its evidence of coverage, by package name.
        return Parsed(findings, Coverage.of(scanned), details)

    # --- the two JSON shapes ----------------------------------------------------------------------
    def _from_check(self, data: dict[str, Any], deps: Dependencies, ctx: ScanContext) -> tuple[list[Finding], set[str]]:
        meta = data["report_meta"]
        require(isinstance(meta, dict) and isinstance(meta.get("packages_found"), int), "report_meta has no packages_found count")
        scanned_raw = data.get("scanned_packages")
        if not isinstance(scanned_raw, dict):
            raise ScanError("report has no scanned_packages object")
        scanned = {_canonical(name) for name in scanned_raw}
        given = {p.name for p in deps.pins}
        require(meta["packages_found"] >= len(given),
                f"found {meta['packages_found']} packages but was given {len(given)}; not scanned: "
                + ", ".join(sorted(given - scanned)[:8]))
        vulns = data.get("vulnerabilities")
        if not isinstance(vulns, list):
            raise ScanError("report has no vulnerabilities list")
        findings = []
        for vuln in vulns:
            require(isinstance(vuln, dict) and {"vulnerability_id", "package_name", "analyzed_version"} <= set(vuln),
                    f"vulnerability without the documented fields: {str(vuln)[:80]}")
            ids = [_safety_id(vuln["vulnerability_id"])]
            cve = vuln.get("CVE") or vuln.get("cve")
            if cve:
                ids += [c.strip() for c in str(cve).split(",") if c.strip()]
            extra = {"safety_spec": vuln.get("vulnerable_spec")}
            if vuln.get("ignored"):
                extra["suppressed_by"] = f"safety policy: {vuln.get('ignored_reason') or 'ignored'}"
            findings.append(self._finding(deps, ctx, str(vuln["package_name"]), str(vuln["analyzed_version"]), ids,
                                          str(vuln.get("advisory") or ""), vuln.get("fixed_versions") or [],
                                          _rating(vuln.get("severity")), str(vuln.get("more_info_url") or ""), extra))
        return findings, scanned

    def _from_scan(self, data: dict[str, Any], deps: Dependencies, ctx: ScanContext) -> tuple[list[Finding], set[str]]:
        projects = (data.get("scan_results") or {}).get("projects")
        if not isinstance(projects, list) or not projects:
            raise ScanError("scan report has no projects")
        findings: list[Finding] = []
        scanned: set[str] = set()
        for project in projects:
            for file in project.get("files") or []:
                for dep in (file.get("results") or {}).get("dependencies") or []:
                    require(isinstance(dep, dict) and isinstance(dep.get("name"), str),
                            f"dependency without a name: {str(dep)[:80]}")
                    for spec in dep.get("specifications") or []:
                        match = _PIN.match(str(spec.get("raw", "")))
                        if match is None:
                            raise ScanError(f"specification {spec.get('raw')!r} of {dep['name']} is not a pin")
                        name, version = _canonical(match.group(1)), match.group(2)
                        scanned.add(name)
                        vulns = spec.get("vulnerabilities") or {}
                        remediation = vulns.get("remediation") or {}
                        fixes = [v for v in [remediation.get("recommended"), *(remediation.get("other_recommended") or [])] if v]
                        for vuln in vulns.get("known_vulnerabilities") or []:
                            require(isinstance(vuln, dict) and vuln.get("id"), f"vulnerability of {name} without an id")
                            extra = {"safety_spec": vuln.get("vulnerable_spec")}
                            if vuln.get("ignored"):
                                extra["suppressed_by"] = f"safety policy: {(vuln['ignored'] or {}).get('reason') or 'ignored'}"
                            findings.append(self._finding(
                                deps, ctx, name, version, [_safety_id(vuln["id"])], "", fixes, None,
                                f"https://data.safetycli.com/v/{vuln['id']}/", extra))
        return findings, scanned

    def _finding(self, deps: Dependencies, ctx: ScanContext, package: str, version: str, ids: list[str], summary: str,
                 fixes: list[Any], rating: Rating | None, url: str, extra: dict[str, Any]) -> Finding:
        pin: Pin | None = deps.lookup(package, version)
        if pin is None:
            raise ScanError(f"reported {package} {version}, which it was not asked to audit")
        origin = pin.origins[0]
        file_origin = None if origin.path.startswith("env:") else origin
        finding = dependency_finding(
            tool=self.name, package=pin.name, version=pin.version, ids=ids, summary=summary,
            fixed_versions=[str(v) for v in fixes], rating=rating, unknown_severity=severity_default(ctx),
            path=file_origin.path if file_origin else None, line=file_origin.line if file_origin else None,
            origins=[f"{o.path}:{o.line}" if o.line else o.path for o in pin.origins], extra=extra)
        if url and not finding.help_uri.startswith("https://github.com"):
            return replace(finding, help_uri=url)
        return finding

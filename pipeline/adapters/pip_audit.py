"""pip-audit, fail closed, online or against a local OSV mirror.

Every configured dependency source is reduced to exact pins (``pipeline/dependencies.py``) and given
to pip-audit with ``--no-deps --disable-pip``, so it audits exactly those pins and nothing else.

* Offline, or whenever ``advisory_db`` is set: the records are loaded and served on loopback
  (``pipeline/advisories/server.py``); pip-audit runs with ``-s osv --osv-url`` pointing there.
* Online with ``osv_url``: pip-audit queries that OSV-compatible endpoint.
* Online otherwise: pip-audit's default PyPI service. It answers per exact release, so a package or
  version the index does not know comes back as a ``skip_reason``, which fails the run; the OSV API
  answers ``{}`` for names it has never heard of, which would pass a private package silently.

Fail-closed rules: stdout must be pip-audit's JSON (exit 1 means "vulnerabilities" only when it is);
any ``skip_reason`` names the packages; every pin must appear in the output and, with the local
mirror, must have been queried; pip-audit warnings that mean dropped records fail the run; packages
the local database has no record of are an error unless ``unknown_packages = "warn"``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.version import Version

from ..advisories import canary, trusted
from ..advisories.database import AdvisoryDB, AdvisoryError
from ..advisories.findings import dependency_finding, needed_upgrade, sort_versions, version_key
from ..advisories.server import MirrorServer
from ..advisories.sync import default_destination
from ..advisories.versions import canonical_name, fixed_versions
from ..cache_keys import tree_digest
from ..dependencies import Dependencies, Origin, Pin, SourceError, collect, requirements_text
from ..model import Finding, Severity
from ..options import StageConfig, setting
from ..pr_mode import WHEN_CHANGED
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..stages.deps import DepsSettings

# pip-audit's own advice when --no-deps is used without hashes; anything else it warns about is suspect.
_BENIGN_WARNINGS = ("--no-deps is supported", "Consider using a tool like")
_WARNING = re.compile(r"^(WARNING|ERROR):pip_audit")
_CAUSES = (
    ("ConnectionError", "the advisory service is unreachable"),
    ("ConnectTimeout", "the advisory service is unreachable (timeout)"),
    ("ReadTimeout", "the advisory service did not answer in time"),
    ("ServiceError", "the advisory service answered with an error"),
    ("JSONDecodeError", "the advisory service answered with something that is not JSON"),
    ("KeyError", "the advisory service answered with JSON of the wrong shape"),
    ("invalid requirements input", "pip-audit could not read the requirements it was given"),
)
ONLINE_SOURCE = "PyPI JSON API (pip-audit's default service, live)"


@dataclass(frozen=True)
class _Plan:
    deps: Dependencies
    db: AdvisoryDB | None
    url: str = ""  # OSV endpoint; "" = pip-audit's PyPI service
    mirror: MirrorServer | None = None  # the loopback mirror serving ``db``, while the commands run
    # Canary pins audited beside the repository's (see advisories/canary.py); their findings are evidence only.
    probes: tuple[Pin, ...] = ()
    canaries: tuple[canary.Canary, ...] = ()

    @property
    def audited(self) -> Dependencies:
        return Dependencies(pins=[*self.deps.pins, *self.probes], sources=self.deps.sources)

    def is_probe(self, finding: Finding) -> bool:
        key = (finding.location.package, finding.location.version)
        return any(key == probe.key for probe in self.probes)


def with_probes(plan: _Plan) -> _Plan:
    pinned: dict[str, set[str]] = {}
    for pin in plan.deps.pins:
        pinned.setdefault(pin.name, set()).add(pin.version)
    canaries = canary.choose(pinned)
    # A canary the repository pins itself is audited once, as the repository's pin (and still counts as evidence).
    probes = [Pin(c.package, c.version, [Origin("canary", None)]) for c in canaries
              if plan.deps.lookup(c.package, c.version) is None]
    return replace(plan, probes=tuple(probes), canaries=tuple(canaries))


def pin_label(pin: Pin) -> str:
    return f"{pin.key[0]}=={pin.key[1]}"


def advisory_db_path(deps: DepsSettings) -> Path | None:
    """The configured database (a trusted setting), else the one `pipeline advisories sync` writes when it exists."""
    configured = trusted.value(deps.advisory_db, "advisory_db")
    if configured:
        return Path(configured).expanduser()
    synced = default_destination()
    return synced if synced.exists() else None


def gather(ctx: ScanContext) -> Dependencies:
    try:
        sources = ctx.settings(DepsSettings).sources or DepsSettings().sources  # an empty list means the default
        return collect(ctx.root, list(sources), ctx.files.all, timeout=min(ctx.timeout, 120))
    except SourceError as exc:
        raise ScanError(str(exc)) from exc


def severity_default(ctx: ScanContext) -> Severity:
    return Severity.parse(ctx.settings(DepsSettings).unknown_severity)


def age_note(db: AdvisoryDB, max_days: int) -> tuple[str, bool]:
    """The verdict note naming the source and its age; True when the data is older than allowed."""
    age = db.age_days()
    newest = db.newest.date().isoformat() if db.newest else "unknown date"
    text = f"deps: advisory source {db.source} ({db.layout}, {db.records} records, newest record {newest}"
    if age is None:
        return text + ", age unknown: no record has a timestamp)", True
    stale = age > max_days
    text += f", {age:g} days old)"
    if stale:
        text += f" - WARNING: older than max_advisory_age_days={max_days}; recent advisories may be missing"
    return text, stale


@dataclass(frozen=True)
class PipAuditSettings:
    osv_url: str = setting(
        "", "Online only: audit against this OSV-compatible `/v1/query` endpoint instead of pip-audit's default "
            "PyPI service (ignored when a local advisory database is used). A trusted setting: only from the "
            "command line (`--set deps.osv_url=URL`) or the harness's SECURE_PIPELINE_OSV_URL; set in the scanned "
            "repository's pyproject.toml it is a configuration error.")
    unknown_packages: str = setting(
        "error", "What a pinned package the local advisory database has no record of at all means: `error` (the "
                 "stage fails closed, naming the packages) or `warn` (a verdict note). A package with no advisories "
                 "ever is indistinguishable from one the database does not cover.", choices=("error", "warn"))
    known_clean_packages: tuple[str, ...] = setting(
        (), "Packages reviewed as having no advisories: not reported as unknown to the local database.")


class PipAudit(CommandScanner):
    name = "pip-audit"
    stage = "deps"
    # Audits pins read from requirement and lock files: PR mode audits in full when one of those changed.
    pr_scope = WHEN_CHANGED
    executable = "pip-audit"
    distribution = "pip-audit"
    ok_exit_codes = frozenset({0, 1})  # 1 = vulnerabilities found, but only when stdout is its JSON
    # One entry per run, only over a local advisory snapshot (see cache_key_parts).
    cache_granularity = "run"
    settings_type = PipAuditSettings

    def resolve(self) -> str | None:
        # PATH first (the CI session's pinned copy), then the one installed beside the running interpreter.
        found = super().resolve()
        beside = Path(sys.executable).parent / self.executable
        return found or (str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None)

    def validate(self, root: Path, stage_config: StageConfig) -> None:
        """The scanned repository may not choose its own advisory source (exit 3 before anything runs)."""
        trusted.check(root)

    # --- the result cache ---------------------------------------------------------------------
    def cache_key_parts(self, plan: Plan) -> Mapping[str, str] | None:
        """The advisory snapshot's content digest and today's date (its age and staleness are part of the
        result). A live service has no identity the harness can check: never cached."""
        state: _Plan = plan.state
        if state.db is None:
            return None
        identity = tree_digest(state.db.source)
        if identity is None:
            return None
        return {"advisories": identity, "date": dt.datetime.now(dt.UTC).date().isoformat()}

    def cache_files(self, plan: Plan) -> Iterable[str]:
        """The dependency sources and every file they may include or constrain (all but Python code)."""
        state: _Plan = plan.state
        return sorted({*state.deps.sources, *(p for p in plan.ctx.files.all if not p.endswith(".py"))})

    # --- the plan: pins, advisory source, one run per layer of pins -------------------------------
    def plan(self, ctx: ScanContext) -> Plan:
        refused = trusted.refusal(ctx.root)
        if refused:
            raise ScanError(refused)
        try:
            deps = gather(ctx)
            db_path = advisory_db_path(ctx.settings(DepsSettings))
            if db_path is None:
                if ctx.settings(DepsSettings).offline:
                    raise ScanError("offline runs need a local advisory database: pass --advisory-db PATH or set "
                                    f"{trusted.env_name('advisory_db')} (or run `pipeline advisories sync`, which writes "
                                    f"{default_destination()})")
                state = _Plan(deps, None, url=trusted.value(ctx.settings(PipAuditSettings).osv_url, "osv_url"))
            else:
                ctx.note(f"loading advisories from {db_path}")
                state = _Plan(deps, AdvisoryDB.load(db_path))
        except AdvisoryError as exc:
            raise ScanError(str(exc)) from exc
        return Plan(ctx, inputs=tuple(pin_label(p) for p in deps.pins), state=with_probes(state))

    @contextmanager
    def session(self, plan: Plan) -> Iterator[Plan]:
        state: _Plan = plan.state
        if state.db is None:
            yield plan
            return
        mirror = MirrorServer(state.db).start()
        try:
            yield replace(plan, state=replace(state, url=mirror.url, mirror=mirror))
        finally:
            mirror.stop()

    def commands(self, plan: Plan) -> list[Command]:
        state: _Plan = plan.state
        ctx = plan.ctx
        layers = state.audited.layers()
        commands = []
        for index, layer in enumerate(layers):
            requirements = ctx.work_dir / f"pins-{index + 1}.txt"
            try:
                requirements.write_text(requirements_text(layer), encoding="utf-8")
            except SourceError as exc:
                raise ScanError(str(exc)) from exc
            service = ["-s", "osv", "--osv-url", state.url] if state.url else ["-s", "pypi"]
            argv = [plan.executable, "--no-deps", "--disable-pip", "-r", str(requirements), "-f", "json",
                    "--progress-spinner", "off", "--desc", "on", "--aliases", "on",
                    "--cache-dir", str(ctx.work_dir / "cache"), *service]
            label = f"set {index + 1} of {len(layers)}" if len(layers) > 1 else ""
            # Not in the scanned tree: pip-audit needs nothing from it beyond the pins file we wrote.
            commands.append(Command(argv, env=self.extra_env(plan), cwd=ctx.work_dir, label=label, state=tuple(layer)))
        return commands

    def extra_env(self, plan: Plan) -> dict[str, str]:
        # Options pip-audit reads from PIP_AUDIT_* are all given as flags; these two have no flag we pass.
        env = {"PIP_AUDIT_OUTPUT": "stdout", "PIP_AUDIT_LOGLEVEL": "INFO"}
        # A proxy must never see (or break) loopback queries to the local mirror.
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
        env.update({"NO_PROXY": no_proxy, "no_proxy": no_proxy})
        return env

    def crash_meaning(self, outcome: Outcome) -> str:
        lines = [line.strip() for line in outcome.stderr.splitlines() if line.strip()]
        return next((meaning for marker, meaning in _CAUSES if any(marker in line for line in lines[-5:])), "")

    # --- the output of one layer --------------------------------------------------------------------
    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        state: _Plan = plan.state
        layer: tuple[Pin, ...] = outcome.command.state
        plan.ctx.note(f"audited {sum(p not in state.probes for p in layer)} pinned packages"
                      + (f" ({outcome.command.label})" if outcome.command.label else ""))
        if not outcome.stdout.strip():
            raise ScanError(f"exited {outcome.exit_code} without a JSON report: {_cause(outcome.stderr)}")
        data = load_json(outcome.stdout, "pip-audit JSON")
        require(isinstance(data, dict) and isinstance(data.get("dependencies"), list),
                "JSON report has no 'dependencies' list (not pip-audit's documented format)")
        suspicious = [line for line in outcome.stderr.splitlines()
                      if _WARNING.match(line) and not any(b in line for b in _BENIGN_WARNINGS)]
        if suspicious:
            raise ScanError(f"warned that it dropped or could not use data: {suspicious[0][:200]}")
        skipped: list[str] = []
        seen: set[str] = set()
        findings: list[Finding] = []
        for dep in data["dependencies"]:
            require(isinstance(dep, dict) and isinstance(dep.get("name"), str),
                    f"dependency entry without a name: {str(dep)[:80]}")
            if dep.get("skip_reason"):
                skipped.append(f"{dep['name']} ({dep['skip_reason']})")
                continue
            require(isinstance(dep.get("version"), str) and isinstance(dep.get("vulns"), list),
                    f"dependency {dep['name']} has no version or vulns list")
            pin = state.audited.lookup(dep["name"], dep["version"])
            require(pin is not None and pin in layer, f"reported {dep['name']} {dep['version']}, which it was not asked to audit")
            assert pin is not None  # noqa: S101  # for the type checker; require() above raised otherwise
            seen.add(pin_label(pin))
            findings.extend(self._findings(pin, dep["vulns"], state, plan.ctx))
        if outcome.exit_code == 1 and not findings:
            raise ScanError(f"exited 1 but reported no vulnerability: {_cause(outcome.stderr)}")
        if outcome.exit_code == 0 and findings:
            raise ScanError("exited 0 but reported vulnerabilities; output cannot be trusted")
        # A skipped pin does not make the vulnerabilities found unreal: they stay beside the error.
        problem = ""
        if skipped:
            problem = (f"did not audit {len(skipped)} dependenc{'y' if len(skipped) == 1 else 'ies'}: "
                       + "; ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""))
        # pip-audit lists every dependency it audited, vulnerable or not: its evidence of coverage.
        return Parsed(findings, Coverage.of(seen), error=problem)

    def _findings(self, pin: Pin, vulns: list[Any], plan: _Plan, ctx: ScanContext) -> list[Finding]:
        found = []
        for vuln in vulns:
            require(isinstance(vuln, dict) and isinstance(vuln.get("id"), str),
                    f"vulnerability entry of {pin.name} without an id: {str(vuln)[:80]}")
            ids = [vuln["id"], *map(str, vuln.get("aliases") or [])]
            fixes = list(map(str, vuln.get("fix_versions") or []))
            rating, extra = None, {}
            if plan.db is not None:
                records = plan.db.records_for(ids)
                # pip-audit keeps only the last matching `affected` entry's fixes: take every fix from the records.
                for record in records:
                    fixes.extend(fixed_versions(record, pin.name))
                rating = plan.db.rating(ids)
                odd = [f"{r['id']}: {'; '.join(plan.db.unevaluable[r['id']])}" for r in records if r["id"] in plan.db.unevaluable]
                if odd:
                    extra["unevaluable_range"] = ("; ".join(odd) + " - served without that bound, so this version is "
                                                  "reported as affected (fail closed)")
            origin = pin.origins[0]
            file_origin = None if origin.path.startswith("env:") else origin
            found.append(dependency_finding(
                tool=self.name, package=pin.name, version=pin.version, ids=ids,
                summary=str(vuln.get("description") or ""), fixed_versions=fixes, rating=rating,
                unknown_severity=severity_default(ctx),
                path=file_origin.path if file_origin else None, line=file_origin.line if file_origin else None,
                origins=[f"{o.path}:{o.line}" if o.line else o.path for o in pin.origins], extra=extra,
            ))
        return found

    # --- after all layers ---------------------------------------------------------------------------
    def finish(self, plan: Plan, parsed: Parsed) -> Parsed:
        state: _Plan = plan.state
        reported = parsed.findings
        found = [f for f in reported if not state.is_probe(f)]
        details = self._details(plan.ctx, state, found)
        problems: list[str] = []
        if not parsed.error:  # after a failed set, "never queried" and a missing canary would only repeat it
            if state.mirror is not None:
                problems += self._check_mirror(plan.ctx, state, state.mirror, details)
            problems += self._check_canaries(details, state, reported)
        # Reported beside the findings, not instead of them.
        return Parsed(self._with_upgrades(found, state), parsed.covered, {**parsed.details, **details},
                      "; ".join(filter(None, [parsed.error, *problems])))

    def _check_canaries(self, details: dict[str, Any], plan: _Plan, reported: list[Finding]) -> list[str]:
        """Positive evidence that the advisory source knows PyPI advisories: it must have reported the canaries."""
        source = str(plan.db.source) if plan.db is not None else (plan.url or ONLINE_SOURCE)
        if plan.db is not None:
            missing = canary.missing_from_database(plan.db, plan.canaries)
            if missing:
                return [f"the advisory database {source} has no advisory for the canary release(s) {', '.join(missing)} "
                        "that every complete PyPI advisory source holds, so it cannot show it knows the packages it was "
                        "asked about and its clean answers cannot be trusted"]
        answers = [(f.location.package or "", f.location.version or "", f.properties.get("ids") or []) for f in reported]
        missing = canary.unanswered(answers, plan.canaries)
        details["canary"] = {"asked": [f"{c.pin} ({c.advisory})" for c in plan.canaries], "missing": missing}
        if missing:
            return [f"the advisory source {source} did not report the canary release(s) {', '.join(missing)}: it "
                    "answers as if it knew no advisories, so its clean answers cannot be trusted"]
        details.setdefault("notes", []).append(
            f"deps: the advisory source reported the canaries {', '.join(details['canary']['asked'])}, evidence "
            "that it really holds PyPI advisories")
        return []

    def _check_mirror(self, ctx: ScanContext, plan: _Plan, mirror: MirrorServer, details: dict[str, Any]) -> list[str]:
        if mirror.log.errors:
            return [f"sent the local advisory mirror {len(mirror.log.errors)} bad quer(ies): {mirror.log.errors[0]}"]
        asked = set(mirror.log.queries)
        unasked = [f"{p.name}=={p.version}" for p in plan.deps.pins if p.key not in asked]
        if unasked:
            return ["never queried the advisory database for " + ", ".join(unasked[:8])]
        settings = ctx.settings(PipAuditSettings)
        allowed = {canonical_name(n) for n in settings.known_clean_packages}
        unknown = sorted({p.name for p in plan.deps.pins if plan.db is not None and not plan.db.knows(p.name)} - allowed)
        details["unknown_packages"] = unknown
        if unknown and settings.unknown_packages == "error":
            return [
                f"the advisory database {plan.db.source if plan.db else ''} has no record of {len(unknown)} package(s), so "
                f"they were not really audited: {', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''} "
                "(if they genuinely have no advisories, list them in deps.known_clean_packages "
                "or set deps.unknown_packages = \"warn\")"]
        if unknown:
            details.setdefault("notes", []).append(
                f"deps: {len(unknown)} package(s) have no record in the advisory database (no advisories, or not covered): "
                + ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else ""))
        return []

    def _details(self, ctx: ScanContext, plan: _Plan, findings: list[Finding]) -> dict[str, Any]:
        deps, mirror = plan.deps, plan.mirror
        notes: list[str] = []
        details: dict[str, Any] = {
            "notes": notes,
            "dependency_sources": deps.sources,
            "pins_audited": len(deps.pins),
            "pip_audit_runs": len(deps.layers()),
            "marker_skipped": deps.marker_skipped,
            "resolved_by_lock": deps.resolved_by_lock,
        }
        if deps.ignored_options:
            details["ignored_pip_options"] = deps.ignored_options
            notes.append(f"deps: {len(deps.ignored_options)} pip option(s) in the scanned requirement files were ignored "
                         "(nothing from them is ever installed, built or downloaded: pip-audit audits only the exact "
                         "pins the harness writes, with --no-deps --disable-pip): " + "; ".join(deps.ignored_options[:8])
                         + (" ..." if len(deps.ignored_options) > 8 else ""))
        if deps.marker_skipped:
            notes.append(f"deps: {len(deps.marker_skipped)} requirement(s) not audited because their environment marker is "
                         "false here: " + "; ".join(deps.marker_skipped[:5]))
        if plan.db is not None and mirror is not None:
            latencies = sorted(mirror.log.latencies)
            details["advisory_source"] = plan.db.describe()
            details["mirror"] = {
                "queries": len(latencies),  # the pins' and the canaries'
                "canary_queries": len(plan.probes),
                "load_seconds": plan.db.load_seconds,
                "median_query_ms": round(statistics.median(latencies) * 1000, 3) if latencies else None,
                "max_query_ms": round(latencies[-1] * 1000, 3) if latencies else None,
            }
            text, stale = age_note(plan.db, ctx.settings(DepsSettings).max_advisory_age_days)
            details["advisory_source"]["stale"] = stale
            notes.append(text)
            for finding in findings:
                if finding.properties.get("unevaluable_range"):
                    notes.append(f"deps: {finding.location.package} {finding.location.version}: advisory range not PEP 440 "
                                 f"orderable ({finding.properties['unevaluable_range']})")
        else:
            source = f"OSV endpoint {plan.url} (live)" if plan.url else ONLINE_SOURCE
            details["advisory_source"] = {"service": source, "age_days": 0}
            notes.append(f"deps: advisory source {source}; severities are `unknown_severity` unless deps.advisory_db is set")
        return details

    def _with_upgrades(self, findings: list[Finding], plan: _Plan) -> list[Finding]:
        """The smallest release that clears every known advisory of each package, checked against the database."""
        by_package: dict[tuple[str, str], list[Finding]] = {}
        for finding in findings:
            by_package.setdefault((finding.location.package or "", finding.location.version or ""), []).append(finding)
        clears_all: dict[tuple[str, str], str] = {}
        for (package, version), group in by_package.items():
            upgrades = [needed_upgrade(version, f.properties["fixed_versions"]) for f in group]
            needs = [n for n in upgrades if n is not None]
            if len(needs) < len(upgrades):
                continue
            floor = max(needs, key=Version)  # each parsed: needed_upgrade returns only parseable versions
            floor_key = Version(floor)
            candidate = floor
            if plan.db is not None:
                # The floor may itself fall inside another advisory's range (or a fix branch of one): take the
                # first fixed release at or above it that the database says is clean.
                fixes = sort_versions(v for f in group for v in f.properties["fixed_versions"])
                candidate = next((v for v in fixes if (key := version_key(v)) and key >= floor_key
                                  and not plan.db.query(package, v)), floor)
            clears_all[(package, version)] = candidate
        return [replace(f, properties={**f.properties, "clears_all": clears_all[pinned]})
                if (pinned := (f.location.package or "", f.location.version or "")) in clears_all else f
                for f in findings]


def _cause(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1][:200] if lines else "no error output"
    for marker, meaning in _CAUSES:
        if any(marker in line for line in lines[-5:]):
            return f"{meaning} ({last})"
    return last

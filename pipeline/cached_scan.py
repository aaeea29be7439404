"""The result cache inside the scanner protocol: look the plan's inputs up, run the tool on the misses only,
and put the two halves back together as if the tool had scanned everything.

Two granularities, declared by the adapter (``cache_granularity``):

* ``"file"``: one entry per input file, holding the findings located in it, its share of the run's
  counts (``files_scanned``, bandit's ``nosec``...) and the run's other details. A run with three
  changed files re-plans the tool over a FileSet without the hits, so it scans those three only.
  The adapter's ``cache_context(plan, path, digests)`` adds what else the file's result depends on:
  pylint's is every Python file of the tree, or in PR mode the module's import closure.
* ``"run"``: one entry for the whole plan (zizmor, checkov, pip-audit over a local advisory
  snapshot), keyed on the plan's inputs and the content of ``cache_files(plan)``.

A cached input counts as covered only because its entry records that exact input and content; a
miss is run and checked as always. Only a clean run is stored (no error, no coverage gap, every
finding attributable to one of its inputs), and a run whose per-input counts do not add up to its
totals is not stored either: its cached copy could not be reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .cache_keys import InputDigests, config_identity, entry_key, harness_identity
from .model import Finding
from .result_cache import ResultCache

if TYPE_CHECKING:
    from .scanner import CommandScanner, Parsed, Plan

# Parsed.details key under which an adapter states each input's share of the run's counts
# ({path: {"nosec": 2}}); the base class always removes it from the report.
BY_INPUT = "by_input"
FILE, RUN = "file", "run"


def split_by_input(details: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The details without the per-input shares, and the shares."""
    rest = dict(details)
    shares = rest.pop(BY_INPUT, None)
    return rest, dict(shares) if isinstance(shares, dict) else {}


def order_by_input(findings: list[Finding], inputs: Iterable[str]) -> list[Finding]:
    """Findings grouped by the plan's input order (the tool's order within a file): the same order whether
    they came from one run, or from the cache and a run over the misses."""
    rank = {path: index for index, path in enumerate(inputs)}
    last = len(rank)
    return sorted(findings, key=lambda f: rank.get(f.location.path or "", last))


@dataclass
class CachedPart:
    """What the cache supplied for one scan, and what the run over the misses must add."""

    scanner: CommandScanner
    cache: ResultCache
    plan: Plan  # the full plan
    common: str
    digests: InputDigests
    keys: dict[str, str] = field(default_factory=dict)  # input (or "" for a run entry) -> key
    hits: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def granularity(self) -> str:
        return self.scanner.cache_granularity

    @property
    def misses(self) -> list[str]:
        if self.granularity == RUN:
            return [] if self.hits else list(self.plan.inputs)
        return [p for p in self.plan.inputs if p not in self.hits]

    @property
    def complete(self) -> bool:
        return bool(self.plan.inputs) and not self.misses

    def summary(self) -> str:
        unit = "files" if self.granularity == FILE else "runs"
        if self.granularity == RUN:
            return "result from cache" if self.hits else "not cached: ran"
        return f"{len(self.hits)} of {len(set(self.plan.inputs))} {unit} from cache"

    # --- the misses' plan ----------------------------------------------------------------------
    def plan_for_misses(self) -> Plan | None:
        """The adapter's plan over the FileSet without the hits, or None when it does not match the misses
        exactly (then the full plan runs: correct, just not faster)."""
        if not self.hits or self.granularity != FILE:
            return None
        ctx = self.plan.ctx
        work = ctx.work_dir / "misses"
        work.mkdir(exist_ok=True)
        if self.scanner.cache_hits_as_path_hints:
            narrowed = replace(ctx, path_hints=ctx.path_hints | frozenset(self.hits), work_dir=work)
        else:
            narrowed = replace(ctx, files=ctx.files.restricted(p for p in ctx.files.all if p not in self.hits),
                               work_dir=work)
        plan = self.scanner.plan(narrowed)
        if plan.skip or set(plan.inputs) != set(self.misses):
            return None
        return replace(plan, executable=self.plan.executable)

    # --- putting the halves together -------------------------------------------------------------
    def cached_parsed(self) -> Parsed:
        """The complete result from the cache alone."""
        return self.combine(None)

    def combine(self, fresh: Parsed | None) -> Parsed:
        from .scanner import Coverage, Parsed

        if self.granularity == RUN:
            if fresh is not None:
                return fresh
            entry = self.hits[""]
            covered = Coverage(frozenset(entry["covered"])) if entry["covered"] is not None \
                else Coverage.none(entry["no_evidence"])
            return Parsed(_findings(entry["findings"]), covered, entry["details"])
        fresh_details, fresh_shares = split_by_input(fresh.details) if fresh is not None else ({}, {})
        findings = [f for path in self.plan.inputs if path in self.hits for f in _findings(self.hits[path]["findings"])]
        scanned = frozenset(self.hits)
        if fresh is not None:
            findings = [*fresh.findings, *findings]
            scanned = scanned | (fresh.covered.scanned or frozenset())
            template = {k: v for k, v in fresh_details.items() if k != "notes"}
            notes = list(fresh_details.get("notes", []))
        else:
            first = self.hits[next(p for p in self.plan.inputs if p in self.hits)]
            template, notes = dict(first["details"]), list(first["notes"])
        # The misses' counts are the fresh run's totals; each hit adds its recorded share.
        details = _add_shares(template, [self.hits[p]["share"] for p in self.hits], from_zero=fresh is None)
        if notes:
            details["notes"] = notes
        return Parsed(order_by_input(findings, self.plan.inputs), Coverage(scanned), details,
                      fresh.error if fresh is not None else "")

    # --- storing a clean run -------------------------------------------------------------------
    def store(self, ran: Plan, fresh: Parsed) -> None:
        """Write the entries a clean run over ``ran`` proves (the caller checked error and coverage)."""
        if fresh.error or fresh.covered.scanned is None and self.granularity == FILE:
            return
        if self.granularity == RUN:
            key = self.keys.get("")
            if key:
                covered = sorted(fresh.covered.scanned) if fresh.covered.scanned is not None else None
                self._put(key, {"findings": [f.to_dict() for f in fresh.findings], "covered": covered,
                                "no_evidence": fresh.covered.no_evidence, "details": dict(fresh.details)})
            return
        details, shares = split_by_input(fresh.details)
        inputs = set(ran.inputs)
        if any((f.location.path or "") not in inputs for f in fresh.findings):
            return  # a finding no input owns (a cross-file report): this run cannot be split into entries
        covered = sorted((fresh.covered.scanned or frozenset()) & inputs)
        per_input = {p: _share(details, shares, p) for p in covered}
        if _add_shares(details, per_input.values(), from_zero=True) != details:
            return  # the shares do not add up to the totals: a cached copy would not be exact
        template = {k: v for k, v in details.items() if k != "notes"}
        notes = list(details.get("notes", []))
        for path in covered:
            key = self.keys.get(path)
            if not key:
                continue
            self._put(key, {"input": path, "digest": self.digests.of(path),
                            "findings": [f.to_dict() for f in fresh.findings if f.location.path == path],
                            "share": per_input[path], "details": template, "notes": notes})

    def read(self, label: str, key: str) -> dict[str, Any] | None:
        payload, problem = self.cache.get(self.scanner.name, key)
        if problem:
            self.notes.append(f"{problem} ({label})" if label else problem)
        return payload

    def _put(self, key: str, payload: dict[str, Any]) -> None:
        problem = self.cache.put(self.scanner.name, key, payload)
        if problem:
            self.notes.append(problem)


def look_up(scanner: CommandScanner, cache: ResultCache | None, plan: Plan, version: str) -> CachedPart | None:
    """The cache's part of this scan, or None when this tool or this run is not cached."""
    if cache is None or scanner.cache_granularity not in (FILE, RUN) or not plan.inputs or version in ("", "unknown"):
        return None
    extra = scanner.cache_key_parts(plan)
    if extra is None:
        return None
    ctx = plan.ctx
    digests = InputDigests(ctx.root)
    # `partial`: PR mode runs some tools with other settings (pylint without its whole-program checks).
    common = entry_key(tool=scanner.name, version=version, harness=harness_identity(), extra=dict(extra),
                       config=config_identity(ctx.root, ctx.options, scanner.env_passthrough, digests),
                       partial=ctx.partial)
    part = CachedPart(scanner, cache, plan, common, digests)
    if scanner.cache_granularity == RUN:
        files = digests.of_all(scanner.cache_files(plan))
        if files is None:
            return None
        part.keys[""] = entry_key(common=common, inputs=sorted(plan.inputs), files=files)
        payload = part.read("", part.keys[""])
        if payload is not None and _valid_run_entry(payload):
            part.hits[""] = payload
        elif payload is not None:
            part.notes.append(f"result cache: discarded a {scanner.name} entry: not the shape of a run's result")
        return part
    for path in dict.fromkeys(plan.inputs):
        digest = digests.of(path)
        context = scanner.cache_context(plan, path, digests)
        if digest is None or context is None:
            continue  # unreadable: always a miss
        key = part.keys[path] = entry_key(common=common, input=path, content=digest, context=context)
        payload = part.read(path, key)
        if payload is None:
            continue
        # The entry must prove this exact input: its path and content, beyond the key that found it.
        if payload.get("input") == path and payload.get("digest") == digest and _valid_file_entry(payload):
            part.hits[path] = payload
        else:
            part.notes.append(f"result cache: discarded a {scanner.name} entry for {path}: it records another "
                              "input or is not the shape of a file's result")
    return part


def _valid_file_entry(payload: dict[str, Any]) -> bool:
    return (isinstance(payload.get("findings"), list) and isinstance(payload.get("share"), dict)
            and isinstance(payload.get("details"), dict) and isinstance(payload.get("notes"), list)
            and _decodable(payload["findings"]))


def _valid_run_entry(payload: dict[str, Any]) -> bool:
    covered = payload.get("covered")
    return (isinstance(payload.get("findings"), list) and isinstance(payload.get("details"), dict)
            and (covered is None and bool(payload.get("no_evidence"))
                 or isinstance(covered, list) and all(isinstance(c, str) for c in covered))
            and _decodable(payload["findings"]))


def _decodable(items: list[Any]) -> bool:
    try:
        _findings(items)
    except (TypeError, ValueError, KeyError, AttributeError):
        return False
    return True


def _findings(items: list[dict[str, Any]]) -> list[Finding]:
    return [Finding.from_dict(item) for item in items]


def _share(details: Mapping[str, Any], shares: Mapping[str, Mapping[str, int]], path: str) -> dict[str, int]:
    """One input's share of the counts: what the adapter states, else one scanned file."""
    if path in shares:
        return dict(shares[path])
    return {"files_scanned": 1} if "files_scanned" in details else {}


def _add_shares(template: Mapping[str, Any], shares: Iterable[Mapping[str, int]], from_zero: bool) -> dict[str, Any]:
    """The template's counts plus the shares (from zero: the shares alone), in the template's key order."""
    totals: dict[str, int] = {}
    for share in shares:
        for key, value in share.items():
            totals[key] = totals.get(key, 0) + int(value)
    details = dict(template)
    for key, value in totals.items():
        start = details.get(key, 0)
        details[key] = value if from_zero or not isinstance(start, int) else start + value
    return details

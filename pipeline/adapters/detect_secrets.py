"""detect-secrets, run fresh with every plugin and compared with the repository's ``.secrets.baseline``.

The baseline is never handed to the tool (nor ``--custom-plugins``): detect-secrets loads its plugins
and filters from it, so a tampered baseline could switch detection off, and a ``file://`` plugin or
filter path in it is the repository's own Python code, imported by the scan. We scan the explicit file list with ``--all-files``
(so untracked or non-git trees are not silently skipped) and ``--no-verify`` (so no secret is sent
to a provider), then match results against the baseline by (file, hashed secret, type) ourselves.
Reports carry the type, file, line and hashed secret, never the value.

detect-secrets prints nothing about a file without secrets and silently skips files it cannot
decode as UTF-8. So it scans copies (``evidence.canary``, without a canary: one would change which
of its parsing passes runs) in which non-UTF-8 text is decoded as Latin-1, and its coverage evidence
is its own verbose log, one "Checking file: X" line per file it opened. Its own filters never read
lock files, yet a key pasted into one is as real as anywhere: lock files are scanned under a name
those filters do not know (mapped back in the report). Files with non-text extensions and binary
files are not handed to it; they are listed in the report's notes, never counted as scanned.

Random-looking values that are known not to be secrets (Alembic revision ids, SRI hashes, lock-file
digests: :mod:`pipeline.known_values` recognises them by their syntactic context) are dropped from
the entropy detectors' results only, and counted in a note.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import known_values
from ..evidence import canary
from ..files import read_regular_file
from ..model import Acceptance, Confidence, Disposition, Finding, Location, Severity
from ..options import setting
from ..pr_mode import CHANGED
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require

# Detectors whose absence from `plugins_used` means the scan was configured down.
CORE_PLUGINS = {"AWSKeyDetector", "PrivateKeyDetector", "KeywordDetector", "Base64HighEntropyString",
                "HexHighEntropyString", "GitHubTokenDetector", "SlackDetector", "BasicAuthDetector"}
BaselineKey = tuple[str, str, str]  # (filename, hashed_secret, type)
# The detectors that flag a value for looking random: the only results a known non-secret value can explain.
ENTROPY_TYPES = frozenset({"Hex High Entropy String", "Base64 High Entropy String"})


def load_baseline(path: Path) -> dict[BaselineKey, dict[str, Any]]:
    """The audited entries of a detect-secrets baseline; ScanError when it is not one."""
    if not path.exists():
        return {}
    try:
        raw = read_regular_file(path)
    except OSError as exc:
        raise ScanError(f"baseline {path.name} cannot be read: {exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError(f"baseline {path.name} is not valid JSON: {exc}") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ScanError(f"baseline {path.name} has no 'results' object (not a detect-secrets baseline)")
    entries: dict[BaselineKey, dict[str, Any]] = {}
    for filename, items in results.items():
        if not isinstance(items, list):
            raise ScanError(f"baseline {path.name}: results for {filename!r} is not a list")
        for item in items:
            if not isinstance(item, dict) or not {"hashed_secret", "type"} <= set(item):
                raise ScanError(f"baseline {path.name}: an entry for {filename!r} lacks hashed_secret or type")
            entries[(filename, item["hashed_secret"], item["type"])] = item
    return entries


def _skipped_by_detect_secrets(rel: str) -> str:
    """Why detect-secrets' own filters never read this file ('' when it does or we make it): non-text extensions."""
    try:
        from detect_secrets.filters.heuristic import is_non_text_file
    except ImportError:  # without the library in-process nothing is assumed skipped; the canary decides
        return ""
    return "non-text file extension" if is_non_text_file(rel) and not _is_lock_file(rel) else ""


def _is_lock_file(rel: str) -> bool:
    """A lock file, which detect-secrets' filters skip by name (package-lock.json) or extension (.lock)."""
    try:
        from detect_secrets.filters.heuristic import is_lock_file
    except ImportError:
        return False
    return bool(is_lock_file(rel)) or Path(rel).suffix == ".lock" or Path(rel).name in known_values.TOML_LOCKS


def _scan_names(copies: canary.Copies, tag: str) -> dict[str, str]:
    """The name each copy is scanned under: lock files renamed so that detect-secrets reads them.

    A TOML lock file gets ``.toml`` (detect-secrets then parses it as TOML), another ``.lock`` one
    ``.txt`` (it skips that extension as non-text); other extensions are kept, since detect-secrets
    picks its parsing by extension. ``tag`` is fresh per run, so no repository file has the same name.
    """
    names: dict[str, str] = {}
    for rel in copies.files:
        if _is_lock_file(rel):
            path = Path(rel)
            suffix = ".toml" if path.name in known_values.TOML_LOCKS else ".txt" if path.suffix == ".lock" else ""
            disguised = path.with_name(f"scanned-lock-{tag}-{path.name}{suffix}").as_posix()
            (copies.folder / rel).rename(copies.folder / disguised)
            names[rel] = disguised
        else:
            names[rel] = rel
    return names


_CHECKING = re.compile(r"^\[scan\]\s+INFO\s+Checking file: (?P<path>.+)$")
_SKIPPING = re.compile(r"^\[scan\]\s+INFO\s+Skipping \"(?P<path>.+)\" due to `(?P<why>[^`]+)`$")
_TROUBLE = re.compile(r"^\[\w+\]\s+(WARNING|ERROR|CRITICAL)\s+(?P<text>.*)$")


@dataclass(frozen=True)
class _SecretsState:
    copies: canary.Copies
    not_read: dict[str, str]  # file -> why detect-secrets' own rules skip it
    control: str  # the harness's control file (relative to the copies), holding `control_hash`
    control_hash: str
    scan_names: dict[str, str]  # input -> the name detect-secrets is given (differs for lock files)


def _control_key() -> str:
    # An AWS access key id of the documented shape, fresh for every run.
    return "AKIA" + canary.token(16, string.ascii_uppercase + "234567")


@dataclass(frozen=True)
class DetectSecretsSettings:
    secrets_baseline: str = setting(
        ".secrets.baseline", "detect-secrets baseline whose audited false positives (is_secret: false) are accepted.")


class DetectSecrets(CommandScanner):
    name = "detect-secrets"
    stage = "secrets"
    # Every detector reads one file at a time: PR mode scans the changed files only.
    pr_scope = CHANGED
    executable = "detect-secrets"
    distribution = "detect-secrets"
    ok_exit_codes = frozenset({0})  # `scan` always exits 0 when it worked, whatever it found
    cache_granularity = "file"  # a file's results depend on that file alone (and the configuration)
    settings_type = DetectSecretsSettings

    def plan(self, ctx: ScanContext) -> Plan:
        baseline = ctx.settings(DetectSecretsSettings).secrets_baseline
        candidates = [p for p in ctx.files.all if p != baseline]
        if not candidates:
            return Plan(ctx, skip="no files to scan")
        not_read = {p: why for p in candidates if (why := _skipped_by_detect_secrets(p))}
        copies = canary.make(ctx.root, [p for p in candidates if p not in not_read], ctx.work_dir / "copies", None,
                             transcode=True, skip_binary=True)
        names = _scan_names(copies, canary.token(8))
        key = _control_key()
        control = canary.control_file(copies.folder, ".txt", f"aws_access_key_id = {key}\n")
        # detect-secrets' own hash of a secret value is SHA-1; it is an identifier here, not a protection.
        digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
        return Plan(ctx, inputs=copies.files, state=_SecretsState(copies, not_read, control.name, digest, names))

    def commands(self, plan: Plan) -> list[Command]:
        state: _SecretsState = plan.state
        # -v: detect-secrets logs "Checking file: X" for every file it opens, its evidence of coverage.
        scanned = [state.scan_names[rel] for rel in plan.inputs]
        return [Command([plan.executable, "-v", "scan", "--all-files", "--no-verify", "--", *scanned, state.control],
                        cwd=state.copies.folder)]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        ctx, state = plan.ctx, plan.state
        data = load_json(outcome.stdout, "detect-secrets JSON")
        require(isinstance(data, dict) and isinstance(data.get("results"), dict) and isinstance(data.get("plugins_used"), list),
                "output lacks the documented 'results' object and 'plugins_used' list")
        plugins = {p.get("name") for p in data["plugins_used"] if isinstance(p, dict)}
        missing = sorted(CORE_PLUGINS - plugins)
        if missing:
            raise ScanError(f"ran without core detectors ({', '.join(missing)}); the scan was configured down")
        originals = {name: rel for rel, name in state.scan_names.items()}
        baseline_name = ctx.settings(DetectSecretsSettings).secrets_baseline
        baseline = load_baseline(ctx.root / baseline_name)
        checked, trouble = _log(outcome.stderr)
        if trouble:
            raise ScanError(f"reported a problem while scanning: {trouble[0][:200]}")
        findings: list[Finding] = []
        dropped: dict[str, int] = {}  # kind of known non-secret -> results dropped
        control = data["results"].pop(state.control, [])
        problem = "" if any(isinstance(i, dict) and i.get("hashed_secret") == state.control_hash for i in control) else (
            "did not report the AWS key in the harness's control file, so its detectors did not really run")
        for scanned, items in data["results"].items():
            require(scanned in originals, f"reported a file it was not given: {scanned[:80]!r}")
            require(isinstance(items, list), f"results for {scanned[:80]!r} is not a list")
            filename = originals[scanned]
            known: list[known_values.KnownValue] | None = None
            for item in items:
                require(isinstance(item, dict) and {"type", "hashed_secret", "line_number"} <= set(item),
                        "a result lacks type, hashed_secret or line_number")
                kind, hashed, line = str(item["type"]), str(item["hashed_secret"]), item["line_number"]
                require(isinstance(line, int), f"a result for {filename[:80]!r} has no line number")
                if kind in ENTROPY_TYPES:
                    if known is None:  # parsed once per file, only when an entropy detector flagged it
                        known = _known_values(state.copies.folder / scanned, filename)
                    if explained := known_values.matching_kind(known, line, hashed):
                        dropped[explained] = dropped.get(explained, 0) + 1
                        continue
                findings.append(self._finding(filename, kind, hashed, line, baseline.get((filename, hashed, kind)),
                                              baseline_name))
        covered = frozenset(originals.get(name, name) for name in checked) - {state.control}
        notes = []
        if dropped:
            notes.append("detect-secrets: " + ", ".join(known_values.counted(kind, count)
                                                        for kind, count in sorted(dropped.items()))
                         + " not reported as secrets (known non-secret values, recognised by their context)")
        if state.copies.transcoded:
            notes.append(f"detect-secrets: {len(state.copies.transcoded)} file(s) are not UTF-8 and were scanned decoded "
                         "as Latin-1: " + ", ".join(state.copies.transcoded[:5]))
        skipped = {**state.not_read, **{p: "binary content" for p in state.copies.binary}}
        if skipped:
            notes.append(f"detect-secrets: {len(skipped)} file(s) not scanned for secrets ("
                         + "; ".join(f"{p}: {why}" for p, why in sorted(skipped.items())[:5]) + ")")
        details: dict[str, Any] = {"files_scanned": len(covered), "plugins": len(plugins)}
        if notes:
            details["notes"] = notes
        return Parsed(findings, Coverage.of(covered), details, problem)

    def _finding(self, filename: str, kind: str, hashed: str, line: int, known: dict[str, Any] | None,
                 baseline_name: str) -> Finding:
        accepted = None
        if known is not None:
            if known.get("is_secret") is False:
                accepted = Acceptance(Disposition.SUPPRESSED, f"{baseline_name}: audited as a false positive")
            elif known.get("is_secret") is None:
                accepted = Acceptance(Disposition.BASELINED, f"{baseline_name}: known, not yet audited")
            # is_secret: true is a confirmed real secret: it stays new and fails.
        return Finding(
            tool=self.name,
            rule_id=kind,
            rule_name=kind,
            title=f"Potential secret: {kind}",
            severity=Severity.HIGH,
            tool_severity="",
            confidence=Confidence.UNDEFINED,
            location=Location(path=filename, line=line),
            cwe=(798,),
            message=f"{kind} in {filename}:{line} (hashed secret {hashed[:12]}...)",
            help_uri="https://github.com/Yelp/detect-secrets#viewing-results",
            fix_hint="Remove the secret from the code, rotate it, and load it from a vault or the environment; "
                     "if it is a false positive, audit it in the baseline (detect-secrets audit).",
            properties={"hashed_secret": hashed},
            identity=f"{kind}|{hashed}",
            accepted_by=accepted,
        )


def _known_values(copy: Path, rel: str) -> list[known_values.KnownValue]:
    """The known non-secret values of the scanned copy (UTF-8 after transcoding) of ``rel``."""
    try:
        text = copy.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # nothing known: every result stays a finding
        return []
    return known_values.known_values(rel, text)


def _log(stderr: str) -> tuple[list[str], list[str]]:
    """The files detect-secrets' verbose log says it checked, and any warning or error it logged."""
    checked, trouble = [], []
    for line in stderr.splitlines():
        match = _CHECKING.match(line)
        if match:
            checked.append(match.group("path"))
            continue
        problem = _TROUBLE.match(line)
        if problem:
            trouble.append(problem.group("text"))
        elif _SKIPPING.match(line):
            # Handed to it, yet skipped by its own filters: not scanned, so not counted as covered.
            trouble.append(line.split("INFO", 1)[-1].strip())
    return checked, trouble

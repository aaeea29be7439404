"""detect-secrets, run fresh with every plugin and compared with the repository's ``.secrets.baseline``.

The baseline is never handed to the tool: detect-secrets loads its plugins and filters from it, so
a tampered baseline could switch detection off. We scan the explicit file list with ``--all-files``
(so untracked or non-git trees are not silently skipped) and ``--no-verify`` (so no secret is sent
to a provider), then match results against the baseline by (file, hashed secret, type) ourselves.
Reports carry the type, file, line and hashed secret, never the value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..files import read_regular_file
from ..model import Confidence, Finding, Location, Severity
from ..options import Option
from ..runner import ProcessOutcome
from ..scanner import CommandScanner, ScanContext, ScanError, load_json, require

# Detectors whose absence from `plugins_used` means the scan was configured down.
CORE_PLUGINS = {"AWSKeyDetector", "PrivateKeyDetector", "KeywordDetector", "Base64HighEntropyString",
                "HexHighEntropyString", "GitHubTokenDetector", "SlackDetector", "BasicAuthDetector"}
BaselineKey = tuple[str, str, str]  # (filename, hashed_secret, type)


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


class DetectSecrets(CommandScanner):
    name = "detect-secrets"
    stage = "secrets"
    executable = "detect-secrets"
    distribution = "detect-secrets"
    ok_exit_codes = frozenset({0})  # `scan` always exits 0 when it worked, whatever it found
    options = (
        Option("secrets_baseline", "str", ".secrets.baseline",
               "detect-secrets baseline whose audited false positives (is_secret: false) are accepted."),
    )

    def _targets(self, ctx: ScanContext) -> list[str]:
        baseline = ctx.options.get("secrets_baseline", ".secrets.baseline")
        return [p for p in ctx.files.all if p != baseline]

    def skip_reason(self, ctx: ScanContext) -> str:
        return "" if self._targets(ctx) else "no files to scan"

    def argv(self, ctx: ScanContext, executable: str) -> list[str]:
        return [executable, "scan", "--all-files", "--no-verify", "--", *self._targets(ctx)]

    def parse(self, outcome: ProcessOutcome, ctx: ScanContext) -> tuple[list[Finding], dict[str, Any]]:
        data = load_json(outcome.stdout, "detect-secrets JSON")
        require(isinstance(data, dict) and isinstance(data.get("results"), dict) and isinstance(data.get("plugins_used"), list),
                "output lacks the documented 'results' object and 'plugins_used' list")
        plugins = {p.get("name") for p in data["plugins_used"] if isinstance(p, dict)}
        missing = sorted(CORE_PLUGINS - plugins)
        if missing:
            raise ScanError(f"ran without core detectors ({', '.join(missing)}); the scan was configured down")
        targets = set(self._targets(ctx))
        baseline_name = ctx.options.get("secrets_baseline", ".secrets.baseline")
        baseline = load_baseline(ctx.root / baseline_name)
        findings: list[Finding] = []
        for filename, items in data["results"].items():
            require(filename in targets, f"reported a file it was not given: {filename[:80]!r}")
            require(isinstance(items, list), f"results for {filename[:80]!r} is not a list")
            for item in items:
                require(isinstance(item, dict) and {"type", "hashed_secret", "line_number"} <= set(item),
                        "a result lacks type, hashed_secret or line_number")
                kind, hashed = str(item["type"]), str(item["hashed_secret"])
                properties: dict[str, Any] = {"hashed_secret": hashed, "identity": f"{kind}|{hashed}"}
                known = baseline.get((filename, hashed, kind))
                if known is not None:
                    if known.get("is_secret") is False:
                        properties["suppressed_by"] = f"{baseline_name}: audited as a false positive"
                    elif known.get("is_secret") is None:
                        properties["baselined_by"] = f"{baseline_name}: known, not yet audited"
                    # is_secret: true is a confirmed real secret: it stays new and fails.
                findings.append(Finding(
                    tool=self.name,
                    rule_id=kind,
                    rule_name=kind,
                    title=f"Potential secret: {kind}",
                    severity=Severity.HIGH,
                    tool_severity="",
                    confidence=Confidence.UNDEFINED,
                    location=Location(path=filename, line=int(item["line_number"])),
                    cwe=(798,),
                    message=f"{kind} in {filename}:{item['line_number']} (hashed secret {hashed[:12]}...)",
                    help_uri="https://github.com/Yelp/detect-secrets#viewing-results",
                    fix_hint="Remove the secret from the code, rotate it, and load it from a vault or the environment; "
                             "if it is a false positive, audit it in the baseline (detect-secrets audit).",
                    properties=properties,
                ))
        return findings, {"files_scanned": len(targets), "plugins": len(plugins)}

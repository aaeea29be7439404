"""The one path every stage's findings take from the adapters to the stage report, in this order:

1. parse: the adapters' findings, as each scanner's ``parse`` built them;
2. merge: the stage-level same-problem hook (pipeline/merge.py), then the stage's own ``merge``;
3. identity: what the fingerprint hashes (pipeline/fingerprint.py), from the tool's texts *masked*
   as the reports will show them, so no secret value ever enters a fingerprint;
4. fingerprint: every finding gets its own, here and nowhere else;
5. redact: every text of the finding masked (pipeline/redact.py).

Each step builds new findings (they are frozen); none changes what an earlier step saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import fingerprint
from .merge import merge_same_problem
from .model import Finding
from .redact import Redactor
from .scanner import Scanner
from .stage import StageSpec


def merged(spec: StageSpec, scanners: Sequence[Scanner], findings: list[Finding]) -> list[Finding]:
    if spec.merge_same_problem:
        findings = merge_same_problem(findings, scanners)
    return spec.merge(findings)


def fingerprinted(spec: StageSpec, findings: list[Finding], root: Path, redactor: Redactor,
                  cache: fingerprint.SourceCache | None = None) -> list[Finding]:
    """``cache``: PR mode's base side reads each line from the base version of the file (its aliases)."""
    cache = cache or fingerprint.SourceCache()
    keys = [fingerprint.key_of(f, root, cache, mask=redactor.text, scope=spec.fingerprint_scope) for f in findings]
    return [replace(f, fingerprint=fingerprint.digest(key)) for f, key in zip(findings, keys, strict=True)]


def stage_findings(spec: StageSpec, scanners: Sequence[Scanner], parsed: list[Finding], root: Path,
                   redactor: Redactor) -> list[Finding]:
    """The stage's findings as its report holds them: merged, fingerprinted, redacted."""
    findings = fingerprinted(spec, merged(spec, scanners, parsed), root, redactor)
    return [redactor.finding(f) for f in findings]

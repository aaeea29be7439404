"""The engine's side of PR mode: the head's narrowed scan contexts, the base side's scan contexts over
a scratch copy of the merge base, and what the base side found, as fingerprints and counts.

What to scan is pipeline/pr_mode.py's decision; this module only builds the contexts and turns the
base side's findings into the multiset the policy compares with (pipeline/policy.py).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import changes as changes_mod
from . import finding_pipeline, fingerprint, pr_mode
from .config import Config
from .files import FileSet
from .model import Finding, Status, ToolRun
from .pr_mode import IMPORTERS, PrPlan
from .redact import Redactor
from .registry import scanners_for, stage_spec
from .scanner import ScanContext, Scanner, ScanOutput

DETAILS_KEY = "pr_mode"


@dataclass
class BaseSide:
    """One scanner's base scan: its context and how its paths map back to the head's."""

    stage: str
    scanner: Scanner
    ctx: ScanContext
    to_head: dict[str, str]  # base path -> head path, for the files whose findings count


@dataclass
class PrRun:
    plan: PrPlan
    base_entries: Mapping[str, changes_mod.BaseEntry]
    bases: list[BaseSide] = field(default_factory=list)
    # The base trees outlive the scans: their lines are read again to fingerprint the base's findings.
    trees: tempfile.TemporaryDirectory[str] = field(  # closed by close(), or when collected
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="secure-pipeline-base-"))  # pylint: disable=consider-using-with

    def close(self) -> None:
        self.trees.cleanup()

    @classmethod
    def prepare(cls, config: Config, files: FileSet, stages: Iterable[str], base_ref: str) -> PrRun:
        # Over the whole tree, not just the configured paths: a changed module outside them still
        # changes the pylint messages of the scanned modules that import it.
        changes = changes_mod.compute(config.root, base_ref, FileSet(config.root, never=files.never).all)
        entries = changes_mod.base_tree(config.root, changes.base_commit)
        scanners = [s for stage in stages for s in scanners_for(stage)]
        options = {stage: dict(config.stages[stage].values) for stage in stages}
        return cls(pr_mode.plan(config.root, changes, files, entries, scanners, options), entries)

    def head_files(self, scanner: Scanner, files: FileSet) -> FileSet:
        scope = self.plan.scopes[scanner.name]
        return files if scope.files is None else files.restricted(scope.files)

    def skip(self, scanner: Scanner) -> str:
        return self.plan.scopes[scanner.name].skip

    def partial(self, scanner: Scanner) -> bool:
        return self.plan.scopes[scanner.name].kind == IMPORTERS

    def path_hints(self, scanner: Scanner) -> frozenset[str]:
        """The head's package-root files that are handed to pylint for its sys.path only."""
        return frozenset(self.plan.scopes[scanner.name].anchors)

    def base_context(self, config: Config, files: FileSet, stage: str, scanner: Scanner, head_ctx: ScanContext,
                     scratch: Path) -> BaseSide | None:
        """The base scan of one scanner, or None when none of its scanned files existed on the base."""
        scope = self.plan.scopes[scanner.name]
        if not scope.compares or not scope.base_files:
            return None
        tree = Path(self.trees.name) / stage / scanner.name
        tree.mkdir(parents=True)
        scanned = set(scope.base_files.values())
        wanted = set(scanned)
        if scope.kind == IMPORTERS:  # astroid reads whatever the linted modules import: the base's whole Python tree
            wanted |= {p for p in self.base_entries if p.endswith(pr_mode.PYTHON)}
        pr_mode.materialize(config.root, self.base_entries, wanted, tree,
                            pr_mode.head_config_files(files, _option_paths(head_ctx.options)))
        hints: frozenset[str] = frozenset()
        if scope.kind == IMPORTERS:
            # The base's own package-root files, and the base versions of the head's, build its sys.path only.
            selected = [p for p in self.base_entries if p.endswith(".py") and files.selects(p)]
            linted = {base for head, base in scope.base_files.items() if head not in scope.anchors}
            hints = frozenset((set(pr_mode.anchors(tree, selected).values()) | scanned) - linted)
            scanned |= hints
        base_files = FileSet(tree, list(files.paths), list(files.exclude))
        base_files.__dict__["in_git"] = False
        base_files.__dict__["all"] = sorted(scanned)
        work = scratch / "base-work" / stage / scanner.name
        work.mkdir(parents=True)
        ctx = dataclasses.replace(head_ctx, root=tree, files=base_files, work_dir=work, path_hints=hints,
                                  artifacts_dir=scratch / "base-artifacts" / stage)
        return BaseSide(stage, scanner, ctx, {base: head for head, base in scope.base_files.items()})

    def finish_stage(self, stage: str, runs: list[ToolRun], outputs: Mapping[str, ScanOutput],
                     redactor: Redactor) -> dict[str, Any]:
        """The stage's PR-mode details (the base's fingerprints included); a base scan that failed makes
        its head tool run an error: without the base, nothing can be called present on the base."""
        bases = {b.scanner.name: b for b in self.bases if b.stage == stage}
        found: list[Finding] = []
        for run in runs:
            base = bases.get(run.tool)
            output = outputs.get(run.tool)
            if base is None or output is None:
                continue
            if output.run.status is Status.ERROR:
                run.status = Status.ERROR
                run.error = "; ".join(filter(None, [run.error, f"{run.tool}: the base side (merge base "
                                                    f"{self.plan.changes.base_commit[:12]}) could not be scanned: "
                                                    f"{redactor.text(output.run.error)}"]))
                continue
            found.extend(_on_head_paths(base, [redactor.finding(f) for f in output.findings]))
        spec = stage_spec(stage)
        for base in bases.values():
            # Fingerprinted under the head's path with the base version's line: a rename keeps its identity.
            aliases = {(base.ctx.root / head).resolve(): base.ctx.root / path for path, head in base.to_head.items()}
            found = [*[f for f in found if f.tool != base.scanner.name],
                     *finding_pipeline.fingerprinted(spec, [f for f in found if f.tool == base.scanner.name],
                                                     base.ctx.root, redactor, fingerprint.SourceCache(aliases))]
        # The head's findings are merged, then fingerprinted; a merged finding keeps its primary's
        # tool, rule and location, so fingerprinting each base side first gives the same fingerprints.
        found = finding_pipeline.merged(spec, scanners_for(stage), found)
        counts = Counter((f.fingerprint, f.tool, f.rule_id, f.location.path or "") for f in found)
        tools = [r.tool for r in runs]
        return {
            "base_ref": self.plan.changes.base_ref,
            "base_commit": self.plan.changes.base_commit,
            "head_commit": self.plan.changes.head_commit,
            "changed": self._changed(),
            "deleted": list(self.plan.changes.deleted),
            "tools": {t: self.plan.scopes[t].to_dict() for t in tools if t in self.plan.scopes},
            "base_findings": [{"fingerprint": fp, "tool": tool, "rule_id": rule, "path": path, "count": n}
                              for (fp, tool, rule, path), n in sorted(counts.items())],
            "summary": self.plan.summary(tools),
        }

    def _changed(self) -> dict[str, str | None]:
        return {p: c.base_path for p, c in sorted(self.plan.changes.changed.items())}


def _option_paths(options: Mapping[str, Any]) -> list[str]:
    """Files the stage options name that the scanners read as configuration."""
    keys = ("pylint_rcfile", "hadolint_config", "secrets_baseline", "rules_file")
    return [str(options[k]) for k in keys if options.get(k)]


def _on_head_paths(base: BaseSide, findings: list[Finding]) -> list[Finding]:
    """The base's findings on files that have a head counterpart, under the head's path."""
    kept = []
    for finding in findings:
        head_path = base.to_head.get(finding.location.path or "")
        if head_path is None:
            continue  # a file scanned only for the base's sys.path, or none at all
        kept.append(dataclasses.replace(finding, location=dataclasses.replace(finding.location, path=head_path),
                                        fingerprint=""))
    return kept

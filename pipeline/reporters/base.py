"""The reporter interface: each output format is one module with one Reporter."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from ..changes import ChangeSet
from ..options import GlobalSettings
from ..policy import Verdict


@dataclass
class ReportContext:
    """What every reporter may use besides the verdict itself."""

    out_dir: Path  # reports/verdict/ by default
    root: Path  # the scanned repository (for repo-relative URIs)
    top_findings: int = GlobalSettings().top_findings
    stdout: TextIO | None = None  # console and workflow-command output go here
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    # Non-blocking new findings also go to the code-scanning SARIF (configuration: sarif_include_hints).
    sarif_include_hints: bool = GlobalSettings().sarif_include_hints
    # The files written so far by write_all (the console, which runs last, lists them).
    written: list[Path] = field(default_factory=list)
    # What the pull request changes (pipeline/change_scope.py), or None outside a pull request.
    changes: ChangeSet | None = None

    @property
    def in_github_actions(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"


class Reporter(Protocol):
    name: str

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path | None:
        """Write (or print) this format; return the file written, if any."""
        ...


class ReportWriteError(Exception):
    """One or more reporters failed; every other reporter still ran and wrote its report."""

    def __init__(self, failures: list[tuple[str, BaseException]], written: list[Path]) -> None:
        self.failures = failures
        self.written = written
        causes = "; ".join(f"{name} reporter failed: {type(exc).__name__}: {exc}" for name, exc in failures)
        super().__init__(causes)

"""Every output format of the verdict, one module each, all behind the ``Reporter`` protocol.

``write_all`` runs every reporter; when one fails the others still run, then ``ReportWriteError``
names each failure (and lists what was written) so the CLI can report it: no report is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from ..policy import Verdict
from .annotations import AnnotationsReporter
from .base import ReportContext, Reporter, ReportWriteError
from .console import ConsoleReporter
from .html import HtmlReporter
from .json_report import JsonReporter
from .junit import JunitReporter
from .markdown import MarkdownReporter
from .pr_comment import PrCommentReporter
from .sarif import SarifReporter

# SARIF runs first: when it has to cut results to fit GitHub's limits it adds a note to the verdict,
# which the JSON, HTML, Markdown and console reports then show. The console comes last so the
# headline is the last thing in a CI log.
REPORTERS: list[Reporter] = [
    SarifReporter(),
    JsonReporter(),
    JunitReporter(),
    HtmlReporter(),
    MarkdownReporter(),
    PrCommentReporter(),
    AnnotationsReporter(),
    ConsoleReporter(),
]


def write_all(verdict: Verdict, ctx: ReportContext, reporters: list[Reporter] | None = None) -> list[Path]:
    """Run every reporter; return the files written, or raise ReportWriteError after all have run."""
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = ctx.written
    written.clear()
    failures: list[tuple[str, BaseException]] = []
    for reporter in REPORTERS if reporters is None else reporters:
        try:
            path = reporter.write(verdict, ctx)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # one broken format must not cost the others
            failures.append((reporter.name, exc))
            continue
        if path is not None:
            written.append(path)
    if failures:
        raise ReportWriteError(failures, list(written)) from failures[0][1]
    return list(written)


__all__ = ["REPORTERS", "ReportContext", "ReportWriteError", "Reporter", "write_all"]

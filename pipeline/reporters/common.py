"""What several reporters share: text cleaning, the per-stage summary rows, safe links, atomic writes.

Every reporter shows the same facts (title, message, location, rule, severity, fix hint, help link
and the properties in DISPLAY_PROPERTIES); nothing else from ``Finding.properties`` reaches a
human-readable report, so a scanner that puts raw evidence there cannot leak it through a summary.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ..model import Disposition, Finding, Severity, Status, ToolRun
from ..output import visible
from ..policy import EvaluatedFinding, StageVerdict, Verdict

# Finding.properties keys that are facts meant for display. Anything else (evidence, raw output,
# the tool's own bookkeeping) stays in the canonical JSON and stage reports only.
DISPLAY_PROPERTIES: tuple[str, ...] = (
    "hashed_secret",
    "advisory_id",
    "aliases",
    "fix_versions",
    "fixed_versions",
    "manifest",
    "cvss",
    "plugin_id",
)
SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))

# C0/C1 controls (tab and newline handled separately), DEL, and the Unicode line/paragraph separators
# some renderers treat as line breaks; bidi overrides could disguise text, so they go too.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
_SPACES = re.compile(r" {2,}")


def clean(text: Any) -> str:
    """The text with control characters shown as visible escapes (``\\x1b``); line breaks kept (as \\n)."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return visible(value)


def one_line(text: Any, limit: int | None = None) -> str:
    """The text on one line, control characters removed, cut to ``limit`` characters with an ellipsis."""
    value = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", clean(text))).strip()
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)].rstrip() + "…"
    return value


def tail(text: Any, lines: int = 20) -> str:
    """The last ``lines`` lines of a (cleaned) text, for stderr tails."""
    kept = clean(text).strip("\n").splitlines()[-lines:]
    return "\n".join(line.rstrip() for line in kept)


def display_properties(finding: Finding) -> dict[str, str]:
    """The whitelisted properties of a finding, each rendered as one line of text."""
    shown: dict[str, str] = {}
    for key in DISPLAY_PROPERTIES:
        value = finding.properties.get(key)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        shown[key] = one_line(value, 300)
    return shown


def where(finding: Finding) -> str:
    return one_line(finding.location.describe(), 400)


def rule_label(finding: Finding) -> str:
    """``tool rule_id (rule_name)``, naming every tool that reported a merged finding."""
    tools = "+".join(finding.found_by or (finding.tool,))
    name = f" ({finding.rule_name})" if finding.rule_name and finding.rule_name != finding.rule_id else ""
    return one_line(f"{tools} {finding.rule_id}{name}", 200)


def disposition_label(item: EvaluatedFinding) -> str:
    if item.blocking:
        return "blocking"
    if item.disposition is Disposition.NEW:
        return "new"
    return str(item.disposition.value)


def safe_http_url(url: str) -> str | None:
    """An absolute http(s) URL safe to put in a link (no javascript:, no spaces, brackets encoded), or None."""
    value = (url or "").strip()
    if not value or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Parentheses, quotes and angle brackets would end a Markdown link or an HTML attribute early.
    return quote(value, safe=":/?#[]@!$&*+,;=%~-._")


def code_url(finding: Finding, env: dict[str, str]) -> str | None:
    """A link to the finding's file and lines at the commit being checked, when running in GitHub Actions."""
    loc = finding.location
    server, repo, sha = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if not (loc.path and server and repo and sha):
        return None
    anchor = ""
    if loc.line:
        anchor = f"#L{loc.line}"
        if loc.end_line and loc.end_line > loc.line:
            anchor += f"-L{loc.end_line}"
    url = f"{server.rstrip('/')}/{quote(repo, safe='/')}/blob/{quote(sha, safe='')}/{quote(clean(loc.path), safe='/')}{anchor}"
    return safe_http_url(url)


@dataclass(frozen=True)
class StageRow:
    """One line of the summary table every human-readable report shows."""

    stage: str
    status: str
    by_severity: dict[str, int]
    new: int
    baselined: int
    suppressed: int
    fixed: int
    blocking: int
    duration_s: float


def status_label(stage: StageVerdict) -> str:
    if stage.status is Status.ERROR and not stage.required:
        return "error (not required)"
    return stage.status.label


def status_key(label: str) -> str:
    """The status a row label starts with ("error (not required)" -> "error", "not applicable" -> itself),
    for the style or icon each format gives it."""
    return "not applicable" if label.startswith("not applicable") else label.split()[0]


def stage_rows(verdict: Verdict) -> list[StageRow]:
    return [
        StageRow(
            stage=s.stage,
            status=status_label(s),
            by_severity=s.severity_counts(),
            new=s.count(Disposition.NEW),
            baselined=s.count(Disposition.BASELINED),
            suppressed=s.count(Disposition.SUPPRESSED),
            fixed=s.fixed_count,
            blocking=s.blocking,
            duration_s=s.duration_s,
        )
        for s in verdict.stages
    ]


def severity_totals(verdict: Verdict) -> dict[str, int]:
    totals = {s.label: 0 for s in SEVERITY_ORDER}
    for stage in verdict.stages:
        for label, count in stage.severity_counts().items():
            totals[label] += count
    return totals


@dataclass(frozen=True)
class StageProblem:
    """A stage in error: its one-line cause and, per failing tool, the tool's error and stderr tail."""

    stage: str
    required: bool
    reason: str
    tools: tuple[ToolRun, ...]
    # Tool errors the stage's reason does not already say (the policy often joins them into it).
    other_errors: tuple[str, ...] = ()


def stage_problems(verdict: Verdict) -> list[StageProblem]:
    problems = []
    for s in verdict.stages:
        if s.status is not Status.ERROR:
            continue
        reason = one_line(s.reason or "the stage could not run")
        tools = tuple(t for t in s.tools if t.status is Status.ERROR)
        other = tuple(
            one_line(t.error) if t.tool in one_line(t.error) else one_line(f"{t.tool}: {t.error or 'error'}")
            for t in tools if not t.error or one_line(t.error) not in reason
        )
        problems.append(StageProblem(s.stage, s.required, reason, tools, other))
    return problems


def expired_lines(verdict: Verdict) -> list[str]:
    return [
        one_line(f"suppression {sup.describe()} expired: it no longer suppresses "
                 f"({hits} finding(s) it would have matched); reason was: {sup.reason}")
        for sup, hits in verdict.expired_suppressions
    ]


def stale_lines(verdict: Verdict) -> list[str]:
    return [one_line(f"suppression {sup.describe()} matched nothing (stale): {sup.reason}")
            for sup in verdict.stale_suppressions]


def fixed_lines(verdict: Verdict) -> list[str]:
    return [
        one_line(f"{s.stage}: {e.tool} {e.rule_id} at {e.where} ({e.count}x) is in the baseline but no longer found: "
                 f"{e.title}")
        for s in verdict.stages for e in s.fixed
    ]


def weakening_lines(verdict: Verdict) -> list[str]:
    """One line per way the pull request weakens the gate's policy (empty without a base comparison)."""
    review = verdict.policy_review
    if review is None:
        return []
    state = (f"approved ({review.approved_by})" if review.approved
             else "BLOCKING: needs approval" + (f" by one of {', '.join(review.approvers)}" if review.approvers else ""))
    return [one_line(f"policy weakened vs {review.base_ref} ({review.base_commit[:12]}), {state}: {w.where}: {w.message}")
            for w in review.weakenings]


def policy_summary(verdict: Verdict) -> str:
    """One line saying whether the policy was compared with a base branch, and what came of it."""
    review = verdict.policy_review
    if review is None:
        return ""
    if not review.weakenings:
        return one_line(f"policy unchanged or stronger than {review.base_ref} ({review.base_commit[:12]})")
    return one_line(f"{len(review.weakenings)} policy weakening(s) vs {review.base_ref}: "
                    + (f"approved ({review.approved_by})" if review.approved else "blocking until approved"))


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a whole report or nothing: a crash never leaves half a file a CI step would upload."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def finding_detail(
    f: Finding,
    escape: Callable[..., str],
    *,
    title_limit: int,
    message_limit: int,
    property_limit: int | None,
    fix_limit: int,
) -> tuple[str, str, list[str]]:
    """A finding's title, its message ('' when it only repeats the title) and its extras (shown
    properties, then the fix hint), each passed through the output format's own escaper."""
    message = escape(f.message, message_limit) if f.message and f.message != f.title else ""
    extras = [f"{escape(k, None)}: {escape(v, property_limit)}" for k, v in display_properties(f).items()]
    if f.fix_hint:
        extras.append("fix: " + escape(f.fix_hint, fix_limit))
    return escape(f.title, title_limit), message, extras

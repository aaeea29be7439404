"""``pr-comment.md``: the verdict and what blocks, as the body of one sticky pull-request comment.

`pipeline comment` (pipeline/comment_cli.py) posts it, or updates the comment it posted before: it
finds that comment by the hidden marker on the first line. The text is escaped exactly like
summary.md (pipeline/reporters/markdown.py: one line per value, every ASCII punctuation character
escaped, only http(s) links), finding texts are already redacted by the policy pipeline, and the
whole body stays under GitHub's 65,536-character comment limit. Links go to the lines at the
scanned commit (the stage reports' provenance), not at whatever the branch points to later.
"""

from __future__ import annotations

from pathlib import Path

from ..change_scope import on_changed_lines
from ..model import Status
from ..policy import EvaluatedFinding, Verdict
from .base import ReportContext
from .common import code_url, finding_detail, rule_label, stage_problems, weakening_lines, where, write_text_atomic
from .markdown import STATUS_ICON, link, md

FILE_NAME = "pr-comment.md"
MARKER = "<!-- secure-pipeline:pr-comment -->"
GITHUB_LIMIT = 65_536  # characters in one issue or pull-request comment
BUDGET = 60_000  # room for the closing lines and a margin
HEAD = "| # | Severity | Rule | Where | Finding |\n|---:|---|---|---|---|"


def _link_env(verdict: Verdict, env: dict[str, str]) -> dict[str, str]:
    """The environment code_url reads, pointing at the commit the stage reports scanned."""
    commit = verdict.provenance.get("commit", "")
    return {**env, "GITHUB_SHA": commit} if commit else env


def _row(n: int, item: EvaluatedFinding, env: dict[str, str], ctx: ReportContext) -> str:
    f = item.finding
    title, message, extras = finding_detail(f, md, title_limit=200, message_limit=300, property_limit=200, fix_limit=200)
    text = title + (" — " + message if message else "")
    if extras:  # the display properties (a hashed secret, a fixed version), then the fix
        text += "<br>" + "; ".join(extras)
    place = link(md(where(f)), code_url(f, env))
    if ctx.changes is not None and on_changed_lines(f, ctx.changes):
        place += " \\(changed here\\)"
    return "| " + " | ".join([str(n), md(f.severity.label), link(md(rule_label(f)), f.help_uri), place, text]) + " |"


def _run_url(env: dict[str, str]) -> str | None:
    server, repo, run = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if not (server and repo and run.isdigit()):
        return None
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"


def render(verdict: Verdict, ctx: ReportContext, budget: int = BUDGET) -> str:
    env = _link_env(verdict, ctx.env)
    icon = STATUS_ICON.get(verdict.status.value, "")
    t = verdict.totals()
    parts = [MARKER, f"## {icon} secure-pipeline: {md(verdict.headline, None)}", "",
             f"Exit code **{verdict.exit_code}** · {t['blocking']} blocking · {t['new']} new · "
             f"{t['baselined']} baselined · {t['suppressed']} suppressed", ""]
    problems = stage_problems(verdict)
    if problems:
        parts += ["### ⛔ Stages that could not run", ""]
        parts += [f"- **{md(p.stage)}**: {md(p.reason, 500)}" + ("" if p.required else " \\(not required\\)")
                  for p in problems]
        parts.append("")
    review = verdict.policy_review
    if review is not None and review.blocking:
        parts += [f"### ❌ Policy weakened against {md(review.base_ref)}, not approved", ""]
        parts += [f"- {md(line, 500)}" for line in weakening_lines(verdict)[:20]]
        parts.append("")
    blocking = [item for item in verdict.findings if item.blocking]
    if blocking:
        changes = ctx.changes
        if changes is not None:  # what this pull request's own lines introduce comes first
            blocking.sort(key=lambda i: not on_changed_lines(i.finding, changes))
        parts += [f"### ❌ Blocking findings ({len(blocking)})", "", HEAD]
        size = sum(len(p) + 1 for p in parts)
        shown = 0
        for n, item in enumerate(blocking, start=1):
            row = _row(n, item, env, ctx)
            if size + len(row) + 1 > budget:
                break
            parts.append(row)
            size += len(row) + 1
            shown += 1
        if shown < len(blocking):
            parts += ["", f"{len(blocking) - shown} more blocking finding\\(s\\) are in the run's reports "
                          "\\(summary\\.md, report\\.html\\)\\."]
        parts.append("")
    elif verdict.status is Status.PASSED:
        parts += ["✅ Nothing blocks this pull request.", ""]
    commit = verdict.provenance.get("commit", "")
    footer = [f"Scanned commit `{commit[:12]}`" if commit.isalnum() else "Scanned commit unknown",
              link("workflow run and full reports", _run_url(env))]
    parts.append("<sub>" + " · ".join(footer) + "</sub>")
    text = "\n".join(parts) + "\n"
    return text if len(text) <= GITHUB_LIMIT else text[:GITHUB_LIMIT - 40] + "\n\n\\(cut to fit\\)\n"


class PrCommentReporter:
    name = "pr-comment"

    def write(self, verdict: Verdict, ctx: ReportContext) -> Path:
        return write_text_atomic(ctx.out_dir / FILE_NAME, render(verdict, ctx))


__all__ = ["FILE_NAME", "GITHUB_LIMIT", "MARKER", "PrCommentReporter", "render"]

"""`pipeline comment`: post the verdict as ONE sticky pull-request comment, updated on every push.

It reads ``reports/verdict/pr-comment.md`` (pipeline/reporters/pr_comment.py), finds the comment it
posted before (the body starts with the hidden marker AND the author is the workflow's bot: a
comment anyone else wrote, marker or not, is never edited) and updates it, or creates one. The
token comes from ``GITHUB_TOKEN`` in the environment only. A fork's pull request gets a read-only
token: that is skipped with a notice, not a failure. Any other API failure: exit 2, one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .errors import EXIT_ERROR, ConfigError
from .files import UnreadableFile, read_regular_file
from .github_api import Api, Comment, GitHubApiError
from .output import emit
from .redact import redact
from .reporters.annotations import workflow_command
from .reporters.pr_comment import GITHUB_LIMIT, MARKER

DEFAULT_FILE = Path("reports/verdict/pr-comment.md")
BOT = "github-actions[bot]"  # who GITHUB_TOKEN's comments are by
MAX_EVENT_BYTES = 25 * 1024 * 1024


def add_parser(sub: Any) -> None:
    p = sub.add_parser("comment", help="post or update the sticky pull-request comment (GITHUB_TOKEN from the environment)",
                       description="Post REPORTS/verdict/pr-comment.md as the pull request's secure-pipeline comment, "
                                   "updating the one posted before instead of adding another.")
    p.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE, help=f"comment body (default: {DEFAULT_FILE})")
    p.add_argument("--author", default=BOT, help=f"login whose marked comment is updated (default: {BOT})")
    p.set_defaults(func=run)


def _notice(message: str, env: dict[str, str]) -> None:
    if env.get("GITHUB_ACTIONS") != "true":
        emit(f"pipeline comment: {message}", sys.stdout)
        return
    # A workflow command, escaped as @actions/core does (emit would neutralise the leading ``::``).
    print(workflow_command("notice", redact(message), title="secure-pipeline: no PR comment"), flush=True)


def _event(env: dict[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise ConfigError("pipeline comment: GITHUB_EVENT_PATH is not set (run it in a GitHub Actions pull_request job)")
    try:
        event = json.loads(read_regular_file(Path(path), limit=MAX_EVENT_BYTES))
    except (UnreadableFile, OSError, ValueError) as exc:
        raise ConfigError(f"{path}: pipeline comment: the event payload cannot be read: {exc}") from exc
    return event if isinstance(event, dict) else {}


def _body(path: Path) -> str:
    try:
        body = read_regular_file(path, limit=4 * GITHUB_LIMIT).decode("utf-8")
    except (UnreadableFile, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: pipeline comment: cannot read the comment body: {exc}") from exc
    if not body.startswith(MARKER):
        raise ConfigError(f"{path}: pipeline comment: not a secure-pipeline comment (it must start with {MARKER})")
    if len(body) > GITHUB_LIMIT:
        raise ConfigError(f"{path}: pipeline comment: {len(body)} characters, GitHub takes at most {GITHUB_LIMIT}")
    return body


def ours(comment: Comment, author: str) -> bool:
    """Our earlier comment: the marker first AND written by the workflow's bot."""
    return comment.body.startswith(MARKER) and comment.author == author and comment.author_type == "Bot"


def run(args: argparse.Namespace, env: dict[str, str] | None = None) -> int:
    env = dict(os.environ) if env is None else env
    body = _body(args.file)
    event = _event(env)
    pull = event.get("pull_request")
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        _notice("not a pull_request event: nothing to comment on", env)
        return 0
    repo = env.get("GITHUB_REPOSITORY", "")
    head: dict[str, Any] = pull["head"] if isinstance(pull.get("head"), dict) else {}
    head_repo: dict[str, Any] = head["repo"] if isinstance(head.get("repo"), dict) else {}
    if head_repo.get("full_name") != repo:
        # GitHub gives a fork's pull_request run a read-only token: a write would be refused (403).
        _notice(f"pull request #{pull['number']} comes from a fork ({head_repo.get('full_name') or 'deleted'}); its token "
                "cannot comment, so the verdict is in the step summary and the run's reports only", env)
        return 0
    token = env.get("GITHUB_TOKEN", "")
    if not token or "/" not in repo:
        raise ConfigError("pipeline comment: GITHUB_TOKEN and GITHUB_REPOSITORY must be set in the environment")
    api = Api(env.get("GITHUB_API_URL", "https://api.github.com"), token)
    number = int(pull["number"])
    try:
        existing = next((c for c in api.comments(repo, number) if ours(c, args.author)), None)
        if existing is not None and existing.body == body:
            emit(f"pipeline comment: {existing.html_url} is already up to date", sys.stdout)
            return 0
        done = api.update(repo, existing.id, body) if existing else api.create(repo, number, body)
    except GitHubApiError as exc:
        hint = " (the job needs `permissions: pull-requests: write`)" if exc.status == 403 else ""
        emit(f"pipeline: error: pull-request comment: {exc}{hint}")
        return EXIT_ERROR
    emit(f"pipeline comment: {'updated' if existing else 'created'} {done.html_url}", sys.stdout)
    return 0

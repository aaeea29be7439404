"""The sticky pull-request comment: its body (pr-comment.md) and `pipeline comment` against a local
double of GitHub's issue-comment API (tests/reporters/github_double.py says what it reproduces)."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.comment_cli import run as comment_run
from pipeline.github_api import Api, GitHubApiError
from pipeline.model import Severity
from pipeline.reporters.pr_comment import GITHUB_LIMIT, MARKER, PrCommentReporter, render
from tests.support import run_cli

from .conftest import HOSTILE_MESSAGE, HOSTILE_PATH, finding, run, stage
from .github_double import BOT, GitHubDouble, State, user

TOKEN = "ghs_" + "T0ken" * 7  # shaped like an installation token; must never be printed
REPO = "acme/shop"
SHA = "0123456789abcdef0123456789abcdef01234567"
GH_ENV = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": REPO,
          "GITHUB_RUN_ID": "4242", "GITHUB_SHA": "f" * 40}


# --- the body -----------------------------------------------------------------------------------

def test_body_starts_with_the_marker_and_links_blocking_findings_at_the_scanned_commit(rich_verdict, make_ctx):
    rich_verdict.provenance = {"commit": SHA}
    text = render(rich_verdict, make_ctx(GH_ENV))
    assert text.startswith(MARKER + "\n")
    assert f"https://github.com/{REPO}/blob/{SHA}/app/main.py#L10" in text, "linked at the scanned commit, not GITHUB_SHA"
    assert "f" * 40 not in text
    assert "B602" in text and "C0114" not in text, "only blocking findings, no hints"
    assert "Stages that could not run" in text and f"https://github.com/{REPO}/actions/runs/4242" in text


def test_body_fits_githubs_comment_limit_with_thousands_of_blocking_findings(make_verdict, make_ctx):
    many = [finding("bandit", f"B{n}", severity=Severity.HIGH, line=n + 1, message="x" * 250) for n in range(3000)]
    verdict = make_verdict([stage("sast", [run("bandit")], many)])
    text = render(verdict, make_ctx(GH_ENV))
    assert len(text) <= GITHUB_LIMIT and text.startswith(MARKER)
    shown = len(re.findall(r"^\| \d+ \|", text, flags=re.M))
    assert 0 < shown < 3000 and f"{3000 - shown} more blocking finding" in text


def test_hostile_finding_text_stays_inert(make_verdict, make_ctx):
    bad = finding("bandit", "B602", path=HOSTILE_PATH, message=HOSTILE_MESSAGE, help_uri="javascript:alert(1)")
    text = render(make_verdict([stage("sast", [run("bandit")], [bad])]), make_ctx(GH_ENV))
    body = text.split("\n", 1)[1]
    assert "<script>" not in body and "](javascript:" not in body and "<!--" not in body and "<b>" not in body
    assert "\x1b" not in body and "\x00" not in body
    row = next(line for line in body.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 4, "no cell break from the hostile text"


def test_reporter_writes_pr_comment_md(rich_verdict, make_ctx):
    ctx = make_ctx(GH_ENV)
    path = PrCommentReporter().write(rich_verdict, ctx)
    assert path == ctx.out_dir / "pr-comment.md" and path.read_text(encoding="utf-8").startswith(MARKER)


# --- posting it -----------------------------------------------------------------------------------

def _event(tmp_path: Path, head_repo: str | None = REPO, number: int = 7) -> Path:
    head = {"ref": "feature", "sha": SHA, "repo": {"full_name": head_repo} if head_repo else None}
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"action": "synchronize", "number": number,
                                "pull_request": {"number": number, "head": head, "base": {"ref": "main"}}}))
    return path


def _body(tmp_path: Path, text: str = "verdict: failed") -> Path:
    path = tmp_path / "reports" / "verdict" / "pr-comment.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{MARKER}\n## {text}\n", encoding="utf-8")
    return path


def _env(api_url: str, event: Path, token: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": api_url, "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_TOKEN": token}


def _comment(tmp_path: Path, api_url: str, event: Path, token: str = TOKEN):
    """The real command line, in a subprocess (what the workflow step runs)."""
    return run_cli(["comment"], cwd=tmp_path, env=_env(api_url, event, token), timeout=60)


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def comment(capsys):
    """The same command in this process (a subprocess per call costs seconds): exit code and output."""
    def call(tmp_path: Path, api_url: str, event: Path, token: str = TOKEN) -> Outcome:
        code = comment_run(argparse.Namespace(file=tmp_path / "reports/verdict/pr-comment.md", author=BOT["login"]),
                           _env(api_url, event, token))
        out, err = capsys.readouterr()
        return Outcome(code, out, err)
    return call


def _writes(state: State) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in state.requests if r.method != "GET"]


def test_updates_its_own_comment_on_page_three_and_never_anothers(tmp_path):
    state = State(REPO, 7, TOKEN)
    impostor = state.add(user("mallory"), f"{MARKER}\nlooks like ours")
    for n in range(230):
        state.add(user("dev"), f"review comment {n}")
    ours = state.add(BOT, f"{MARKER}\n## old verdict")
    with GitHubDouble(state) as api_url:
        _body(tmp_path / "ws")
        proc = _comment(tmp_path / "ws", api_url, _event(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert _writes(state) == [("PATCH", f"/repos/{REPO}/issues/comments/{ours['id']}")]
    assert [r.path.split("?")[1] for r in state.requests if r.method == "GET"] == [
        "per_page=100", "per_page=100&page=2", "per_page=100&page=3"]
    assert ours["body"].endswith("verdict: failed\n") and impostor["body"] == f"{MARKER}\nlooks like ours"
    assert "updated https://github.com/acme/shop/pull/7#issuecomment-" in proc.stdout
    # The token went in the Authorization header of every request, and nowhere else.
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" and TOKEN not in r.path for r in state.requests)
    assert TOKEN not in proc.stdout + proc.stderr


def test_creates_one_when_only_someone_elses_comment_has_the_marker_then_updates_it(tmp_path, comment):
    state = State(REPO, 7, TOKEN)
    impostor = state.add(user("mallory"), f"{MARKER}\nlooks like ours")
    _body(tmp_path / "ws")
    with GitHubDouble(state) as api_url:
        first = comment(tmp_path / "ws", api_url, _event(tmp_path))
        _body(tmp_path / "ws", "verdict: passed")
        second = comment(tmp_path / "ws", api_url, _event(tmp_path))
        third = comment(tmp_path / "ws", api_url, _event(tmp_path))
    assert (first.returncode, second.returncode, third.returncode) == (0, 0, 0), first.stderr + second.stderr
    created = state.comments[-1]
    assert _writes(state) == [("POST", f"/repos/{REPO}/issues/7/comments"),
                              ("PATCH", f"/repos/{REPO}/issues/comments/{created['id']}")]
    assert len(state.comments) == 2 and impostor["body"] == f"{MARKER}\nlooks like ours"
    assert "verdict: passed" in created["body"] and "already up to date" in third.stdout


def test_fork_pull_request_is_skipped_with_a_notice(tmp_path, comment):
    state = State(REPO, 7, TOKEN, read_only=True)
    _body(tmp_path / "ws")
    with GitHubDouble(state) as api_url:
        proc = comment(tmp_path / "ws", api_url, _event(tmp_path, head_repo="outsider/shop"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("::notice title=secure-pipeline%3A no PR comment::pull request #7 comes from a fork")
    assert state.requests == [], "no API call with a fork's read-only token"


def test_read_only_token_on_a_same_repository_pull_request_is_exit_2_with_one_line(tmp_path, comment):
    # The 403 a fork's token gets, where the event does not say fork: the caller forgot the permission.
    state = State(REPO, 7, TOKEN, read_only=True)
    _body(tmp_path / "ws")
    with GitHubDouble(state) as api_url:
        proc = comment(tmp_path / "ws", api_url, _event(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 403 Resource not accessible by integration" in lines[0]
    assert "pull-requests: write" in lines[0] and TOKEN not in proc.stdout + proc.stderr


def test_bad_token_is_exit_2_and_never_printed(tmp_path, comment):
    state = State(REPO, 7, TOKEN)
    _body(tmp_path / "ws")
    with GitHubDouble(state) as api_url:
        proc = comment(tmp_path / "ws", api_url, _event(tmp_path), token="ghs_wrong" + "x" * 30)
    assert proc.returncode == 2 and "HTTP 401 Bad credentials" in proc.stderr
    assert "ghs_wrong" not in proc.stdout + proc.stderr


def test_a_hung_api_hits_the_deadline(tmp_path):
    state = State(REPO, 7, TOKEN, delay_s=5)
    with GitHubDouble(state) as api_url, pytest.raises(GitHubApiError, match="no complete answer within 0.5 s"):
        Api(api_url, TOKEN, timeout_s=0.5).comments(REPO, 7)


def test_a_next_link_to_another_host_is_refused(tmp_path):
    state = State(REPO, 7, TOKEN)
    with GitHubDouble(state) as api_url:
        api = Api(api_url, TOKEN)
        with pytest.raises(GitHubApiError, match="not the API host"):
            api.request("GET", "http://localhost:1/repositories/1/issues/7/comments?page=2")
    assert state.requests == []
    with pytest.raises(GitHubApiError, match="only https"):
        Api("http://api.example.com", TOKEN)


def test_a_body_that_is_not_ours_is_a_usage_error(tmp_path):
    bad = tmp_path / "other.md"
    bad.write_text("## not marked\n")
    args = argparse.Namespace(file=bad, author="github-actions[bot]")
    with pytest.raises(Exception, match="not a secure-pipeline comment") as info:
        comment_run(args, {"GITHUB_EVENT_PATH": str(_event(tmp_path))})
    assert getattr(info.value, "exit_code", None) == 3

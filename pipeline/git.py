"""git, run on the scanned repository without letting the repository's own configuration run anything.

A scanned tree can come with a crafted ``.git/config``: ``core.fsmonitor`` and hooks run commands on
ordinary reads such as ``git ls-files``, ``diff.external`` and textconv drivers on diffs, replace
objects swap what a commit contains, and a pager runs when output looks like a terminal. Command-line
``-c`` settings take precedence over every configuration file, so each call turns those off. The
harness never runs a command that applies worktree filters (``git diff`` against the working tree,
``git status``): what changed is computed from object ids (pipeline/changes.py).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from . import runner
from .errors import HarnessError

TIMEOUT = 30.0
# Highest-precedence settings that disarm the repository's own configuration for one command.
HARDENING = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
    "-c", "protocol.allow=never",  # no fetch from a crafted remote or submodule URL, ever
    "--no-pager",
    "--no-replace-objects",
)
ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_PAGER": "cat"}
# Which repository: the caller's choice (GIT_DIR) is honoured; credentials never reach git.
PASSTHROUGH = ("HOME", "GIT_DIR", "GIT_WORK_TREE")


class GitError(HarnessError):  # exit 2: what the repository's history says cannot be read
    """A git command that had to succeed failed (unknown ref, shallow clone, corrupt repository)."""


def argv(root: Path, *args: str) -> list[str]:
    return ["git", *HARDENING, "-C", str(root), *args]


def run(root: Path, *args: str, timeout: float = TIMEOUT) -> runner.ProcessOutcome:
    """One hardened git command in ``root`` (argument list, bounded), e.g. run(root, "rev-parse", "HEAD")."""
    return runner.run(argv(root, *args), cwd=root, timeout=timeout, passthrough_env=PASSTHROUGH, extra_env=ENV)


def output(root: Path, *args: str, timeout: float = TIMEOUT) -> str:
    """stdout of a git command that must succeed, else GitError naming the command and git's message."""
    outcome = run(root, *args, timeout=timeout)
    if outcome.exit_code != 0 or outcome.timed_out:
        why = "timed out" if outcome.timed_out else (outcome.stderr.strip().splitlines() or ["failed"])[-1][:200]
        raise GitError(f"git {' '.join(args)}: {why}")
    return outcome.stdout


def raw(root: Path, *args: str, stdin: bytes = b"", timeout: float = TIMEOUT) -> bytes:
    """The exact bytes a git command prints (blob contents are not text), else GitError.

    runner.run decodes output as text, which would change the bytes of a binary blob, so this one
    call uses subprocess directly, with the same hardened argument list and scrubbed environment.
    """
    env = runner.scrubbed_env(PASSTHROUGH)
    env.update(ENV)
    try:
        done = subprocess.run(argv(root, *args), cwd=root, input=stdin, capture_output=True, env=env,  # noqa: S603  # argument list, never a shell
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from exc
    if done.returncode != 0:
        why = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"])[-1][:200]
        raise GitError(f"git {' '.join(args)}: {why}")
    return done.stdout


def is_repository(root: Path) -> bool:
    outcome = run(root, "rev-parse", "--show-toplevel")
    return outcome.exit_code == 0 and not outcome.timed_out


def head(root: Path) -> str:
    """The commit checked out at ``root``, or '' (not a checkout, or no commit yet)."""
    outcome = run(root, "rev-parse", "--verify", "-q", "HEAD")
    return outcome.stdout.strip() if outcome.exit_code == 0 and not outcome.timed_out else ""


def resolve_commit(root: Path, ref: str) -> str:
    """The commit ``ref`` names, trying ``origin/REF`` as a CI checkout has it, or ''."""
    if ref.startswith("-"):
        return ""  # never an option
    for candidate in (ref, f"origin/{ref}", f"refs/remotes/origin/{ref}"):
        outcome = run(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{candidate}^{{commit}}")
        if outcome.exit_code == 0 and outcome.stdout.strip():
            return outcome.stdout.strip()
    return ""


def object_format(root: Path) -> str:
    """'sha1' or 'sha256': how this repository names its objects."""
    outcome = run(root, "rev-parse", "--show-object-format")
    fmt = outcome.stdout.strip() if outcome.exit_code == 0 else ""
    return fmt if fmt in ("sha1", "sha256") else "sha1"


def blob_id(content: bytes, fmt: str = "sha1") -> str:
    """The id git gives a file with this content (``git hash-object`` without filters)."""
    digest = hashlib.new(fmt, usedforsecurity=False)
    digest.update(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()

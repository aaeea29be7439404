"""Which commit, run and configuration a stage report came from, so a verdict never mixes them.

``pipeline run`` writes a ``provenance`` header into every stage report: the git commit of the
scanned tree (empty when the tree is not a git checkout), a run id and the hash of the configuration
it read. ``pipeline verdict`` refuses reports that disagree with each other or with the tree and
configuration it reads itself.

The run id is ``SECURE_PIPELINE_RUN_ID`` when set, else GitHub's ``GITHUB_RUN_ID`` and
``GITHUB_RUN_ATTEMPT`` (the same for every job of one workflow run, so parallel stage jobs agree),
else a random id for this invocation.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from . import git as git_mod
from . import runner
from .config import Config
from .errors import HarnessError

RUN_ID_ENV = "SECURE_PIPELINE_RUN_ID"
GIT_TIMEOUT = 30.0
FIELDS = ("commit", "run_id", "config_hash")


def git(root: Path, *args: str) -> runner.ProcessOutcome:
    """One hardened git command in ``root`` (pipeline/git.py), e.g. git(root, "rev-parse", "HEAD")."""
    return git_mod.run(root, *args, timeout=GIT_TIMEOUT)


def is_git_checkout(root: Path) -> bool:
    return git_mod.is_repository(root)


def commit_of(root: Path) -> str:
    """The commit checked out at ``root``, or '' when it is not a git checkout (or has no commit yet)."""
    return git_mod.head(root)


def run_id(env: dict[str, str] | None = None) -> str:
    env = dict(os.environ) if env is None else env
    if env.get(RUN_ID_ENV, "").strip():
        return env[RUN_ID_ENV].strip()
    if env.get("GITHUB_RUN_ID"):
        return f"github-{env['GITHUB_RUN_ID']}-{env.get('GITHUB_RUN_ATTEMPT') or '1'}"
    return f"local-{uuid.uuid4().hex}"


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def config_hash(config: Config) -> str:
    """sha256 of the configuration as read from the file (command-line --set overrides excluded)."""
    data = {
        "values": dict(config.values),
        "stages": {name: {"values": dict(s.values), "tools": {t: dict(o) for t, o in s.tools.items()}}
                   for name, s in config.stages.items()},
    }
    return hashlib.sha256(json.dumps(_canonical(data), sort_keys=True).encode("utf-8")).hexdigest()


def current(config: Config, env: dict[str, str] | None = None) -> dict[str, str]:
    """The provenance of a run starting now."""
    return {"commit": commit_of(config.root), "run_id": run_id(env), "config_hash": config_hash(config)}


def check(reports: list[tuple[Path, dict[str, str]]], config: Config) -> dict[str, str]:
    """The one provenance every report shares, checked against the tree and configuration read here.

    Raises ProvenanceError (exit 2) with one line naming the first report that disagrees.
    """
    if not reports:
        return {}
    first_path, first = reports[0]
    for path, prov in reports[1:]:
        for key in FIELDS:
            if prov.get(key) != first.get(key):
                raise ProvenanceError(
                    f"{path}: stage reports from different {key.replace('_', ' ')}s cannot make one verdict "
                    f"({first_path.name} has {first.get(key)!r}, {path.name} has {prov.get(key)!r})")
    here = config_hash(config)
    if first.get("config_hash") != here:
        raise ProvenanceError(
            f"{first_path}: the reports were made with another configuration than {config.source or '(defaults)'} "
            f"(config_hash {first.get('config_hash')!r}, here {here!r})")
    if is_git_checkout(config.root):
        head = commit_of(config.root)
        if first.get("commit") != head:
            raise ProvenanceError(
                f"{first_path}: the reports are of commit {first.get('commit') or '(none)'!r} but {config.root} "
                f"has {head or '(no commit)'!r} checked out")
    return dict(first)


class ProvenanceError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """Reports that cannot be judged together (different commits, runs or configurations): exit 2."""

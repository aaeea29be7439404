"""The files `pipeline init` writes, as text: the commented [tool.secure-pipeline] table, the caller
workflow of the reusable workflow, the .gitignore lines, the detect-secrets baseline."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from . import __version__
from .init_detect import Detected
from .model import Finding

TABLE_HEADER = "[tool.secure-pipeline]"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class HarnessSource:
    """Where the caller workflow takes the harness from: a GitHub repository at one commit."""

    repo: str
    sha: str

    def problem(self) -> str:
        if not _REPO.match(self.repo):
            return f"--harness-repo {self.repo!r}: expected OWNER/NAME"
        if not _SHA.match(self.sha):
            return f"--harness-ref {self.sha!r}: expected a full 40-hex commit SHA (a tag or branch can move)"
        return ""


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def config_table(found: Detected, stages: list[str]) -> str:
    lines = [
        "",
        "# secure-pipeline: written by `pipeline init`; every key is documented in the harness's README",
        "# (\"Configuration reference\"). Unknown keys are an error.",
        TABLE_HEADER,
        "# The stages `pipeline run all` and the CI workflow run. \"zap\" scans a deployed app: add it and set",
        "# [tool.secure-pipeline.stages.zap] target = \"https://staging.example\""
        + (f" (this app starts with `{found.start}`)." if found.start else "."),
        f"run = {_toml_list(stages)}",
        *([f"# \"deps\" is not in `run` yet: {found.deps_problem[:300]}"] if found.deps_problem else []),
        "# Paths (globs) that are not your code, e.g. vendored libraries: [\"static/vendor/**\"].",
        "exclude = []",
        "# Today's findings, accepted so only new ones fail (`pipeline baseline update` rewrites it).",
        'baseline_file = ".secure-pipeline/baseline.json"',
        'reports_dir = "reports"',
    ]
    sources = found.requirements + found.locks
    if "deps" in stages and sources:
        lines += [
            "",
            "[tool.secure-pipeline.stages.deps]",
            "# The dependency files the audit reads.",
            f"sources = {_toml_list(sources)}",
        ]
    return "\n".join(lines) + "\n"


def caller_workflow(found: Detected, source: HarnessSource, python_version: str) -> str:
    install = found.install_command()
    with_lines = [f'      harness: "secure-pipeline[scanners] @ git+https://github.com/{source.repo}@{source.sha}"',
                  f'      python-version: "{python_version}"']
    if install:
        with_lines.append(f"      install: {install}")
    return "\n".join([
        "# secure-pipeline: one gated verdict (lint, SAST, secrets, dependencies, workflow hardening) on every",
        "# push to the default branch, pull request and merge-queue entry. Written by `pipeline init`;",
        "# configuration: [tool.secure-pipeline] in pyproject.toml. Branch pushes are checked through their",
        "# pull request (no duplicate runs); each push and merge-queue run has its own concurrency group.",
        "name: secure-pipeline",
        "",
        "on:",
        "  push:",
        f"    branches: [{found.default_branch}]",
        "  pull_request:",
        "  merge_group:",
        "",
        "permissions: {}",
        "",
        "concurrency:",
        "  group: secure-pipeline-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}",
        "  cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
        "",
        "jobs:",
        "  secure-pipeline:",
        f"    uses: {source.repo}/.github/workflows/secure-pipeline.yml@{source.sha} # secure-pipeline v{__version__}",
        "    permissions:",
        "      contents: read",
        "      actions: read # the SARIF upload reads the workflow run (private repositories)",
        "      security-events: write # the SARIF upload to code scanning",
        "    with:",
        *with_lines,
        "",
    ])


GITIGNORE_LINES = ("/reports/",)


def secrets_baseline(findings: list[Finding], settings: dict[str, Any], version: str) -> str:
    """A detect-secrets baseline of today's secrets, unaudited (`detect-secrets audit` triages it)."""
    results: dict[str, list[dict[str, Any]]] = {}
    for finding in sorted(findings, key=lambda f: (f.location.path, f.location.line or 0, f.rule_id)):
        # The typed identity of a detect-secrets finding is "<type>|<hashed secret>" (properties are display-only).
        kind, _, hashed = (finding.identity or "").rpartition("|")
        path = finding.location.path
        if kind != finding.rule_id:
            continue
        if not hashed or not path:
            continue
        results.setdefault(path, []).append({
            "type": finding.rule_id, "filename": path, "hashed_secret": hashed,
            "is_verified": False, "line_number": finding.location.line or 0,
        })
    return json.dumps({"version": version, **settings, "results": results}, indent=2) + "\n"

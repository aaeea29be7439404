"""``pipeline init``: set a repository up for the harness in one step.

Detects what is there (init_detect.py), then writes, each only if it is not there yet (--force
rewrites): the commented ``[tool.secure-pipeline]`` table in pyproject.toml (created if missing),
the caller workflow of the reusable workflow, the reports folder in .gitignore, a detect-secrets
baseline and the harness baseline of today's findings, so the first CI run passes and only new
findings fail. Prints what it did and the next steps. Running it again changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .init_detect import Detected, detect
from .init_render import GITIGNORE_LINES, TABLE_HEADER, HarnessSource, caller_workflow, config_table, secrets_baseline
from .target_env import ENV_VAR, locate

WORKFLOW = ".github/workflows/secure-pipeline.yml"
SECRETS_BASELINE = ".secrets.baseline"
EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 2, 3


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register ``init`` on the CLI's subparsers; sets ``func``."""
    parser = subparsers.add_parser(
        "init", help="set a repository up: configuration, CI workflow, .gitignore, baselines of today's findings",
        description="Detect what the repository holds and write what the harness needs; never overwrites without --force.")
    parser.add_argument("--root", type=Path, default=None, help="repository to set up (default: the current directory)")
    parser.add_argument("--force", action="store_true", help="rewrite files init wrote before (configuration table, "
                                                             "workflow, baselines)")
    parser.add_argument("--stages", default="", metavar="A,B",
                        help="the stages to configure (default: those that apply to what was detected)")
    parser.add_argument("--harness-repo", default="", metavar="OWNER/NAME",
                        help="GitHub repository of the harness for the caller workflow (default: where this "
                             "installation came from, if a git URL)")
    parser.add_argument("--harness-ref", default="", metavar="SHA", help="commit of the harness to pin (40 hex)")
    parser.add_argument("--python-version", default=f"{sys.version_info.major}.{sys.version_info.minor}",
                        help="Python version the CI uses (default: this interpreter's)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines while the baseline scan runs")
    parser.set_defaults(func=run)
    result: argparse.ArgumentParser = parser
    return result


@dataclass
class Report:
    done: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    detected: list[str] = field(default_factory=list)  # what init chose beyond the files (the env pylint reads)

    def print(self, found: Detected) -> None:
        out = sys.stdout
        print("pipeline init: detected", file=out)
        for line in [*_describe(found), *self.detected]:
            print(f"  {line}", file=out)
        for title, items in (("wrote", self.done), ("left alone (exists; --force rewrites)", self.kept)):
            if items:
                print(f"pipeline init: {title}", file=out)
                for item in items:
                    print(f"  {item}", file=out)
        print("next steps", file=out)
        for number, step in enumerate(self.next_steps, 1):
            print(f"  {number}. {step}", file=out)


def python_env_choice(root: Path, found: Detected) -> tuple[str, str]:
    """What pylint will read the repository's dependencies from (a line for "detected"), and a next step when nothing."""
    target = locate(root, "")
    if target is not None:
        return f"dependencies for pylint: {target.describe()}", ""
    install = found.install_command()
    line = (f"dependencies for pylint: no venv found (.venv/, venv/ or {ENV_VAR}), so third-party import errors "
            "become one note and do not block")
    if install:
        line += f"; in CI the workflow's install step (`{install}`) fills one"
    step = (f"So pylint resolves your imports locally: python3 -m venv .venv && .venv/bin/{install}   (found by itself)"
            if install else "")
    return line, step


def _describe(found: Detected) -> list[str]:
    return [
        f"Python files: {found.python_files}",
        f"requirements: {', '.join(found.requirements) or 'none'}; lock files: {', '.join(found.locks) or 'none'}; "
        f"packaged: {'yes' if found.packaged else 'no'}",
        f"Dockerfiles: {', '.join(found.dockerfiles) or 'none'}; workflows: {', '.join(found.workflows) or 'none'}",
        f"web app: {found.framework or 'none found'}" + (f", starts with `{found.start}`" if found.start else ""),
    ]


def harness_source(args: argparse.Namespace) -> HarnessSource | None:
    """--harness-repo/--harness-ref, else the git URL and commit this installation came from (PEP 610)."""
    if args.harness_repo or args.harness_ref:
        return HarnessSource(args.harness_repo, args.harness_ref)
    try:
        raw = metadata.distribution("secure-pipeline").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        origin = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return None
    url, commit = str(origin.get("url", "")), str((origin.get("vcs_info") or {}).get("commit_id", ""))
    prefix = "https://github.com/"
    if not url.startswith(prefix) or not commit:
        return None
    return HarnessSource(url.removeprefix(prefix).removesuffix(".git").strip("/"), commit)


def _write_config(root: Path, table: str, force: bool, report: Report) -> None:
    path = root / "pyproject.toml"
    if not path.exists():
        path.write_text(table.lstrip("\n"), encoding="utf-8")
        report.done.append("pyproject.toml (created, with the [tool.secure-pipeline] table)")
        return
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    ours = [i for i, line in enumerate(lines) if line.strip().startswith("[tool.secure-pipeline")]
    if ours and not force:
        report.kept.append("pyproject.toml [tool.secure-pipeline]")
        return
    if ours:
        # --force: drop our tables (from the first of ours to the next table that is not ours).
        keep = []
        skipping = False
        for line in lines:
            header = line.strip().startswith("[")
            if header:
                skipping = line.strip().startswith("[tool.secure-pipeline")
            if not skipping:
                keep.append(line)
        text = "".join(keep)
    path.write_text(text.rstrip("\n") + "\n" + table, encoding="utf-8")
    report.done.append(f"pyproject.toml {TABLE_HEADER}" + (" (rewritten)" if ours else " (appended)"))


def _write_file(root: Path, rel: str, text: str, force: bool, report: Report, what: str) -> None:
    path = root / rel
    if path.exists() and not force:
        report.kept.append(rel)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_text(text, encoding="utf-8")
    report.done.append(f"{rel} ({what}{', rewritten' if existed else ''})")


def _write_gitignore(root: Path, report: Report) -> None:
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present and line.strip("/") not in present]
    if not missing:
        report.kept.append(".gitignore (already ignores the reports)")
        return
    block = "# secure-pipeline's reports (pipeline init)\n" + "".join(f"{line}\n" for line in missing)
    path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + block, encoding="utf-8")
    report.done.append(f".gitignore (+ {', '.join(missing)})")


def _secrets_baseline_text(root: Path, quiet: bool) -> str | None:
    """Run the secrets stage once and render its findings as a detect-secrets baseline (None: error)."""
    from detect_secrets.__version__ import VERSION
    from detect_secrets.settings import default_settings, get_settings

    from . import config as config_mod
    from .engine import run_stages
    from .model import Status
    from .policy import tool_run_status
    from .progress import choose

    config = config_mod.load(root, None)
    result = run_stages(config, ["secrets"], config.resolve(config.settings.reports_dir), choose(quiet))[0]
    status, reason = tool_run_status(result)
    if status is Status.ERROR:
        print(f"pipeline init: error: the secrets stage could not run, no baseline written: {reason}", file=sys.stderr)
        return None
    with default_settings():
        settings = get_settings().json()  # the plugins and filters `detect-secrets audit` re-scans with
    return secrets_baseline(list(result.findings), settings, VERSION)


def _harness_baseline(root: Path, quiet: bool) -> int:
    """`pipeline baseline update`, exactly: run the configured stages and accept what they find."""
    from .cli import cmd_baseline_update

    return cmd_baseline_update(argparse.Namespace(root=root, config=None, quiet=quiet, reports=[]))


def run(args: argparse.Namespace) -> int:
    from .registry import stage_names

    root = (args.root or Path.cwd()).resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: not a folder")
    found = detect(root)
    source = harness_source(args)
    if source is not None and source.problem():
        raise ConfigError(f"command line: {source.problem()}")
    stages = [s.strip() for s in args.stages.split(",") if s.strip()] or found.stages(writes_workflow=source is not None)
    unknown = [s for s in stages if s not in stage_names()]
    if unknown:
        raise ConfigError(f"command line: --stages: unknown stage {unknown[0]!r} (known: {', '.join(stage_names())})")

    report = Report()
    env_line, env_step = python_env_choice(root, found) if "lint" in stages else ("", "")
    report.detected = [env_line] if env_line else []
    _write_config(root, config_table(found, stages), args.force, report)
    from . import config as config_mod

    config = config_mod.load(root, None)  # what init wrote must be a valid configuration (else exit 3)
    _write_gitignore(root, report)
    if source is None:
        report.next_steps.append(f"Write {WORKFLOW}: run `pipeline init --harness-repo OWNER/NAME --harness-ref SHA` "
                                 "(the harness repository and the commit to pin), or install the harness from its git URL.")
    else:
        _write_file(root, WORKFLOW, caller_workflow(found, source, args.python_version), args.force, report,
                    "calls the reusable workflow")

    if "secrets" in stages and (args.force or not (root / SECRETS_BASELINE).exists()):
        text = _secrets_baseline_text(root, args.quiet)
        if text is None:
            report.print(found)
            return EXIT_ERROR
        count = sum(len(v) for v in json.loads(text)["results"].values())
        _write_file(root, SECRETS_BASELINE, text, True, report, f"detect-secrets baseline, {count} unaudited secret(s)")
    elif "secrets" in stages:
        report.kept.append(SECRETS_BASELINE)

    baseline = config.resolve(config.settings.baseline_file)
    if args.force or not baseline.exists():
        code = _harness_baseline(root, args.quiet)
        if code != EXIT_OK:
            report.print(found)
            return code
        report.done.append(f"{baseline.relative_to(root).as_posix()} (today's findings of {', '.join(stages)}, accepted)")
    else:
        report.kept.append(baseline.relative_to(root).as_posix())

    if found.deps_problem and "deps" not in stages:
        problem = found.deps_problem[:300].rstrip(".")
        report.next_steps.append(f"Dependencies are not audited yet, the deps stage could not read them: {problem}. "
                                 "Then add \"deps\" to `run` and run `pipeline baseline update`.")
    report.next_steps += [
        "Review and commit: git add pyproject.toml .gitignore .secrets.baseline .secure-pipeline .github && git commit",
        "Check locally: pipeline run all   (exits 0; only findings newer than the baselines fail)",
        "Triage today's secrets: detect-secrets audit .secrets.baseline   (mark each real or false positive)",
    ]
    if env_step:
        report.next_steps.append(env_step)
    if found.start:
        report.next_steps.append(f"To scan the running app with ZAP: deploy it (`{found.start}`), add \"zap\" to `run` "
                                 "and set [tool.secure-pipeline.stages.zap] target (or the workflow's target-url input).")
    report.print(found)
    return EXIT_OK

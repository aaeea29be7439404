"""pylint, through its ``json2`` reporter.

Fail-closed rules (see the reference notes): fatal messages, syntax errors and bad plugins mean the
file was not really linted. pylint's ``modulesLinted`` is a count whose pseudo-modules vary, so
coverage comes from the harness's own evidence plugin (``pipeline/evidence/pylint_plugin.py``),
which records every module pylint analysed; the printed messages must also add up to pylint's own
``messageTypeCount``. pylint's ``ignore`` settings skip a file without any message, so they are
overridden on the command line.

The repository's dependencies come from its environment (pipeline/target_env.py), read by path and
appended after pylint's own modules by the evidence plugin. Without one, import errors about
third-party packages become one note (pipeline/unresolved_imports.py).

Parallel runs (``--jobs``): pylint 4.1.4 lints each file in a worker process and merges the two
whole-program checkers' data afterwards (pylint/lint/parallel.py), worker by worker rather than in
file order: stock ``-j 2`` then reports other duplicate-code groups and other import cycles than one
process does (seen on tests/core/pylint_parallel_fixture.py). The evidence plugin puts that data in
one canonical order in every process before either checker computes, so one ``--jobs`` pass reports
the same duplicate-code and cyclic-import messages as one process; tests/core/test_pylint_parallel.py
proves the whole result identical message for message on its fixture and benchmarks/pylint_parity.py
checks a real tree. One limit is pylint's own: astroid caches what it inferred across the modules of
a process, so a few per-module messages depend on which modules were analysed earlier in the same
process. On pypa/pip, stock pylint in one process reports 3 of 5,983 messages differently when only
the order of the files is reversed (and 8 duplicate-code groups, which the canonical order fixes);
``--jobs=2`` differs from ``--jobs=1`` by 3 such messages too. The workers get runs of neighbouring
files (guided, largest first) and inherit every linted module's AST, built before the fork as one
process builds them first (the evidence plugin's _build_before_fork).

A message on a module astroid built itself (no file: pylint prints the path "configuration") is
reported on the file whose linting raised it, as the evidence plugin recorded; the result cache
and PR mode need every finding to have a file.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import import_closure
from ..cache_keys import InputDigests, sha256_text
from ..cached_scan import BY_INPUT
from ..errors import ConfigError
from ..evidence import pylint_plugin as evidence_plugin
from ..files import FileSet
from ..model import Confidence, Finding, Location, Severity
from ..options import StageConfig, setting
from ..pr_mode import IMPORTERS, WHOLE_SET_CHECKS, package_root
from ..scanner import (
    CommandScanner,
    Coverage,
    Outcome,
    Parsed,
    Plan,
    ScanContext,
    ScanError,
    load_json,
    require,
)
from ..target_env import ENV_VAR as PYTHON_ENV_VAR
from ..target_env import TargetEnv, locate
from ..trust import TrustError, trusted
from ..unresolved_imports import own_modules, split
from ..vetting import VettedConfig
from ..vetting.pylint import vet as vet_pylint

_SEVERITY = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "refactor": Severity.LOW,
    "convention": Severity.LOW,
    "info": Severity.INFO,
}
_CONFIDENCE = {
    "HIGH": Confidence.HIGH,
    "CONTROL_FLOW": Confidence.HIGH,
    "INFERENCE": Confidence.MEDIUM,
    "INFERENCE_FAILURE": Confidence.LOW,
}
# Messages that mean pylint could not analyse a file at all.
_NOT_SCANNED = {"E0001": "syntax error", "E0013": "bad plugin", "E0011": "unrecognized option"}
# The messages pylint 4.1.4 computes from every module at once: the checkers that implement
# get_map_data/reduce_map_data (similarities, imports), which the evidence plugin makes order-free.
# A guard test fails when that set changes.
WHOLE_PROGRAM = ("duplicate-code", "cyclic-import")
# Below this many files per process, starting workers costs more than it saves.
MIN_FILES_PER_JOB = 8


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def jobs_for(setting: int, files: int) -> int:
    """pylint's process count: the setting, or (0) every available core the tree's size warrants."""
    if setting:
        return max(1, min(setting, files))
    return max(1, min(available_cores(), files // MIN_FILES_PER_JOB))


def rcfile_for(ctx: ScanContext) -> tuple[Path, VettedConfig]:
    """The file for --rcfile: the vetted copy of the repository's pylint configuration, else the harness's defaults.

    The repository's own file is never handed to pylint (it can run code); see pipeline/vetting/pylint.py.
    """
    try:
        trust = trusted()
    except TrustError as exc:
        raise ScanError(str(exc)) from exc
    vetted = vet_pylint(ctx.root, ctx.work_dir, trust, ctx.settings(PylintSettings).pylint_rcfile)
    if vetted.path is None:
        raise ScanError("no pylint configuration was written")  # vet() always writes one
    return vetted.path, vetted


# pylint symbol -> the problem it reports, named by pyflakes' message class (the lint stage's vocabulary).
SAME_PROBLEM = {
    "unused-import": "UnusedImport",
    "undefined-variable": "UndefinedName",
    "unused-variable": "UnusedVariable",
    "undefined-all-variable": "UndefinedExport",
    "used-before-assignment": "UndefinedLocal",
    "reimported": "RedefinedWhileUnused",
    "function-redefined": "RedefinedWhileUnused",
    "f-string-without-interpolation": "FStringMissingPlaceholders",
    "wildcard-import": "ImportStarUsed",
    "duplicate-key": "MultiValueRepeatedKeyLiteral",
    "return-outside-function": "ReturnOutsideFunction",
    "yield-outside-function": "YieldOutsideFunction",
    "not-in-loop": "BreakOutsideLoop",
    "duplicate-argument-name": "DuplicateArgument",
    "raising-non-exception": "RaiseNotImplemented",
    "notimplemented-raised": "RaiseNotImplemented",
    "assert-on-tuple": "AssertTuple",
    "literal-comparison": "IsLiteral",
}


@dataclass(frozen=True)
class PylintSettings:
    pylint_rcfile: str = setting(
        "", "pylint configuration file inside the repository; default: the one pylint itself would find "
            "(pylintrc, .pylintrc, pyproject.toml [tool.pylint], setup.cfg, tox.ini), else the harness's "
            "built-in defaults. Its settings are vetted: code-loading keys are refused.")
    python_env: str = setting(
        "", "The repository's environment (a venv, or a site-packages folder) from which pylint resolves its "
            f"imports; only a folder inside the repository. Default: `{PYTHON_ENV_VAR}` (set by the caller, "
            "any path; the reusable workflow sets it after its `install` step), else `.venv/` or `venv/` when "
            "it holds a site-packages folder. Read by path: nothing in it runs. Without one, import errors "
            "about third-party packages become one note and do not block.")
    pylint_jobs: int = setting(
        0, "pylint processes: 0 means one per available core (fewer for a small tree), 1 a single process. "
           "Duplicate-code and cyclic-import are the same either way (their data is put in one order in "
           "every process); a few per-module messages depend on the order astroid met the modules in, "
           "as in any pylint run (on pypa/pip, 3 of about 6,000); the repository's own `jobs` setting "
           "is overridden.")


class Pylint(CommandScanner):
    name = "pylint"
    stage = "lint"
    executable = "pylint"
    distribution = "pylint"
    # Exit status is a bit field (1 fatal, 2 error, 4 warning, 8 refactor, 16 convention); 32 is usage.
    ok_exit_codes = frozenset(range(32))
    relative_cost = 20  # measured: ~4.5x bandit, ~30x pyflakes on pypa/pip (issue 16)
    # Per file, but a module's messages depend on the modules it imports (and on duplicate code anywhere).
    cache_granularity = "file"
    cache_hits_as_path_hints = True  # sys.path comes from every file given
    # A module's messages depend on what it imports: PR mode lints the changed modules and their importers.
    pr_scope = IMPORTERS
    settings_type = PylintSettings

    def validate(self, root: Path, stage_config: StageConfig) -> None:
        """A named environment that is not one is bad configuration (exit 3), said before anything runs."""
        locate(root, stage_config.of(PylintSettings).python_env)

    def problem(self, finding: Finding) -> str | None:
        return SAME_PROBLEM.get(finding.rule_name)

    def plan(self, ctx: ScanContext) -> Plan:
        if not ctx.files.python:
            return Plan(ctx, skip="no Python files to lint")
        evidence = ctx.work_dir / "pylint-evidence"
        plugins = ctx.work_dir / "pylint-plugins"
        plugins.mkdir(exist_ok=True)
        shutil.copyfile(Path(evidence_plugin.__file__), plugins / f"{evidence_plugin.MODULE_NAME}.py")
        inputs = tuple(p for p in ctx.files.python if p not in ctx.path_hints)
        if not inputs:
            return Plan(ctx, skip="no Python files to lint: no module changed, none imports a changed one")
        digests = {rel: _digest(ctx.root / rel) for rel in inputs}
        hints = plugins / "path-hints"  # pylint's sys.path from these files, which are not analysed
        hints.write_bytes(b"".join(os.fsencode(p) + b"\0" for p in ctx.files.python if p in ctx.path_hints))
        rcfile, vetted = rcfile_for(ctx)
        try:
            target = locate(ctx.root, ctx.settings(PylintSettings).python_env)
        except ConfigError as exc:
            raise ScanError(str(exc)) from exc
        jobs_setting = ctx.settings(PylintSettings).pylint_jobs
        if jobs_setting < 0:
            raise ScanError(f"lint.pylint_jobs must be 0 (every core) or a positive count, not {jobs_setting}")
        jobs = jobs_for(jobs_setting, len(inputs))
        return Plan(ctx, inputs=inputs, state=_PylintState(evidence, plugins, digests, rcfile, vetted, target, jobs,
                                                           tuple(ctx.files.python), hints))

    def cache_context(self, plan: Plan, path: str, digests: InputDigests) -> str | None:
        """What else a module's messages depend on: the installed distributions pylint infers through, and

        * in a full scan, every Python file astroid may read in the tree (paths and contents, inside the
          configured paths or not, since imports reach past them): all or nothing, because duplicate-code
          and cyclic-import compare every module with every other;
        * in PR mode, where those two are off (pipeline/pr_mode.py), the module's import closure
          (pipeline/import_closure.py), the list of the tree's Python files (a new file can shadow an
          import) and the order of the package roots on pylint's sys.path. A miss is then linted with
          the hits as path hints, so sys.path stays the same.

        Not just the files linted: in PR mode those are the changed modules and their importers, whose
        messages still depend on the unchanged modules they import."""
        state: _PylintState = plan.state
        tree = _tree_python(plan)
        if plan.ctx.partial:
            if not state.closures:
                state.closures.append(import_closure.of_tree(plan.ctx.root, tree))
            roots = dict.fromkeys(package_root(plan.ctx.root, p) for p in state.given)
            reads = digests.of_all(state.closures[0].of(path))
            context = None if reads is None else sha256_text(reads, *tree, "\0roots", *roots)
        else:
            context = digests.of_all(tree)  # InputDigests reads each file once per run
        target = _target_distributions(state.target.site_packages) if state.target else "none"
        return None if context is None else f"{context}+{_installed_distributions()}+{target}"

    def argv(self, plan: Plan) -> list[str]:
        state: _PylintState = plan.state
        # File selection is the harness's job ([tool.secure-pipeline] exclude). pylint's own ignore
        # settings would skip files while still counting them as linted, so they are cleared here.
        # --jobs is always given: the repository's `jobs` setting must not choose the merge.
        return [plan.executable, "--output-format=json2", "--persistent=n", f"--rcfile={state.rcfile}",
                "--ignore=", "--ignore-patterns=", "--ignore-paths=", f"--jobs={state.jobs}",
                f"--load-plugins={evidence_plugin.MODULE_NAME}", f"--enable={evidence_plugin.MESSAGE}",
                *([f"--disable={','.join(WHOLE_SET_CHECKS)}"] if plan.ctx.partial else []),
                "--", *_command_line_files(plan.inputs, state.given, plan.ctx.path_hints)]

    def extra_env(self, plan: Plan) -> dict[str, str]:
        state: _PylintState = plan.state
        shutil.rmtree(state.evidence, ignore_errors=True)
        state.evidence.mkdir(parents=True)
        target = state.target.site_packages if state.target else ()
        return {
            evidence_plugin.EVIDENCE_ENV: str(state.evidence),
            # Only the plugin's folder: PYTHONPATH comes before site-packages, so the target's folders
            # go to the plugin, which appends them after pylint's own.
            "PYTHONPATH": str(state.plugins),
            evidence_plugin.PATH_HINTS_ENV: str(state.hints),
            evidence_plugin.TARGET_PATHS_ENV: os.pathsep.join(str(p) for p in target),
            # Set iteration order decides how many import cycles pylint reports: fix it, so identical
            # inputs give identical reports (a varying count would churn the baseline).
            "PYTHONHASHSEED": "0",
        }

    def parse(self, plan: Plan, outcome: Outcome) -> Parsed:
        data = load_json(outcome.stdout, "pylint json2")
        require(isinstance(data, dict) and isinstance(data.get("messages"), list),
                "json2 output has no 'messages' list (not pylint's documented format)")
        stats = data.get("statistics")
        require(isinstance(stats, dict) and isinstance(stats.get("messageTypeCount"), dict),
                "json2 output has no 'statistics' object with a messageTypeCount")
        state: _PylintState = plan.state
        inputs = set(plan.inputs)
        covered, skipped, owners = self._evidence(plan, Path(outcome.command.env[evidence_plugin.EVIDENCE_ENV]))
        findings: list[Finding] = []
        counted: Counter[str] = Counter()
        unlocated = 0
        # Messages on astroid's synthetic modules, by (id, text): each goes to a file whose linting raised
        # it, when the plugin saw as many such raises as pylint printed (none was suppressed); identical
        # messages of two files are interchangeable, so any order of the files gives the same findings.
        synthetic = Counter(_synthetic_key(m) for m in data["messages"] if isinstance(m, dict) and _on_synthetic_module(m))
        handed: Counter[tuple[str, str]] = Counter()
        for msg in data["messages"]:
            require(isinstance(msg, dict) and {"type", "symbol", "messageId", "path", "line", "message"} <= set(msg),
                    f"json2 message without the documented fields: {str(msg)[:80]}")
            msg_id = str(msg["messageId"])
            if msg["type"] == "fatal" or msg_id.startswith("F") or msg_id in _NOT_SCANNED:
                what = _NOT_SCANNED.get(msg_id, msg["symbol"])
                raise ScanError(f"could not analyse {msg['path']}: {what} ({msg_id}: {str(msg['message'])[:120]})")
            severity = _SEVERITY.get(msg["type"])
            if severity is None:
                raise ScanError(f"unknown message type {msg['type']!r}")
            path: str | None = Path(msg["path"]).as_posix()
            line = msg.get("line") or None
            if path == str(state.rcfile) and state.vetted.source:
                path = state.vetted.source  # a message about the configuration names the repository's file
            elif _on_synthetic_module(msg):
                key = _synthetic_key(msg)
                files = owners.get(key, [])
                path, line = (files[handed[key]] or None if len(files) == synthetic[key] else None), None
                handed[key] += 1
                unlocated += 1
            else:
                require(path in inputs, f"reported a file it was not given: {str(path)[:80]!r}")
            counted[str(msg["type"])] += 1
            symbol = str(msg["symbol"])
            findings.append(Finding(
                tool=self.name,
                rule_id=msg_id,
                rule_name=symbol,
                title=f"{symbol} ({msg_id})",
                severity=severity,
                tool_severity=str(msg["type"]),
                confidence=_CONFIDENCE.get(str(msg.get("confidence")), Confidence.UNDEFINED),
                tool_confidence=str(msg.get("confidence") or ""),
                location=Location(
                    path=path, line=line,
                    column=(msg["column"] + 1) if isinstance(msg.get("column"), int) else None,
                    end_line=msg.get("endLine"),
                    end_column=(msg["endColumn"] + 1) if isinstance(msg.get("endColumn"), int) else None,
                ),
                message=_stable_message(symbol, str(msg["message"])),
                help_uri=f"https://pylint.readthedocs.io/en/stable/user_guide/messages/{msg['type']}/{symbol}.html",
            ))
        # pylint's own tally must agree with the messages it printed: a filtered or cut list does not.
        claimed = {str(k): v for k, v in stats["messageTypeCount"].items() if isinstance(v, int) and v}
        require(claimed == {k: v for k, v in counted.items() if v},
                f"printed {sum(counted.values())} message(s) but counted {sum(claimed.values())} "
                f"({_tally(counted)} printed vs {_tally(claimed)} counted): its output is incomplete")
        details: dict[str, Any] = {"files_scanned": len(covered & inputs), "jobs": state.jobs,
                                   **state.vetted.details(),
                                   BY_INPUT: {p: {"files_scanned": int(p in covered)} for p in (covered | skipped) & inputs},
                                   "python_env": state.target.describe() if state.target else "none found"}
        if state.target is None:
            # The repository's own modules are every Python file of the tree, not just those linted (PR mode).
            findings, unresolved = split(findings, own_modules(plan.ctx.root, _tree_python(plan)))
            if unresolved.count:
                details["unresolved_imports"] = dict(sorted(unresolved.packages.items()))
                details.setdefault("notes", []).append(unresolved.note())
        if unlocated:
            details.setdefault("notes", []).append(
                f"pylint: {unlocated} message(s) concern a module astroid built itself (a lazy module's `__all__`, as "
                "pygments makes one), which has no file: they are reported on the file being linted, without a line")
        if skipped:
            details.setdefault("notes", []).append(f"pylint: {len(skipped)} file(s) opt out with `# pylint: skip-file`: "
                                                   + ", ".join(sorted(skipped)[:5]))
        return Parsed(findings, Coverage.of(covered | skipped), details)

    def _evidence(self, plan: Plan, folder: Path) -> tuple[frozenset[str], frozenset[str], dict[tuple[str, str], list[str]]]:
        """The inputs pylint analysed (as its evidence plugin saw them, in any of its processes), those
        that skip themselves, and for each message (id, text digest) raised on a file-less module the
        input being linted at each raise ("" for a file that is none of the inputs), sorted."""
        state: _PylintState = plan.state
        root = plan.ctx.root.resolve()
        raw = "".join(path.read_text(encoding="utf-8", errors="surrogateescape")
                      for path in sorted(folder.glob(f"*{evidence_plugin.SUFFIX}")))
        seen = set()
        owners: dict[tuple[str, str], list[str]] = {}
        for entry in filter(None, raw.split("\0")):
            digest, _, name = entry.partition(" ")
            if digest == evidence_plugin.UNLOCATED:
                msg_id, _, rest = name.partition(" ")
                text, _, name = rest.partition(" ")
                rel = _relative(name, root)
                # Every raise counts, in or out of the inputs: a count that differs from pylint's leaves it unlocated.
                owners.setdefault((msg_id, text), []).append(rel if rel in plan.inputs else "")
                continue
            rel = _relative(name, root)
            if rel is None:
                continue  # a module outside the tree (a dependency pylint inspected)
            if state.digests.get(rel) == digest:
                seen.add(rel)  # analysed, and what it analysed is what the harness handed over
        missing = set(plan.inputs) - seen
        skipped = {rel for rel in missing if _SKIP_FILE.search(_head(plan.ctx.root / rel))}
        for files in owners.values():
            files.sort()
        return frozenset(seen), frozenset(skipped), owners


@dataclass(frozen=True)
class _PylintState:
    evidence: Path  # where the evidence plugin writes the modules it analysed
    plugins: Path  # the private folder the plugin is loaded from
    digests: dict[str, str]  # sha256 of each input as handed over
    rcfile: Path  # the vetted configuration handed to pylint
    vetted: VettedConfig
    target: TargetEnv | None  # the repository's environment, when one was given or found
    jobs: int  # pylint processes (--jobs)
    given: tuple[str, ...]  # the files on the command line, in order: the inputs and the path hints
    hints: Path  # the file listing the path hints for the evidence plugin
    tree_python: list[str] = field(default_factory=list)  # every Python file astroid may read (the cache key)
    closures: list[import_closure.ImportClosure] = field(default_factory=list)  # PR mode's cache key, when asked


_PYTHON = (".py", ".pyi")
_SKIP_FILE = re.compile(r"#\s*pylint:\s*skip-file")


def _tree_python(plan: Plan) -> list[str]:
    """Every Python file of the tree astroid may read, whatever the selection (listed once per plan)."""
    state: _PylintState = plan.state
    if not state.tree_python:
        readable = FileSet(plan.ctx.root, never=plan.ctx.files.never).all
        state.tree_python.extend(p for p in readable if p.endswith(_PYTHON))
    return state.tree_python


def _command_line_files(inputs: tuple[str, ...], given: tuple[str, ...], hints: frozenset[str]) -> list[str]:
    """The inputs with the path hints in their places: pylint builds sys.path from the files in the order given."""
    wanted = set(inputs)
    placed = [p for p in given if p in wanted or p in hints]
    return placed + [p for p in inputs if p not in set(placed)]


def _relative(name: str, root: Path) -> str | None:
    try:
        return Path(name).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ScanError(f"cannot read {path.name} to lint it: {exc.strerror or exc}") from exc


def _head(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(1024 * 1024)
    except OSError:
        return ""


def _synthetic_key(msg: Mapping[str, Any]) -> tuple[str, str]:
    return str(msg.get("messageId")), evidence_plugin.text_digest(str(msg.get("message")))


def _on_synthetic_module(msg: Mapping[str, Any]) -> bool:
    """A message pylint could not tie to a file: it calls the path "configuration". Seen on pip's vendored
    pygments (E0603 on a lazily built module); only astroid's synthetic module is accepted, any other
    file-less message stays a ScanError (a configuration problem pylint reports this way would be one)."""
    return msg["path"] == "configuration" and not msg.get("absolutePath") and msg.get("module") == "__astroid_synthetic"


def _stable_message(symbol: str, message: str) -> str:
    """The message, minus what pylint chooses at random.

    duplicate-code quotes the lines of whichever copy comes last out of a set of objects hashed by
    id(): the same tree, even in one process, quotes different copies from run to run. The header
    (how many files, each copy's module and line range, sorted) is deterministic and is kept.
    """
    if symbol != "duplicate-code":
        return message
    first, *rest = message.split("\n")
    copies = list(itertools.takewhile(lambda line: line.startswith("=="), rest))
    return "\n".join([first, *copies])


def _tally(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def _target_distributions(folders: tuple[Path, ...]) -> str:
    """The repository's environment as pylint reads it: each folder and every distribution's RECORD
    (the list of its files with their hashes), so an upgrade or a reinstall is a cache miss."""
    parts: list[str] = []
    for folder in folders:
        parts.append(str(folder))
        for record in sorted(folder.glob("*.dist-info/RECORD")):
            try:
                parts.append(f"{record.parent.name}:{hashlib.sha256(record.read_bytes()).hexdigest()}")
            except OSError:
                parts.append(f"{record.parent.name}:unreadable")
    return sha256_text(*parts)


@lru_cache(maxsize=1)
def _installed_distributions() -> str:
    """The distributions of the environment pylint runs in (it infers types through them)."""
    names = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    return sha256_text(*names)

"""pylint: read the repository's configuration the way pylint 4.1.4 would, write a vetted copy.

pylint runs code straight from its configuration: ``init-hook`` is ``exec``-ed, ``load-plugins``
and a dotted ``output-format`` are imported, ``evaluation`` is ``eval``-ed, the extension-package
settings make astroid import compiled modules. The harness therefore never hands the repository's
file to pylint: it writes the honoured settings into a TOML file in the scan's private folder and
passes that with ``--rcfile`` (which turns pylint's own discovery off: no cwd, parent, ``PYLINTRC``
or home file is read).
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..scanner import ScanError
from . import RefusedSetting, VettedConfig, inside, listed, relative

# pylint's discovery order in the working directory (pylint/config/find_default_config_files.py).
DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_RCFILE = DATA / "pylintrc"  # the harness's defaults, for a repository without a configuration
IMPORT_GUARD = DATA / "pylint_import_guard.py"
RC_NAMES = ("pylintrc", "pylintrc.toml", ".pylintrc", ".pylintrc.toml")
SECTION_FILES = ("pyproject.toml", "setup.cfg", "tox.ini")

# Keys whose value pylint runs or imports, and the trusted capability that allows them.
_CODE_KEYS = {
    "init-hook": ("runs its value as Python code (exec)", "pylint-init-hook"),
    "load-plugins": ("imports the named modules as plugins", "pylint-plugins"),
    "extension-pkg-allow-list": ("makes astroid import the named compiled modules", "pylint-extension-packages"),
    "extension-pkg-whitelist": ("makes astroid import the named compiled modules", "pylint-extension-packages"),
    "unsafe-load-any-extension": ("makes astroid import any compiled module it meets", "pylint-extension-packages"),
}
# Keys that write files or evaluate expressions; no legitimate scan needs them.
_NEVER_KEYS = {
    "evaluation": "evaluates its value as a Python expression (eval)",
    "import-graph": "makes pylint write a graph file",
    "ext-import-graph": "makes pylint write a graph file",
    "int-import-graph": "makes pylint write a graph file",
    "spelling-store-unknown-words": "makes pylint write to the private dictionary file",
}
# pylint's defaults over the years, as generated rcfiles carry them: nothing to refuse (and the
# harness does not use the score, so the key is left out either way).
_SCORE = "10.0 - ((float(5 * error + warning + refactor + convention) / statement) * 10)"
_DEFAULT_EVALUATIONS = frozenset({_SCORE, f"0 if fatal else {_SCORE}", f"max(0, 0 if fatal else {_SCORE})"})
# Settings the harness decides for every scan; a repository value is left out.
_HARNESS_KEYS = {
    "output-format": "the harness reads json2", "output": "the harness reads stdout", "msg-template": "the harness reads json2",
    "reports": "the harness writes the reports", "score": "the harness writes the reports",
    "persistent": "the harness keeps no state between scans", "exit-zero": "the harness reads findings, not the exit code",
    "fail-under": "the harness reads findings, not the exit code", "fail-on": "the harness reads findings, not the exit code",
    "ignore": "file selection is the harness's job", "ignore-patterns": "file selection is the harness's job",
    "ignore-paths": "file selection is the harness's job", "recursive": "the harness passes the files",
    "files": "the harness passes the files", "from-stdin": "the harness passes the files",
    "errors-only": "a command-line switch that silences every non-error check",
    "enable-all-extensions": "a command-line switch", "rcfile": "the harness chooses the configuration",
    "verbose": "a command-line switch", "help": "a command-line switch", "long-help": "a command-line switch",
    "help-msg": "a command-line switch", "list-msgs": "a command-line switch", "list-msgs-enabled": "a command-line switch",
    "list-groups": "a command-line switch", "list-conf-levels": "a command-line switch",
    "list-extensions": "a command-line switch", "full-documentation": "a command-line switch",
    "generate-rcfile": "a command-line switch", "generate-toml-config": "a command-line switch",
}
# Every other option of pylint 4.1.4 and its bundled extensions (pylint.extensions.*): it tunes
# what pylint reports and loads no code.
_TUNING_KEYS = frozenset("""
additional-builtins allow-any-import-level allow-global-unused-variables allow-reexport-from-package
allow-wildcard-with-all allowed-redefined-builtins analyse-fallback-blocks argument-naming-style argument-rgx
attr-naming-style attr-rgx bad-names bad-names-rgxs black_list black_list_re callbacks check-fixme-in-docstring
check-protected-access-in-special-methods check-quote-consistency check-str-concat-over-line-jumps
class-attribute-naming-style class-attribute-rgx class-const-naming-style class-const-rgx class-naming-style class-rgx
clear-cache-post-run confidence const-naming-style const-rgx contextmanager-decorators defining-attr-methods
deprecated-modules disable docstring-min-length dummy-variables-rgx enable exclude-protected
exclude-too-few-public-methods expected-line-ending-format function-naming-style function-rgx generated-members
good-names good-names-rgxs ignore-comments ignore-docstrings ignore-imports ignore-long-lines ignore-mixin-members
ignore-none ignore-on-opaque-inference ignore-pattern-in-long-lines ignore-signatures ignored-argument-names
ignored-checks-for-mixins ignored-classes ignored-modules ignored-parents include-naming-hint indent-after-paren
indent-string init-import inlinevar-naming-style inlinevar-rgx jobs known-first-party known-side-effects-only-functions
known-standard-library known-third-party limit-inference-results logging-format-style logging-modules max-args
max-attributes max-bool-expr max-branches max-line-length max-locals max-module-lines max-nested-blocks max-parents
max-positional-arguments max-public-methods max-returns max-spelling-suggestions max-statements method-naming-style
method-rgx min-public-methods min-similarity-lines missing-member-hint missing-member-hint-distance
missing-member-max-choices mixin-class-rgx module-naming-style module-rgx name-group never-returning-functions
no-docstring-rgx notes notes-rgx overgeneral-exceptions paramspec-rgx prefer-stubs preferred-modules property-classes
py-version redefining-builtins-modules signature-mutators single-line-class-stmt single-line-if-stmt source-roots
spelling-dict spelling-ignore-comment-directives spelling-ignore-words spelling-private-dict-file
suggest-join-with-non-empty-separator timeout-methods typealias-rgx typevar-rgx typevartuple-rgx
valid-classmethod-first-arg valid-metaclass-classmethod-first-arg variable-naming-style variable-rgx
accept-no-param-doc accept-no-raise-doc accept-no-return-doc accept-no-yields-doc bad-functions
default-docstring-type good-dunder-names max-complexity max-line-length-suggestions max-try-statements
runtime-typing valid-magic-values
""".split())
_ALL_KEYS = frozenset(_TUNING_KEYS | _CODE_KEYS.keys() | _NEVER_KEYS.keys() | _HARNESS_KEYS.keys())
_OPTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_BUILTIN_PLUGIN = re.compile(r"pylint\.extensions\.[a-z_][a-z0-9_]*")
_FALSE = {"", "n", "no", "false", "0", "off"}
_CONFIDENCE_LEVELS = frozenset({"HIGH", "CONTROL_FLOW", "INFERENCE", "INFERENCE_FAILURE", "UNDEFINED"})


def find_config(root: Path, configured: str = "") -> Path | None:
    """The configuration pylint itself would read in ``root``, or the one the harness was told to use."""
    if configured:
        path = inside(root, configured, "configured pylint_rcfile")
        if not path.is_file():
            raise ScanError(f"configured pylint_rcfile {configured!r} does not exist")
        return path
    for name in RC_NAMES:
        path = root / name
        if path.is_file() and (path.suffix != ".toml" or _toml_has_pylint(path)):
            return path
    for name in SECTION_FILES:
        path = root / name
        if path.is_file() and (_toml_has_pylint(path) if path.suffix == ".toml" else _ini_has_pylint(path)):
            return path
    return None


def _toml_has_pylint(path: Path) -> bool:
    try:
        return "pylint" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # pylint skips an unreadable file during discovery; read_settings reports it if it is chosen.
        return False


def _ini_has_pylint(path: Path) -> bool:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return any(s == "pylint" or s.startswith("pylint.") for s in parser.sections())


def _rich_value(value: Any) -> str:
    """A TOML value as the string pylint makes of it (config/utils.py _parse_rich_type_value)."""
    if isinstance(value, (list, tuple)):
        return ",".join(_rich_value(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


def read_settings(path: Path, source: str) -> dict[str, str]:
    """Every key/value pylint would take from ``path``, in its order (later keys win)."""
    settings: dict[str, str] = {}
    try:
        if path.suffix == ".toml":
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("pylint", {})
            for key, value in table.items():
                items = value.items() if isinstance(value, dict) else [(key, value)]
                settings.update((str(k), _rich_value(v)) for k, v in items)
            return settings
        parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
        parser.read_string(path.read_text(encoding="utf_8_sig"), source=source)
        # pylint reads every section of an rcfile, but only the pylint ones of setup.cfg and tox.ini.
        only_pylint = path.name in ("setup.cfg", "tox.ini")
        for section in parser.sections():
            if only_pylint and not section.startswith("pylint"):
                continue
            settings.update(parser[section].items())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error) as exc:
        raise ScanError(f"cannot read pylint configuration {source}: {str(exc).splitlines()[0][:160]}") from exc
    return settings


def canonical(key: str) -> str:
    """The option pylint's argparse would set for ``key``: the key itself, or the one it abbreviates."""
    if key in _ALL_KEYS:
        return key
    expansions = [k for k in _ALL_KEYS if k.startswith(key)]
    return expansions[0] if len(expansions) == 1 else key


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _code_setting(key: str, raw_key: str, value: str, refused: list[tuple[str, str, str]], trust: frozenset[str]) -> bool:
    """True to keep a code-loading key; False to leave out a harmless value; else it joins ``refused``."""
    why, switch = _CODE_KEYS[key]
    if key == "unsafe-load-any-extension" and value.strip().lower() in _FALSE:
        return False
    if not value.strip():
        return False
    if key == "load-plugins" and all(_BUILTIN_PLUGIN.fullmatch(m) for m in _csv(value)):
        return True  # pylint's own bundled extensions: the harness's code, not the repository's
    if switch in trust:
        return True
    refused.append((raw_key, why, switch))
    return False


def vet(root: Path, work_dir: Path, trust: frozenset[str], configured: str = "") -> VettedConfig:
    """The configuration file to hand pylint: the repository's vetted settings, else the harness's defaults.

    Either way it carries the harness's own init-hook, which keeps pylint from importing modules
    out of the repository (pylint_import_guard.py), unless the caller trusts the repository's plugins.
    """
    found = find_config(root, configured)
    vetted = VettedConfig("pylint", source=relative(root, found) if found else "")
    kept = _vet_settings(root, found, vetted, trust) if found else read_settings(DEFAULT_RCFILE, "the harness's pylintrc")
    hooks = [] if "pylint-plugins" in trust else [
        f"import runpy; runpy.run_path({str(IMPORT_GUARD)!r}, init_globals={{'REPOSITORY': {str(root.resolve())!r}}})"]
    if kept.get("init-hook"):  # only there when the caller trusts it
        hooks.append(_unquote(kept.pop("init-hook")))
    if hooks:
        kept = {"init-hook": "\n".join(hooks), **kept}
    vetted.path = work_dir / "pylint-vetted.toml"
    vetted.path.write_text(_toml(vetted.source or "none (the harness's defaults)", kept.items()), encoding="utf-8")
    return vetted


def _unquote(value: str) -> str:
    """pylint's own unquoting of init-hook (config/utils.py _unquote), so the joined hooks run as it would."""
    if value[:1] in "\"'":
        value = value[1:]
    if value[-1:] in "\"'":
        value = value[:-1]
    return value


def _vet_settings(root: Path, found: Path, vetted: VettedConfig, trust: frozenset[str]) -> dict[str, str]:
    source = vetted.source
    kept: dict[str, str] = {}
    refused: list[tuple[str, str, str]] = []  # every refusal is named at once, so one fix round is enough
    for raw_key, value in read_settings(found, source).items():
        if not _OPTION_NAME.fullmatch(raw_key):
            refused.append((raw_key, "is not an option name pylint could mean", ""))
            continue
        key = canonical(raw_key)
        if key in _CODE_KEYS:
            if _code_setting(key, raw_key, value, refused, trust):
                kept[raw_key] = value
        elif key in _NEVER_KEYS:
            if value.strip().lower() in _FALSE or (key == "evaluation" and " ".join(value.split()) in _DEFAULT_EVALUATIONS):
                continue
            refused.append((raw_key, _NEVER_KEYS[key], ""))
        elif key == "output-format" and re.search(r"[.:/]", value):
            # "pkg.Class" is imported; "text:path" is opened for writing while pylint reads its configuration.
            refused.append((raw_key, "names a reporter class to import or a file to write", ""))
        elif key in _HARNESS_KEYS:
            vetted.dropped.append(f"{raw_key} ({_HARNESS_KEYS[key]})")
        elif key == "spelling-private-dict-file" and value.strip():
            inside(root, value.strip(), f"{source}: spelling-private-dict-file")
            kept[raw_key] = value
        elif key in _TUNING_KEYS or "pylint-plugins" in trust:
            kept[raw_key] = value  # a trusted plugin may define options of its own
        else:
            vetted.dropped.append(f"{raw_key} (not an option of pylint or its bundled extensions)")
    if refused:
        raise RefusedSetting(source, refused)
    vetted.weakened = _weakenings(kept)
    return kept


def _weakenings(kept: dict[str, str]) -> list[str]:
    changes = []
    disabled = _csv(kept.get("disable", ""))
    if disabled:
        changes.append(f"disables {len(disabled)} pylint message(s) or group(s): {listed(disabled)}")
    confidence = set(_csv(kept.get("confidence", "")))
    if confidence and not confidence >= _CONFIDENCE_LEVELS:
        changes.append(f"hides messages of confidence {listed(sorted(_CONFIDENCE_LEVELS - confidence))}")
    thresholds = [f"{k}={v.strip()}" for k, v in kept.items() if k.startswith(("max-", "min-")) and k in _TUNING_KEYS]
    if thresholds:
        changes.append(f"changes thresholds: {listed(thresholds)}")
    return changes


def _toml(source: str, items: Iterable[tuple[str, str]]) -> str:
    # JSON string escapes are valid TOML basic-string escapes, so values reach pylint byte for byte
    # (no INI interpolation or inline-comment stripping).
    lines = [f"# Written by secure-pipeline from the repository's {json.dumps(source)}: its vetted settings.",
             "[tool.pylint.main]"]
    lines += [f"{json.dumps(key)} = {json.dumps(value)}" for key, value in items]
    return "\n".join(lines) + "\n"

"""zap-baseline.py's rules file (``-c rules.tsv``): ``id<TAB>LEVEL<TAB>(name)[<TAB>message]``.

Same grammar as ``zap_common.load_config``: ``#`` comments and blank lines are skipped; every other
line needs at least two TABs; LEVEL is IGNORE, INFO, WARN, FAIL (or PASS); ``OUTOFSCOPE`` lines take
``*`` or comma-separated ids and a Python regex matched (``re.match``) against the alert URL.
Stricter than zap-baseline.py where it helps users: ids must be numeric (the Automation Framework
path calls ``int(id)`` on them), and every error names the file and the line, with a hint when the
separators are spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

LEVELS = ("PASS", "IGNORE", "INFO", "WARN", "FAIL")
OUT_OF_SCOPE = "OUTOFSCOPE"
DEFAULT_LEVEL = "WARN"  # zap-baseline.py: rules missing from the file are WARN (unless -i)
_ID = re.compile(r"[0-9]+")


class RulesFileError(ConfigError):
    """A malformed rules file; the message names the file, the line number and the problem."""


@dataclass(frozen=True)
class RuleLevel:
    level: str
    line: int
    message: str = ""  # the optional user message after the name


@dataclass(frozen=True)
class OutOfScope:
    ids: tuple[str, ...]  # ("*",) for every rule
    pattern: re.Pattern[str]
    line: int

    def matches(self, plugin_id: str, url: str) -> bool:
        # pylint misreads the dataclass field's annotation as the typing alias.
        return ("*" in self.ids or plugin_id in self.ids) and self.pattern.match(url) is not None  # pylint: disable=no-member


@dataclass
class RulesConfig:
    source: str  # how to name the file in messages and in suppressed_by
    levels: dict[str, RuleLevel] = field(default_factory=dict)
    out_of_scope: list[OutOfScope] = field(default_factory=list)

    def level_for(self, plugin_id: str) -> str:
        found = self.levels.get(plugin_id)
        return found.level if found else DEFAULT_LEVEL

    def message_for(self, plugin_id: str) -> str:
        found = self.levels.get(plugin_id)
        return found.message if found else ""

    def out_of_scope_for(self, plugin_id: str, url: str) -> OutOfScope | None:
        return next((o for o in self.out_of_scope if o.matches(plugin_id, url)), None)


def _fail(source: str, number: int, problem: str) -> RulesFileError:
    return RulesFileError(f"{source}:{number}: {problem}")


def parse_line(line: str, number: int, source: str, config: RulesConfig) -> None:
    if line.startswith("#") or not line.strip():
        return
    shown = line.rstrip("\r\n")
    if line.count("\t") < 2:
        hint = " (the separators look like spaces; zap-baseline.py needs TAB characters)" if " " in shown.strip() else ""
        raise _fail(source, number, f"expected `id<TAB>LEVEL<TAB>(name)`, found {shown[:80]!r}{hint}")
    parts = line.rstrip().split("\t", 2)
    if len(parts) < 3:  # "10021<TAB>FAIL<TAB>" loses its last TAB to rstrip, as in zap-baseline.py
        raise _fail(source, number, f"expected `id<TAB>LEVEL<TAB>(name)`, the third field is empty in {shown[:80]!r}")
    key, level, rest = parts
    if level == OUT_OF_SCOPE:
        ids = tuple(key.split(","))
        if ids != ("*",) and not all(_ID.fullmatch(i) for i in ids):
            raise _fail(source, number, f"OUTOFSCOPE needs `*` or comma-separated numeric rule ids, found {key!r}")
        try:
            pattern = re.compile(rest)
        except re.error as exc:
            raise _fail(source, number, f"OUTOFSCOPE URL regex {rest!r} is invalid: {exc}") from exc
        config.out_of_scope.append(OutOfScope(ids, pattern, number))
        return
    if level not in LEVELS:
        close = f" (levels are upper case: {level.strip().upper()})" if level.strip().upper() in LEVELS else ""
        raise _fail(source, number, f"unknown level {level!r}; expected one of {', '.join(LEVELS)} or {OUT_OF_SCOPE}{close}")
    if not _ID.fullmatch(key):
        raise _fail(source, number, f"rule id {key!r} is not numeric (ids are ZAP plugin ids such as 10021)")
    if rest.count("\t") > 1:
        # zap-baseline.py unpacks `(name)<TAB>message` into exactly two fields and stops on more.
        raise _fail(source, number, "too many TAB-separated fields; "
                                    f"expected `id<TAB>LEVEL<TAB>(name)[<TAB>message]`, found {shown[:80]!r}")
    message = rest.split("\t", 1)[1].strip() if "\t" in rest else ""
    config.levels[key] = RuleLevel(level, number, message)  # a later line wins, as in zap-baseline.py


def parse(text: str, source: str) -> RulesConfig:
    config = RulesConfig(source)
    for number, line in enumerate(text.splitlines(), start=1):
        parse_line(line, number, source, config)
    return config


def load(path: Path, source: str | None = None) -> RulesConfig:
    """Read and validate a rules file; a missing or unreadable file is an error too."""
    name = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RulesFileError(f"{name}: rules file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesFileError(f"{name}: cannot read rules file: {exc}") from exc
    return parse(text, name)

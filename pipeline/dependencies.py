"""The dependencies a deps stage audits: exact pins gathered from requirements files, lock files,
``pyproject.toml`` or an installed environment, each remembered with the file and line it came from.

Only exact pins (``==`` or ``===``) can be audited by version. An unpinned requirement is accepted
only when another configured source pins the same package to a version it allows (a lock file
resolving ``pyproject.toml``'s ranges); otherwise it is an error naming the packages. Requirements
whose environment marker is false for the target environment are reported, not silently dropped.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from . import runner
from .advisories.versions import canonical_name

AUTO = "auto"
ENV_PREFIX = "env:"
# What "auto" picks up from the scanned tree: pinned requirement/constraint/lock files and pyproject.toml.
AUTO_PATTERNS = ("requirements*.txt", "requirements/*.txt", "constraints*.txt", "requirements*.lock", "*.lock.txt",
                 "pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock", "pyproject.toml")
_TOML_LOCKS = ("uv.lock", "poetry.lock")
_IGNORED_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index", "--pre",
                    "--trusted-host", "--prefer-binary", "--only-binary", "--no-binary", "--require-hashes",
                    "--use-feature", "--config-settings", "-Z", "--always-unzip")
_HASH = re.compile(r"\s--hash[=\s]\S+")
_ENV_SCRIPT = (
    "import json, sys, importlib.metadata as m\n"
    "print(json.dumps({'packages': sorted({(d.metadata['Name'], d.version) for d in m.distributions() if d.metadata['Name']}),"
    " 'python': sys.version.split()[0]}))\n"
)


class SourceError(Exception):
    """A dependency source that is missing or unreadable, or requirements that cannot be audited."""


@dataclass(frozen=True)
class Origin:
    path: str  # repository-relative (or the env: source as written)
    line: int | None


@dataclass
class Pin:
    name: str  # canonical (PEP 503)
    version: str
    origins: list[Origin] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.version)


@dataclass
class Unpinned:
    name: str
    requirement: str
    origin: Origin


@dataclass
class Dependencies:
    pins: list[Pin]
    sources: list[str]
    marker_skipped: list[str] = field(default_factory=list)  # "flask==2.2.4 ; python_version < '3' (req.txt:3)"
    resolved_by_lock: list[str] = field(default_factory=list)

    def layers(self) -> list[list[Pin]]:
        """Pins split so no layer holds one package twice (pip-audit rejects duplicate requirements)."""
        layers: list[list[Pin]] = []
        for pin in sorted(self.pins, key=lambda p: (p.name, _version_key(p.version))):
            for layer in layers:
                if all(other.name != pin.name for other in layer):
                    layer.append(pin)
                    break
            else:
                layers.append([pin])
        return layers

    def lookup(self, name: str, version: str) -> Pin | None:
        wanted = (canonical_name(name), _normal(version))
        for pin in self.pins:
            if (pin.name, _normal(pin.version)) == wanted:
                return pin
        return None


def _normal(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _version_key(version: str) -> tuple[int, Any]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _where(origin: Origin) -> str:
    return f"{origin.path}:{origin.line}" if origin.line else origin.path


# --- reading each kind of source ------------------------------------------------------------------
class _Reader:
    def __init__(self, root: Path, environment: dict[str, str]) -> None:
        self.root = root
        self.environment = environment
        self.pins: dict[tuple[str, str], Pin] = {}
        self.unpinned: list[Unpinned] = []
        self.marker_skipped: list[str] = []
        self.invalid: list[str] = []

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def add_requirement(self, text: str, origin: Origin) -> None:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            self.invalid.append(f"{_where(origin)}: {text!r} is not a valid requirement ({exc})")
            return
        if req.marker is not None and not req.marker.evaluate(self.environment):
            self.marker_skipped.append(f"{text.strip()} ({_where(origin)})")
            return
        specs = list(req.specifier)
        if req.url is None and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            self.add_pin(req.name, specs[0].version, origin)
        else:
            self.unpinned.append(Unpinned(canonical_name(req.name), text.strip(), origin))

    def add_pin(self, name: str, version: str, origin: Origin) -> None:
        key = (canonical_name(name), _normal(version))
        pin = self.pins.setdefault(key, Pin(key[0], key[1]))
        if origin not in pin.origins:
            pin.origins.append(origin)

    def read(self, path: Path) -> None:
        name = path.name
        if name == "pyproject.toml":
            self.read_pyproject(path)
        elif name in _TOML_LOCKS or (name.startswith("pylock") and name.endswith(".toml")):
            self.read_toml_lock(path)
        else:
            self.read_requirements(path, seen=set())

    def read_requirements(self, path: Path, seen: set[Path]) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        rel = self.rel(path)
        for number, line in _logical_lines(_read_text(path)):
            if line.startswith("-"):
                self._option_line(path, rel, number, line, seen)
                continue
            self.add_requirement(_HASH.sub("", " " + line).strip(), Origin(rel, number))

    def _option_line(self, path: Path, rel: str, number: int, line: str, seen: set[Path]) -> None:
        option, _, value = line.replace("=", " ", 1).partition(" ") if line.startswith("--") else (line[:2], "", line[2:])
        value = value.strip()
        if option in ("-r", "--requirement", "-c", "--constraint"):
            nested = (path.parent / value).resolve()
            if not nested.is_file():
                raise SourceError(f"{rel}:{number}: included file {value!r} does not exist")
            self.read_requirements(nested, seen)
        elif option in ("-e", "--editable"):
            self.unpinned.append(Unpinned(value, line, Origin(rel, number)))
        elif option not in _IGNORED_OPTIONS:
            self.invalid.append(f"{rel}:{number}: unsupported option {option!r}")

    def read_pyproject(self, path: Path) -> None:
        text = _read_text(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"{self.rel(path)}: invalid TOML: {exc}") from exc
        project = data.get("project") or {}
        groups: list[Any] = [project.get("dependencies") or []]
        groups += list((project.get("optional-dependencies") or {}).values())
        groups += list((data.get("dependency-groups") or {}).values())
        lines = text.splitlines()
        for group in groups:
            for item in group:
                if isinstance(item, str):  # dependency-groups may also hold {include-group = ...} tables
                    self.add_requirement(item, Origin(self.rel(path), _line_of(lines, f'"{item}"') or _line_of(lines, f"'{item}'")))

    def read_toml_lock(self, path: Path) -> None:
        text = _read_text(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"{self.rel(path)}: invalid TOML: {exc}") from exc
        packages = data.get("package") or data.get("packages") or []
        if not isinstance(packages, list):
            raise SourceError(f"{self.rel(path)}: no [[package]] list (not a uv, poetry or pylock lock file)")
        lines = text.splitlines()
        for entry in packages:
            if not isinstance(entry, dict) or "name" not in entry:
                raise SourceError(f"{self.rel(path)}: a package entry without a name")
            source = entry.get("source") or {}
            if isinstance(source, dict) and ({"editable", "virtual", "directory", "path"} & set(source)):
                continue  # the project itself or a local path: not a published release that advisories name
            origin = Origin(self.rel(path), _line_of(lines, f'name = "{entry["name"]}"'))
            if "version" not in entry:
                self.unpinned.append(Unpinned(canonical_name(entry["name"]), str(entry["name"]), origin))
            else:
                self.add_pin(entry["name"], str(entry["version"]), origin)

    def read_environment(self, spec: str, timeout: float) -> None:
        python = spec[len(ENV_PREFIX):].strip() or sys.executable
        outcome = runner.run([python, "-c", _ENV_SCRIPT], cwd=self.root, timeout=timeout)
        if outcome.not_found or outcome.exit_code != 0:
            raise SourceError(f"{spec}: cannot list the packages of {python} ({outcome.stderr_tail()[-200:] or 'not found'})")
        try:
            data = json.loads(outcome.stdout)
            packages = data["packages"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{spec}: {python} printed an unreadable package list") from exc
        if not packages:
            raise SourceError(f"{spec}: {python} has no installed packages")
        for name, version in packages:
            self.add_pin(name, version, Origin(spec, None))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from exc


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Requirement-file lines with comments removed and backslash continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            yield start, full
    if pending.strip():
        yield start, pending.strip()


def _line_of(lines: list[str], needle: str) -> int | None:
    for number, line in enumerate(lines, 1):
        if needle in line:
            return number
    return None


# --- putting it together ---------------------------------------------------------------------------
def discover(all_files: Iterable[str]) -> list[str]:
    """Repository files that ``auto`` audits."""
    return sorted(f for f in all_files if any(_match_tail(f, p) for p in AUTO_PATTERNS))


def _match_tail(rel: str, pattern: str) -> bool:
    parts = rel.split("/")
    depth = pattern.count("/") + 1
    return len(parts) >= depth and fnmatchcase("/".join(parts[-depth:]), pattern)


def collect(root: Path, sources: list[str], all_files: Iterable[str], timeout: float = 120.0,
            environment: dict[str, str] | None = None) -> Dependencies:
    """Every pin of the configured sources; raises SourceError naming whatever cannot be audited."""
    reader = _Reader(root, environment or dict(default_environment()))
    expanded: list[str] = []
    for source in sources:
        if source == AUTO:
            found = discover(all_files)
            if not found:
                raise SourceError(
                    "no dependency sources found (auto looks for " + ", ".join(AUTO_PATTERNS) + "); set deps.sources")
            expanded.extend(found)
        else:
            expanded.append(source)
    for source in dict.fromkeys(expanded):
        if source.startswith(ENV_PREFIX):
            reader.read_environment(source, timeout)
            continue
        path = root / source
        if not path.is_file():
            raise SourceError(f"configured dependency source {source!r} does not exist")
        reader.read(path)
    if reader.invalid:
        raise SourceError("unreadable requirement(s): " + "; ".join(reader.invalid[:5]))
    resolved, unresolved = _resolve_unpinned(reader.unpinned, reader.pins)
    if unresolved:
        names = ", ".join(f"{u.requirement} ({_where(u.origin)})" for u in unresolved[:8])
        more = f" and {len(unresolved) - 8} more" if len(unresolved) > 8 else ""
        raise SourceError(
            f"requirement(s) not pinned to an exact version and not pinned by any other source, so they cannot be "
            f"audited: {names}{more}. Pin them (==) or add a lock file to deps.sources")
    if not reader.pins:
        raise SourceError(f"the dependency sources ({', '.join(expanded)}) pin no packages: nothing to audit")
    return Dependencies(pins=list(reader.pins.values()), sources=list(dict.fromkeys(expanded)),
                        marker_skipped=reader.marker_skipped, resolved_by_lock=resolved)


def _resolve_unpinned(unpinned: list[Unpinned], pins: dict[tuple[str, str], Pin]) -> tuple[list[str], list[Unpinned]]:
    resolved, unresolved = [], []
    for item in unpinned:
        try:
            req = Requirement(item.requirement)
        except InvalidRequirement:
            unresolved.append(item)
            continue
        matching = [p for (name, _v), p in pins.items()
                    if name == item.name and req.url is None and req.specifier.contains(p.version, prereleases=True)]
        if matching:
            resolved.append(f"{item.requirement} ({_where(item.origin)}) -> " + ", ".join(f"{p.name}=={p.version}" for p in matching))
        else:
            unresolved.append(item)
    return resolved, unresolved


def requirements_text(layer: list[Pin]) -> str:
    return "".join(f"{pin.name}=={pin.version}\n" for pin in layer)

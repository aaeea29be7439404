"""The dependencies a deps stage audits: exact pins gathered from requirements files, lock files,
``pyproject.toml`` or an installed environment, each remembered with the file and line it came from.

Only exact pins (``==`` or ``===``) can be audited by version. An unpinned requirement is accepted
only when another configured source pins the same package to a version it allows (a lock file
resolving ``pyproject.toml``'s ranges); otherwise it is an error naming the packages. Requirements
whose environment marker is false for the target environment are reported, not silently dropped.

The files are hostile input. Every one read (a configured source or a ``-r``/``-c`` include, nested
or not) must resolve, symlinks followed, inside the scanned root and be a regular file of at most
``MAX_SOURCE_BYTES``; anything else is an error naming the file, the line and the include, and the
target is never opened. pip's own options in them (indexes, find-links, trusted hosts, editables,
build settings) are never handed to any tool: the tools only ever see a pins file this module writes,
of validated ``name==version`` lines. The options that were ignored are listed for the verdict.
URL credentials are stripped from every requirement text kept or shown, and a line that is not a
valid requirement is named by file and line, never quoted.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from . import runner
from .advisories.versions import canonical_name
from .errors import HarnessError

AUTO = "auto"
ENV_PREFIX = "env:"
# What "auto" picks up from the scanned tree: pinned requirement/constraint/lock files and pyproject.toml.
AUTO_PATTERNS = ("requirements*.txt", "requirements/*.txt", "constraints*.txt", "requirements*.lock", "*.lock.txt",
                 "pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock", "pyproject.toml")
_TOML_LOCKS = ("uv.lock", "poetry.lock")
MAX_SOURCE_BYTES = 8 * 1024 * 1024  # a big uv.lock is a few MB; /dev/zero or a 2 GB file is not a lock file
_INCLUDES = {"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c"}
_EDITABLE = ("-e", "--editable")
# pip options of a requirements file that install, build or download: never passed on, named in the verdict.
_IGNORED_WITH_VALUE = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
                       "--only-binary", "--no-binary", "--use-feature", "--config-settings", "-C", "--global-option")
_IGNORED_FLAGS = ("--no-index", "--pre", "--prefer-binary", "--require-hashes", "--use-pep517", "--no-use-pep517",
                  "--no-build-isolation", "-Z", "--always-unzip")
# Options pip accepts after a requirement on its line; --hash is harmless (it only restricts what pip accepts).
_PER_REQUIREMENT = re.compile(r"\s(--(?:hash|config-settings|global-option|install-option))(?=[=\s]|$)")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_CANONICAL_PIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_ENV_SCRIPT = (
    "import json, sys, importlib.metadata as m\n"
    "print(json.dumps({'packages': sorted({(d.metadata['Name'], d.version) for d in m.distributions() if d.metadata['Name']}),"
    " 'python': sys.version.split()[0]}))\n"
)


class SourceError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
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
    ignored_options: list[str] = field(default_factory=list)  # "requirements.txt:2 --index-url"

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


def version_or_none(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
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
        self.ignored_options: list[str] = []  # "requirements.txt:2 --index-url"

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def add_requirement(self, text: str, origin: Origin) -> None:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            # Never quote the line: it may hold anything (a token pasted by mistake); packaging's message does.
            reason = strip_userinfo(str(exc).splitlines()[0])[:120] if str(exc) else "unparseable"
            kind = "a local path or archive (never built; pin the release instead)" if _looks_local(text) else \
                "not a valid requirement"
            self.invalid.append(f"{_where(origin)}: {kind} ({reason})")
            return
        if req.marker is not None and not req.marker.evaluate(self.environment):
            self.marker_skipped.append(f"{strip_userinfo(text.strip())} ({_where(origin)})")
            return
        specs = list(req.specifier)
        if req.url is None and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            self.add_pin(req.name, specs[0].version, origin)
        else:
            self.unpinned.append(Unpinned(canonical_name(req.name), strip_userinfo(text.strip()), origin))

    def add_pin(self, name: str, version: str, origin: Origin) -> None:
        # Lock files and environments give any string; only a real project name and a PEP 440 version can reach
        # the pins file a tool reads (a name holding a newline and "--index-url ..." must not become an option).
        if not _PROJECT_NAME.match(name):
            self.invalid.append(f"{_where(origin)}: {strip_userinfo(name)[:60]!r} is not a valid project name")
            return
        try:
            Version(version)
        except InvalidVersion:
            self.invalid.append(f"{_where(origin)}: {canonical_name(name)} {strip_userinfo(version)[:40]!r} is not a "
                                "PEP 440 version, so it cannot be audited")
            return
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
        for number, line in _logical_lines(self.read_text(path)):
            if line.startswith("-"):
                self._option_line(path, rel, number, line, seen)
                continue
            spec, options = _split_requirement_options(line)
            for option in options:
                self.ignored_options.append(f"{rel}:{number} {option}")
            self.add_requirement(spec, Origin(rel, number))

    def _option_line(self, path: Path, rel: str, number: int, line: str, seen: set[Path]) -> None:
        try:
            tokens = shlex.split(line)  # as pip splits an options line
        except ValueError:
            self.invalid.append(f"{rel}:{number}: unreadable option line (unbalanced quotes)")
            return
        while tokens:
            option, value, tokens = _next_option(tokens)
            if option in _INCLUDES:
                if not value:
                    self.invalid.append(f"{rel}:{number}: {option} without a file name")
                    continue
                self.read_requirements(self.include(path, rel, number, option, value), seen)
            elif option in _EDITABLE:
                self.unpinned.append(Unpinned(strip_userinfo(value), strip_userinfo(f"{option} {value}"), Origin(rel, number)))
            elif option in _IGNORED_WITH_VALUE or option in _IGNORED_FLAGS:
                self.ignored_options.append(f"{rel}:{number} {option}")
            else:
                self.invalid.append(f"{rel}:{number}: unsupported option {strip_userinfo(option)[:40]!r}")

    def include(self, path: Path, rel: str, number: int, option: str, value: str) -> Path:
        """The file a ``-r``/``-c`` line names, only when it stays inside the scanned root."""
        shown = f"{rel}:{number}: {option} {strip_userinfo(value)[:120]!r}"
        if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", value):
            raise SourceError(f"{shown}: a URL include is never fetched; requirement includes must be files inside "
                              "the scanned repository")
        target = Path(os.path.expanduser(value))
        return self.inside(path.parent / target, shown, absolute=target.is_absolute())

    def inside(self, target: Path, shown: str, absolute: bool = False) -> Path:
        """``target`` resolved (symlinks followed); SourceError when that leaves the root. Nothing is opened."""
        resolved = target.resolve()
        if not _within(resolved, self.root.resolve()):
            how = "an absolute path" if absolute or target.is_absolute() else "a path (or symlink) leading"
            raise SourceError(f"{shown}: {how} outside the scanned repository ({resolved}); dependency files and "
                              "their includes must stay inside it, so it was not read") from None
        return resolved

    def read_text(self, path: Path) -> str:
        """A dependency file's text: inside the root, a regular file, at most MAX_SOURCE_BYTES, UTF-8."""
        resolved = self.inside(path, self.rel(path))
        rel = self.rel(resolved)
        try:
            info = os.stat(resolved)
        except FileNotFoundError:
            raise SourceError(f"{rel}: does not exist") from None
        except OSError as exc:
            raise SourceError(f"{rel}: cannot read: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{rel}: not a regular file (a FIFO, device or directory is never read)")
        if info.st_size > MAX_SOURCE_BYTES:
            raise SourceError(f"{rel}: {info.st_size} bytes, more than the {MAX_SOURCE_BYTES} a dependency file may have")
        try:
            with open(resolved, "rb") as handle:
                raw = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            raise SourceError(f"{rel}: cannot read: {exc.strerror}") from None
        if len(raw) > MAX_SOURCE_BYTES:
            raise SourceError(f"{rel}: more than the {MAX_SOURCE_BYTES} bytes a dependency file may have")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{rel}: not UTF-8 (byte {exc.start})") from None

    def read_pyproject(self, path: Path) -> None:
        text = self.read_text(path)
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
                    self.add_requirement(item, Origin(self.rel(path),
                                                      _line_of(lines, f'"{item}"') or _line_of(lines, f"'{item}'")))

    def read_toml_lock(self, path: Path) -> None:
        text = self.read_text(path)
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
        candidate = Path(python) if os.sep in python else None
        if candidate is not None and _within((self.root / candidate).resolve(), self.root.resolve()):
            # A repository's own interpreter (or a venv whose .pth files it wrote) would run its code here.
            raise SourceError(f"{spec}: an interpreter inside the scanned repository is never run; "
                              "name one outside it, or list a lock file instead")
        # -I: neither the working directory nor PYTHON* variables may put the scanned tree's modules first.
        outcome = runner.run([python, "-I", "-c", _ENV_SCRIPT], cwd=Path(tempfile.gettempdir()), timeout=timeout)
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


def strip_userinfo(text: str) -> str:
    """``https://deploy:TOKEN@index.example/simple`` -> ``https://index.example/simple``, wherever it appears."""
    return _URL_USERINFO.sub(r"\1", text)


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _looks_local(text: str) -> bool:
    first = text.strip().split()[0] if text.strip() else ""
    return first.startswith((".", "/", "~", "file:")) or first.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))


def _next_option(tokens: list[str]) -> tuple[str, str, list[str]]:
    """(option, value, the remaining tokens) for ``-rFILE``, ``-r FILE``, ``--requirement=FILE`` and plain flags."""
    head, rest = tokens[0], tokens[1:]
    if head.startswith("--"):
        option, sep, value = head.partition("=")
        if sep:
            return option, value, rest
    elif len(head) > 2:
        return head[:2], head[2:], rest
    else:
        option = head
    takes_value = option in _INCLUDES or option in _EDITABLE or option in _IGNORED_WITH_VALUE
    if takes_value and rest:
        return option, rest[0], rest[1:]
    return option, "", rest


def _split_requirement_options(line: str) -> tuple[str, list[str]]:
    """A requirement line without pip's per-requirement options, and the ones worth naming (not --hash)."""
    match = _PER_REQUIREMENT.search(" " + line)
    if match is None:
        return line, []
    spec, tail = (" " + line)[:match.start()].strip(), (" " + line)[match.start():]
    named = [m.group(1) for m in _PER_REQUIREMENT.finditer(tail) if m.group(1) != "--hash"]
    return spec, list(dict.fromkeys(named))


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
    reader = _Reader(root, environment or {key: str(value) for key, value in default_environment().items()})
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
        path = reader.inside(root / source, f"configured dependency source {strip_userinfo(source)!r}")
        if not path.is_file():
            raise SourceError(f"configured dependency source {strip_userinfo(source)!r} does not exist"
                              + ("" if not path.exists() else " as a regular file"))
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
                        marker_skipped=reader.marker_skipped, resolved_by_lock=resolved,
                        ignored_options=reader.ignored_options)


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
            resolved.append(f"{item.requirement} ({_where(item.origin)}) -> "
                            + ", ".join(f"{p.name}=={p.version}" for p in matching))
        else:
            unresolved.append(item)
    return resolved, unresolved


def requirements_text(layer: list[Pin]) -> str:
    """The only requirements a tool is given: ``name==version`` lines, each checked again before it is written."""
    for pin in layer:
        if not _CANONICAL_PIN.match(pin.name) or _normal(pin.version) != pin.version or version_or_none(pin.version) is None:
            raise SourceError(f"refusing to write the pin {pin.name[:60]!r}=={pin.version[:40]!r}: not a canonical "
                              "project name and PEP 440 version")
    return "".join(f"{pin.name}=={pin.version}\n" for pin in layer)

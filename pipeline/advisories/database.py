"""A local advisory database: OSV records loaded from a folder or a zip, indexed by PyPI package.

Accepted layouts (detected, and named in the verdict):
* the OSV project's per-ecosystem export: ``all.zip`` (or its unpacked folder) of ``<ID>.json`` files;
* the PyPA advisory database: ``vulns/<package>/<ID>.yaml`` (or a copy of its ``vulns`` folder).
Any mix of ``.json``, ``.yaml`` and ``.yml`` works. Hidden paths are ignored. A file that cannot be
parsed, or is not an OSV record, is an error naming the file: a silently missing record is a hole in
the audit. Withdrawn records are counted and ignored, like the OSV schema says.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from ..errors import HarnessError
from .severity import Rating, highest, rate_record
from .versions import BadRange, canonical_name, make_orderable, record_affects

_SUFFIXES = (".json", ".yaml", ".yml")
_FRACTION = re.compile(r"(\.\d{6})\d+")
# Plain-string YAML loading: OSV versions such as 0.10 must not become the float 0.1.
# BaseLoader: no object construction at all, and dates stay strings (OSV timestamps are parsed by us).
_YAML_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class AdvisoryError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The advisory source cannot be used; the message names the path and the problem."""


def parse_timestamp(text: Any) -> dt.datetime | None:
    if not text:
        return None
    cleaned = _FRACTION.sub(r"\1", str(text).strip()).replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _normalise_timestamps(record: dict[str, Any]) -> None:
    """Rewrite timestamps as RFC 3339: real PyPA records hold "2023-10-04 17:15:00+00:00", which pip-audit
    cannot parse (it crashes), so they are served in the form the OSV schema requires."""
    for key in ("published", "modified", "withdrawn"):
        if key in record:
            stamp = parse_timestamp(record[key])
            if stamp is None:
                if key != "withdrawn":  # an unreadable withdrawal date still means withdrawn
                    del record[key]
                continue
            record[key] = stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iter_documents(source: Path) -> Iterator[tuple[str, str, bytes]]:
    """(display name, suffix, raw bytes) of every candidate record file in a folder or a zip."""
    if source.is_dir():
        base = source / "vulns" if (source / "vulns").is_dir() else source
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if path.suffix.lower() in _SUFFIXES and path.is_file() and not any(p.startswith(".") for p in rel.parts):
                yield str(path), path.suffix.lower(), path.read_bytes()
        return
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AdvisoryError(f"{source}: not a folder or a readable zip of OSV records ({exc})") from exc
    with archive:
        for info in archive.infolist():
            member = PurePosixPath(info.filename)
            if info.is_dir() or member.suffix.lower() not in _SUFFIXES or any(p.startswith(".") for p in member.parts):
                continue
            yield f"{source}!{info.filename}", member.suffix.lower(), archive.read(info)


def _parse(name: str, suffix: str, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if suffix == ".json" else yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506  # nosec B506 - BaseLoader builds only str/list/dict
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise AdvisoryError(f"{name}: cannot be parsed as {suffix[1:].upper()}: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise AdvisoryError(f"{name}: not an OSV record (no string `id` at the top level)")
    if not isinstance(data.get("affected", []), list):
        raise AdvisoryError(f"{name}: `affected` is not a list")
    major = str(data.get("schema_version", "1.0.0")).split(".", maxsplit=1)[0]
    if major != "1":
        # pip-audit silently drops such records, which would hide them from the audit.
        raise AdvisoryError(f"{name}: OSV schema_version {data['schema_version']} is not supported (pip-audit only reads 1.x)")
    return data


def _layout(source: Path, names: list[str]) -> str:
    nested = sum(1 for n in names if len(PurePosixPath(n.split("!")[-1]).parts) > 1)
    if source.is_dir() and (source / "vulns").is_dir() or (
            names and nested > len(names) // 2 and any(n.endswith((".yaml", ".yml")) for n in names)):
        return "PyPA advisory-database layout (<package>/<ID>.yaml)"
    return "OSV export layout (<ID>.json)" if source.suffix == ".zip" or not source.is_dir() else "OSV records folder"


@dataclass
class AdvisoryDB:
    source: Path
    layout: str = ""
    records: int = 0
    withdrawn: int = 0
    without_affected: int = 0
    newest: dt.datetime | None = None
    load_seconds: float = 0.0
    by_package: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_id: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Records with range events PEP 440 cannot order, rewritten to fail closed (see make_orderable): id -> what was odd.
    unevaluable: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, source: Path) -> AdvisoryDB:
        started = time.monotonic()
        source = Path(source).expanduser()
        if not source.exists():
            raise AdvisoryError(f"{source}: advisory database not found "
                                "(run `pipeline advisories sync` or pass --advisory-db PATH)")
        db = cls(source=source.resolve())
        names: list[str] = []
        for name, suffix, raw in _iter_documents(source):
            names.append(name)
            db._add(_parse(name, suffix, raw))
        if db.records == 0:
            raise AdvisoryError(f"{source}: contains no OSV records (.json/.yaml files with an `id`)")
        db.layout = _layout(source, [n[len(str(source)) + 1:] if n.startswith(str(source)) else n for n in names])
        db.load_seconds = round(time.monotonic() - started, 3)
        return db

    def _add(self, record: dict[str, Any]) -> None:
        self.records += 1
        _normalise_timestamps(record)
        stamp = parse_timestamp(record.get("modified")) or parse_timestamp(record.get("published"))
        if stamp and (self.newest is None or stamp > self.newest):
            self.newest = stamp
        if record.get("withdrawn"):
            self.withdrawn += 1
            return
        if not record.get("affected"):
            self.without_affected += 1
            return
        rewrites = make_orderable(record)
        if rewrites:
            self.unevaluable[record["id"]] = rewrites
        for key in {record["id"], *map(str, record.get("aliases") or ())}:
            self.by_id.setdefault(key, []).append(record)
        packages = {
            canonical_name(str((e.get("package") or {}).get("name", "")))
            for e in record["affected"]
            if (e.get("package") or {}).get("ecosystem") == "PyPI"
        }
        for package in packages:
            self.by_package.setdefault(package, []).append(record)

    # --- queries -----------------------------------------------------------------------------------
    def knows(self, name: str) -> bool:
        return canonical_name(name) in self.by_package

    def query(self, name: str, version: str) -> list[dict[str, Any]]:
        """Every live record affecting ``name`` at ``version`` (a record that cannot be evaluated counts)."""
        package = canonical_name(name)
        try:
            parsed = Version(version)
        except InvalidVersion as exc:
            raise AdvisoryError(f"{name} {version!r} is not a PEP 440 version") from exc
        hits = []
        for record in self.by_package.get(package, ()):
            try:
                if record_affects(record, package, parsed):
                    hits.append(record)
            except BadRange:
                hits.append(record)
        return hits

    def records_for(self, ids: list[str]) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for key in ids:
            for record in self.by_id.get(key, ()):
                seen[record["id"]] = record
        return list(seen.values())

    def rating(self, ids: list[str]) -> Rating | None:
        return highest(rate_record(r) for r in self.records_for(ids))

    def package_records(self, name: str) -> list[dict[str, Any]]:
        return list(self.by_package.get(canonical_name(name), ()))

    def age_days(self, now: dt.datetime | None = None) -> float | None:
        if self.newest is None:
            return None
        now = now or dt.datetime.now(dt.UTC)
        return round((now - self.newest).total_seconds() / 86400, 1)

    def describe(self) -> dict[str, Any]:
        return {
            "path": str(self.source),
            "layout": self.layout,
            "records": self.records,
            "withdrawn_ignored": self.withdrawn,
            "without_affected_ignored": self.without_affected,
            "packages": len(self.by_package),
            "newest_record": self.newest.isoformat() if self.newest else None,
            "age_days": self.age_days(),
            "load_seconds": self.load_seconds,
            "unevaluable_records": sorted(self.unevaluable),
        }

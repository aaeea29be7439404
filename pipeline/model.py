"""The one finding model every scanner adapter produces and every reporter reads."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields
from typing import Any


class Severity(enum.IntEnum):
    """Normalised severity; the integer order is the gate order."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError as exc:
            raise ValueError(f"unknown severity {value!r} (expected one of {', '.join(s.label for s in cls)})") from exc

    @property
    def label(self) -> str:
        return self.name.lower()


class Confidence(enum.IntEnum):
    """Normalised confidence. UNDEFINED ranks highest so an unknown confidence never hides a finding."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    UNDEFINED = 4

    @classmethod
    def parse(cls, value: str | None) -> Confidence:
        if not value:
            return cls.UNDEFINED
        try:
            return cls[value.strip().upper()]
        except KeyError as exc:
            raise ValueError(f"unknown confidence {value!r} (expected low, medium or high)") from exc

    @property
    def label(self) -> str:
        return self.name.lower()


class Status(str, enum.Enum):  # noqa: UP042  # str() and format() stay as they are; StrEnum would change them
    """Outcome of a tool run or of a whole stage."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    # A default stage with nothing to scan here (no Dockerfile, no workflows, no web app): shown as
    # such, never as passed. A stage that was asked for and did not run is an ERROR instead.
    NOT_APPLICABLE = "not_applicable"

    @property
    def rank(self) -> int:
        return {"not_applicable": 0, "skipped": 0, "passed": 1, "failed": 2, "error": 3}[self.value]

    @property
    def label(self) -> str:
        """How reports show the status ("not applicable", "passed", ...)."""
        return self.value.replace("_", " ")


class Disposition(str, enum.Enum):  # noqa: UP042  # as Status
    """What the policy decided about one finding."""

    NEW = "new"
    BASELINED = "baselined"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Location:
    """Where a finding is: code (path/line/column), web (url/method/param) or a dependency (package/version)."""

    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    url: str | None = None
    method: str | None = None
    param: str | None = None
    package: str | None = None
    version: str | None = None

    def anchor(self) -> str:
        """The location without line numbers: stable while unrelated code moves."""
        if self.path:
            return self.path
        if self.url:
            return f"{self.method or 'GET'} {self.url}"
        if self.package:
            return f"{self.package}=={self.version}" if self.version else self.package
        return ""

    def describe(self) -> str:
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            return where
        if self.url:
            where = f"{self.method or 'GET'} {self.url}"
            return f"{where} [{self.param}]" if self.param else where
        if self.package:
            return f"{self.package}=={self.version}" if self.version else self.package
        return "(no location)"


@dataclass(frozen=True)
class Acceptance:
    """A tool's own acceptance of a finding: an audited false positive, a rules-file IGNORE, a known entry."""

    disposition: Disposition  # SUPPRESSED or BASELINED
    because: str

    def __post_init__(self) -> None:
        if self.disposition is Disposition.NEW:
            raise ValueError("an acceptance suppresses or baselines; NEW is no acceptance")


# On disk these typed fields live in `properties` under these keys (the stage report format predates
# them); in memory `properties` is display-only.
_ON_DISK = {"identity": "identity", "tool_gate": "gate"}
_ACCEPTANCE_KEYS = {Disposition.SUPPRESSED: "suppressed_by", Disposition.BASELINED: "baselined_by"}


@dataclass(frozen=True)
class Finding:
    """One problem, as one scanner (or several, merged) reported it.

    Frozen: every step after parsing (merge, fingerprint, redaction) builds a changed copy with
    ``dataclasses.replace``, so no step can change what an earlier one saw. ``properties`` is a dict
    (JSON-shaped display data); it is never modified after construction either.
    """

    tool: str
    rule_id: str
    title: str
    severity: Severity
    location: Location
    message: str = ""
    rule_name: str = ""
    tool_severity: str = ""
    confidence: Confidence = Confidence.UNDEFINED
    tool_confidence: str = ""
    cwe: tuple[int, ...] = ()
    help_uri: str = ""
    fix_hint: str = ""
    fingerprint: str = ""
    # Tools that reported this same problem (merged duplicates), the primary tool first.
    found_by: tuple[str, ...] = ()
    # Tool-specific, JSON-safe extras for display (advisory ids, evidence, hashed secret...). Never a
    # secret value, and never read by the policy.
    properties: dict[str, Any] = field(default_factory=dict)
    # --- what the policy and the fingerprints read -------------------------------------------------
    # The stable identity of the problem when the adapter knows a better one than path + line text
    # (detect-secrets' hashed secret, an advisory id); fingerprint.py hashes it.
    identity: str = ""
    # The tool's own gate for this finding (ZAP's rules file: fail / warn / info / ignore), else "".
    tool_gate: str = ""
    # The tool's own acceptance (an audited .secrets.baseline entry, a rules-file IGNORE), else None.
    accepted_by: Acceptance | None = None

    def __post_init__(self) -> None:
        if not self.found_by:
            object.__setattr__(self, "found_by", (self.tool,))  # frozen: the one write, at construction

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: its deep copies took seconds on ten thousand findings.
        data = {name: getattr(self, name) for name in _SERIALIZED}
        properties = dict(self.properties)
        for name, key in _ON_DISK.items():
            if getattr(self, name):
                properties[key] = getattr(self, name)
        if self.accepted_by is not None:
            properties[_ACCEPTANCE_KEYS[self.accepted_by.disposition]] = self.accepted_by.because
        data["properties"] = properties
        data["severity"] = self.severity.label
        data["confidence"] = self.confidence.label
        data["cwe"] = list(self.cwe)
        data["found_by"] = list(self.found_by)
        location = self.location
        data["location"] = {name: value for name in _LOCATION_FIELDS
                            if (value := getattr(location, name)) is not None}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        known = {f.name for f in fields(cls)} - {*_ON_DISK, "accepted_by"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown finding field(s): {', '.join(sorted(unknown))}")
        loc_fields = {f.name for f in fields(Location)}
        loc = data.get("location") or {}
        bad_loc = set(loc) - loc_fields
        if bad_loc:
            raise ValueError(f"unknown location field(s): {', '.join(sorted(bad_loc))}")
        values = dict(data)
        values["severity"] = Severity.parse(data["severity"])
        values["confidence"] = Confidence.parse(data.get("confidence"))
        values["location"] = Location(**loc)
        values["cwe"] = tuple(int(c) for c in data.get("cwe") or ())
        values["found_by"] = tuple(data.get("found_by") or ())
        properties = dict(data.get("properties") or {})
        for name, key in _ON_DISK.items():
            values[name] = str(properties.pop(key, "") or "")
        for disposition, key in _ACCEPTANCE_KEYS.items():
            because = properties.pop(key, None)
            if because and "accepted_by" not in values:
                values["accepted_by"] = Acceptance(disposition, str(because))
        values["properties"] = properties
        return cls(**values)


@dataclass
class ToolRun:
    """One scanner invocation: what ran, how it ended, and why if it did not pass."""

    tool: str
    status: Status
    version: str = ""
    command: list[str] = field(default_factory=list)
    exit_code: int | None = None
    duration_s: float = 0.0
    # For an error: one line naming the tool and what went wrong. For a skip: the reason.
    error: str = ""
    reason: str = ""
    stderr_tail: str = ""
    # Free-form, JSON-safe facts the stage wants in its report (files scanned, advisory source...).
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolRun:
        values = dict(data)
        values["status"] = Status(data["status"])
        return cls(**values)


@dataclass
class StageResult:
    """What one stage produced: every tool run and every finding, before and after policy."""

    stage: str
    # What a stage report recorded (the policy's decision when it was written), never trusted as
    # such; None for a result fresh from the engine: only pipeline/policy.py decides a status.
    status: Status | None = None
    tools: list[ToolRun] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0
    reason: str = ""  # why skipped, or the one-line cause of an error
    started_at: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[ToolRun]:
        return [t for t in self.tools if t.status is Status.ERROR]


# Finding.to_dict's keys, in declaration order; the policy-only fields go into properties instead.
_SERIALIZED = tuple(f.name for f in fields(Finding) if f.name not in (*_ON_DISK, "accepted_by"))
_LOCATION_FIELDS = tuple(f.name for f in fields(Location))

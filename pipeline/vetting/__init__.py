"""Turn a scanned repository's own tool configuration into one the harness has vetted.

The repository is hostile input. Its tool settings are honoured where they only tune what a tool
reports (message controls, thresholds, naming styles, rule ignores), refused where they would make
the tool run or import code from the repository (unless a trusted setting, see ``pipeline.trust``,
allows it), and dropped where the harness decides (output format, file selection, exit codes).
Every setting that switches a check off is listed, so the verdict shows what the repository
changed. Each tool has its own module; this one holds what they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..scanner import ScanError

MAX_LISTED = 20


class RefusedSetting(ScanError):
    """Repository configuration keys that would load or run code, or reach outside the repository."""

    def __init__(self, source: str, refused: list[tuple[str, str, str]]) -> None:
        """``refused``: (key, what it would make the tool do, the trust capability that allows it or '')."""
        reasons = "; ".join(f"{key!r} (it {why})" for key, why, _ in refused)
        switches = sorted({switch for _, _, switch in refused if switch})
        enable = (f"; the harness's caller can allow {'it' if len(refused) == 1 else 'them'} with "
                  f"{', '.join(switches)} in SECURE_PIPELINE_TRUST") if switches and all(s for _, _, s in refused) else ""
        super().__init__(f"{source}: refused {reasons}: repository configuration never runs code here{enable}")


@dataclass
class VettedConfig:
    """A configuration file the harness wrote from the repository's, and what that changed."""

    tool: str
    source: str = ""  # the repository file the settings came from, repo-relative; "" when none
    path: Path | None = None  # the file handed to the tool
    weakened: list[str] = field(default_factory=list)  # checks the repository switched off or narrowed
    dropped: list[str] = field(default_factory=list)  # settings left out, with the reason

    def details(self) -> dict[str, Any]:
        """What a stage report shows: the file honoured, the policy it weakens, the settings left out."""
        if not self.source:
            return {}
        notes = [f"{self.tool}: {self.source} {change}" for change in self.weakened]
        info: dict[str, Any] = {"repository_config": {"file": self.source, "weakened": list(self.weakened),
                                                      "dropped": list(self.dropped)}}
        if notes:
            info["notes"] = notes
        return info


def listed(names: list[str]) -> str:
    """A short, readable list: the first MAX_LISTED names, then how many more."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def inside(root: Path, rel: str, what: str) -> Path:
    """``root / rel`` resolved, or ScanError when it leaves the repository (an absolute path, ``..``, a symlink)."""
    resolved = (root / rel).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ScanError(f"{what} {rel!r} is outside the repository")
    return resolved


def relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_yaml_mapping(path: Path, source: str) -> dict[str, Any]:
    """A tool's YAML configuration as a mapping, or a ScanError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ScanError(f"could not read its configuration {source} (not valid YAML: {reason})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScanError(f"could not read its configuration {source}: not a mapping of settings")
    return data

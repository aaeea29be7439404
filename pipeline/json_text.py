"""JSON text for the reports: indented where a reader looks (the outer objects and lists), one line per
item below that (a finding, a SARIF result), and encoded by the standard library's C encoder there.

``json.dumps(indent=...)`` always runs the pure-Python encoder: on a large repository (pypa/pip: ten
thousand findings) that took most of the verdict step, which runs alone after every scanner is done.
The text parses to the same value; only the whitespace differs.
"""

from __future__ import annotations

import json
from typing import Any

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dumps(data: Any, depth: int = 2, indent: str = "  ") -> str:
    """``data`` with its containers down to ``depth`` levels one member per line; deeper values on one line."""
    return _dumps(data, depth, indent, "")


def _dumps(data: Any, depth: int, indent: str, prefix: str) -> str:
    if depth <= 0 or not isinstance(data, (dict, list, tuple)) or not data:
        return _COMPACT.encode(data)
    inner = prefix + indent
    if isinstance(data, dict):
        members = [f"{inner}{_COMPACT.encode(_key(key))}: {_dumps(value, depth - 1, indent, inner)}"
                   for key, value in data.items()]
        return "{\n" + ",\n".join(members) + "\n" + prefix + "}"
    items = [inner + _dumps(value, depth - 1, indent, inner) for value in data]
    return "[\n" + ",\n".join(items) + "\n" + prefix + "]"


def _key(key: Any) -> str:
    """A member name as json.dumps writes it."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return _COMPACT.encode(key)  # true, null, 1, 2.5: json.dumps's spelling of such keys
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

"""Every line the harness prints, escaped for where it goes.

In CI (``GITHUB_ACTIONS`` set, or a stream that is not a terminal) the runner reads each line of
stdout and stderr for workflow commands: a file named ``evil\\n::error title=x::y.py`` must not put
``::error`` at the start of a line. A line is therefore printed as one line, ``%``, ``\\r`` and
``\\n`` escaped as @actions/core escapes a command's data, and no line starts with ``::``. On a
terminal, control characters and ANSI sequences would repaint the screen ("ALL PASSED"): they are
shown as visible escapes (``\\x1b``) instead, everywhere.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

# C0/C1 controls (tab aside), DEL, the Unicode line/paragraph separators and the bidi controls
# that can disguise text. \r and \n are handled per destination.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Control characters (but \\t, \\r, \\n) replaced by visible escapes."""
    return _CONTROL.sub(_visible, text)


def for_workflow_log(text: str) -> str:
    """One line no runner reads as a workflow command (escaping as @actions/core ``escapeData``)."""
    return guard_line_starts(visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def guard_line_starts(text: str) -> str:
    """A multi-line block (the console report) in which no line starts with ``::``: a wrapped table
    cell or a long reason can put a file name's ``::error`` at the start of a line."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("::"):
            lines[i] = line[: len(line) - len(stripped)] + "%3A" + stripped[1:]
    return "\n".join(lines)


def for_terminal(text: str) -> str:
    """One line with no control character: line breaks shown as \\n and \\r."""
    return visible(text).replace("\r", "\\r").replace("\n", "\\n")


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def in_ci(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    source = os.environ if env is None else env
    return bool(source.get("GITHUB_ACTIONS")) or not is_tty(stream)


def safe_line(text: str, stream: TextIO, env: Mapping[str, str] | None = None) -> str:
    """``text`` as one line that is safe to print on ``stream``."""
    return for_workflow_log(text) if in_ci(stream, env) else for_terminal(text)


def emit(text: str, stream: TextIO | None = None) -> None:
    """Print one harness message: redacted (environment credentials and detectors), then escaped."""
    from .redact import redact

    out = stream or sys.stderr
    print(safe_line(redact(text), out), file=out, flush=True)

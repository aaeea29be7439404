"""Helpers for tests about processes: fake tools written in Python, finding processes by a marker.

Scanners may run in their own PID namespace, where the pid a tool sees for itself means nothing
outside; so tests find a tool's processes by a unique marker in their command line instead.
"""

from __future__ import annotations

import secrets
import stat
import sys
import textwrap
from pathlib import Path


def fake_python_tool(bin_dir: Path, name: str, code: str) -> Path:
    """An executable Python script standing in for a scanner; ``--version`` answers like a tool would."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\nimport sys\nif sys.argv[1:2] == ['--version']:\n"
                    f"    print('fake 0.0')\n    sys.exit(0)\n" + textwrap.dedent(code), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def sleep_marker() -> str:
    """A `sleep` duration no other process on this machine uses: ``sleep <marker>`` names the process."""
    return f"1000.{secrets.randbelow(10**6):06d}"


def running_with_arg(arg: str) -> list[int]:
    """Pids of running (not zombie) processes that have ``arg`` as one of their arguments."""
    found = []
    needle = arg.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if needle in argv and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found

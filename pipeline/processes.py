"""Finding and killing the processes a scanner left behind (Linux ``/proc``), and the prctl switches
that make the harness their reaper and keep its own memory private.

A tool's processes are found three ways, because each alone can be escaped: its process group
(``killpg``), the tree below its pid, and an environment marker (``TAG_VAR``) every scanner
process inherits. ``setsid`` leaves the group; a double fork leaves the tree, but as a *child
subreaper* the harness inherits such orphans, so they stay its descendants; only a process that
both detaches and scrubs its own environment escapes attribution to one tool, and the end-of-run
sweep of every descendant catches it. Namespaced runs (``sandbox.py``) need none of this: the
kernel kills a PID namespace with its init.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TAG_VAR = "SECURE_PIPELINE_PROCESS_TAG"

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants are reparented to this process instead of PID 1, so they can be found."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def make_undumpable() -> bool:
    """Other processes of the same user can no longer read this one's /proc files (mem, environ, fds)."""
    return _prctl(_PR_SET_DUMPABLE, 0)


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    state: str


def snapshot() -> dict[int, ProcInfo]:
    """Every visible process, from /proc/<pid>/stat (empty where /proc is not available)."""
    found: dict[int, ProcInfo] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            # The command name is in parentheses and may itself contain ") ": split at the last one.
            fields = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()
            found[int(entry)] = ProcInfo(int(entry), int(fields[1]), int(fields[2]), fields[0])
        except (OSError, IndexError, ValueError):
            continue
    return found


def descendants(root: int, procs: dict[int, ProcInfo] | None = None) -> set[int]:
    procs = snapshot() if procs is None else procs
    children: dict[int, list[int]] = {}
    for info in procs.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def tagged(prefix: str, procs: Iterable[int] | None = None) -> set[int]:
    """Processes whose initial environment carries a ``TAG_VAR`` value starting with ``prefix``."""
    needle = f"{TAG_VAR}={prefix}".encode()
    found: set[int] = set()
    for pid in snapshot() if procs is None else procs:
        if pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if any(item.startswith(needle) for item in environ.split(b"\0")):
            found.add(pid)
    return found


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def kill_pids(pids: Iterable[int], reap: Iterable[int] = (), wait: float = 2.0) -> None:
    """SIGKILL each pid and wait (at most ``wait`` seconds) until it is dead; reap those of ``reap``
    that are (orphaned) children of ours. A killed process takes a moment to die: returning
    before that would let a caller believe it is gone while it can still write a file."""
    killed = set(pids)
    for pid in killed:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    pending_reap = set(reap)
    pending_death = set(killed)
    deadline = time.monotonic() + wait
    while (pending_reap or pending_death) and time.monotonic() < deadline:
        for pid in list(pending_reap):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pending_reap.discard(pid)  # not our child (or already reaped): nothing to reap
                continue
            if done:
                pending_reap.discard(pid)
        pending_death = {pid for pid in pending_death if alive(pid)}
        if pending_reap or pending_death:
            time.sleep(0.01)


def kill_group(pgid: int) -> bool:
    """SIGKILL a whole process group; True when it still had members."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True

"""PID 1 of a scanner's namespace (run by ``sandbox.py``, stdlib only, started with ``python -I -S``).

Usage: ``_nsinit.py STATUS_FD HIDE_JSON -- UNSHARE --user --map-user=U --map-group=G -- TOOL [ARGS...]``.

It runs as root of the outer user namespace (``--map-root-user``), so it can still mount: it covers
every folder of HIDE_JSON (the harness's output folder) with an empty read-only tmpfs. Then it runs
the tool as its child, through a nested user namespace in which the tool is a non-root user: no
capability there lets it unmount what hides the reports or the fresh /proc, and in any namespace
it might create itself those mounts are locked. It reaps every orphan, and when the tool ends
writes one line to STATUS_FD: ``exit N LEFT`` or ``signal N LEFT``, LEFT being how many other
processes were still running in the namespace. The tool never inherits STATUS_FD and this process
is undumpable, so the tool cannot forge that line. When this process exits the kernel kills the
namespace.

Why an init at all: a tool that is itself PID 1 ignores signals it has no handler for (even its own
``kill -9 $$``), and util-linux ``unshare`` cannot report a child's death by signal.
"""

import ctypes
import json
import os
import sys

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8


def _others() -> int:
    me = os.getpid()
    return sum(1 for entry in os.listdir("/proc") if entry.isdigit() and int(entry) != me)


def _undumpable(libc: ctypes.CDLL) -> None:
    """The tool runs as the same user: without this it could open /proc/1/fd/STATUS_FD and forge the line."""
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise SystemExit("nsinit: prctl(PR_SET_DUMPABLE) failed")


def _hide(libc: ctypes.CDLL, folders: list[str]) -> None:
    flags = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    for folder in folders:
        if libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", flags, b"size=4k,mode=0555") != 0:
            raise SystemExit(f"nsinit: cannot hide {folder}: {os.strerror(ctypes.get_errno())}")


def main() -> int:
    status_fd = int(sys.argv[1])
    hide = json.loads(sys.argv[2])
    argv = sys.argv[4:]
    os.set_inheritable(status_fd, False)
    libc = ctypes.CDLL(None, use_errno=True)
    _undumpable(libc)
    _hide(libc, hide)
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)  # noqa: S606  # exec of the argv we were handed, no shell involved
        except OSError as exc:
            os.write(2, f"cannot execute {argv[0]}: {exc.strerror}\n".encode())
        os._exit(127)
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            return 125
        except InterruptedError:
            continue
        if done == pid:
            break
    while True:  # reap orphans that already died, so only the living count as left behind
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    left = _others()
    if os.WIFSIGNALED(status):
        line, code = f"signal {os.WTERMSIG(status)} {left}\n", 128 + os.WTERMSIG(status)
    else:
        line, code = f"exit {os.waitstatus_to_exitcode(status)} {left}\n", os.waitstatus_to_exitcode(status)
    os.write(status_fd, line.encode())
    return code


if __name__ == "__main__":
    sys.exit(main())

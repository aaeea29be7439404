"""Make gunicorn's master die with ``python -m app serve``.

serve starts gunicorn as a child; if serve is killed outright (SIGKILL, the
OOM killer) it cannot stop it, and gunicorn would keep serving on the port.
Linux's PR_SET_PDEATHSIG asks the kernel to signal us when our parent dies;
gunicorn_conf.py calls ``exit_with_parent`` in the master when serve sets
``SECURESAMPLE_PARENT_PID``. Workers follow: they stop when their parent (the
master) changes, and the master's SIGTERM handler stops them first anyway.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

PARENT_PID_VARIABLE = "SECURESAMPLE_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def exit_with_parent(expected_parent: int, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Ask for ``sig`` when the parent dies; return False where unsupported.

    If the parent already died before the request was made, the kernel will
    never send it, so that case is handled here by signalling ourselves.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if os.getppid() != expected_parent:
        os.kill(os.getpid(), sig)
    return True


def exit_with_parent_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    raw = environ.get(PARENT_PID_VARIABLE, "")
    return raw.isdigit() and exit_with_parent(int(raw))

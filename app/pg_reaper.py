"""Stops the embedded PostgreSQL if ``python -m app serve`` dies without
cleaning up (SIGKILL, OOM). PostgreSQL runs in its own session, so killing
serve's process group does not reach it; this watcher, started by serve in a
session of its own too, does.

    python -m app.pg_reaper OWNER_PID PGDATA [TEMP_DIR]
"""
from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

POLL_SECONDS = 0.5


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap(owner_pid: int, pgdata: Path, temp_dir: Path | None) -> None:
    while _alive(owner_pid):
        time.sleep(POLL_SECONDS)
    if (pgdata / "postmaster.pid").exists():
        import pgserver  # pylint: disable=import-outside-toplevel

        pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
        # As pgserver itself does: the server runs as user "pgserver" when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        try:
            args = [str(pg_ctl), "-D", str(pgdata), "-w", "-m", "fast", "stop"]
            subprocess.run(args, user=user, capture_output=True, timeout=30, check=False)  # nosec B603
        except (subprocess.SubprocessError, OSError):
            pass  # nothing more this watcher can do
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    reap(int(argv[0]), Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

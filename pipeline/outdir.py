"""The output folder of one `pipeline run`: held exclusively for the whole run, emptied of what a
previous run left for the requested stages before anything is scanned.

Two runs writing into one folder would mix their reports (the last writer wins, and a verdict can
disagree with the stage reports beside it), so the second run fails at once with exit 3. An
interrupted or failed run must not leave the previous run's ``verdict/`` (saying "passed") or
stage reports to be mistaken for its own, so they are removed before the scan starts; reports
are then written only after every scanner process is dead, atomically, each with this run's id.
(Where namespaces are available, scanners do not even see this folder: ``sandbox.py``.)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

LOCK_NAME = ".secure-pipeline.lock"


@dataclass
class OutputFolder:
    path: Path
    run_id: str
    _fd: int = -1

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = -1

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def claim(path: Path) -> OutputFolder:
    """Create (if needed) and lock ``path`` for this run; ConfigError when it is not usable or busy."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot create the report folder: {exc.strerror or exc}") from exc
    lock = path / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot create its lock file {LOCK_NAME}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(f"--out {path}: another `pipeline run` is writing reports into this folder; "
                          "wait for it to finish or choose another --out") from None
    run_id = uuid.uuid4().hex
    os.ftruncate(fd, 0)
    os.write(fd, f"{run_id} pid {os.getpid()}\n".encode())
    return OutputFolder(path, run_id, fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def remove_stale(folder: OutputFolder, stages: list[str]) -> None:
    """Delete an earlier run's verdict folder and the requested stages' reports.

    ``verdict/`` goes only when it is ours (it holds a verdict.json), so that ``--out .`` cannot
    delete a folder of the repository that merely has the same name.
    """
    verdict = folder.path / "verdict"
    try:
        if verdict.is_symlink() or verdict.is_file() or (verdict / "verdict.json").exists():
            _remove(verdict)
        for stage in stages:
            _remove(folder.path / f"{stage}.json")
    except OSError as exc:
        raise ConfigError(f"--out {folder.path}: cannot remove the previous run's reports: {exc}") from exc

"""Where the scanned repository's dependencies are installed, so pylint can resolve its imports.

Found by path only: the environment's interpreter is never run (a hostile ``.venv/bin/python`` is
a script) and nothing in it is imported. pylint gets its site-packages folders appended to the end
of ``sys.path`` by the harness's own plugin (pipeline/evidence/pylint_plugin.py), so they can never
shadow pylint's, astroid's or the standard library's modules; ``.pth`` files are not processed (an
``import`` line in one is code). astroid then reads the dependencies' sources without importing them.

Where the location comes from, first match wins:

1. ``SECURE_PIPELINE_PYTHON_ENV`` in the harness's environment (set by the caller: the reusable
   workflow after its dependency-install step, or the user). Any path.
2. The lint stage's ``python_env`` option (pyproject or ``--set``). The repository writes this one,
   and it is hostile input: astroid only reads what it names, but what it reads can surface in
   pylint's messages, so the repository may only name a folder inside itself (checked after
   resolving symlinks), never the runner's other files.
3. ``.venv/`` or ``venv/`` at the repository's root, when it holds a ``lib/python3*/site-packages``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

ENV_VAR = "SECURE_PIPELINE_PYTHON_ENV"
AUTO_DETECTED = (".venv", "venv")
HOW_TO_SET = (f"set [tool.secure-pipeline.stages.lint] python_env to a venv inside the repository, or {ENV_VAR} "
              "to a venv anywhere, with the repository's dependencies installed in it")


@dataclass(frozen=True)
class TargetEnv:
    path: Path  # the venv (or site-packages folder) as named
    site_packages: tuple[Path, ...]  # the folders pylint reads dependencies from, in order
    source: str  # where the location came from, for the report: "SECURE_PIPELINE_PYTHON_ENV", "lint.python_env", ...

    def describe(self) -> str:
        return f"{self.path} (from {self.source})"


def site_packages_of(path: Path) -> tuple[Path, ...]:
    """A venv's site-packages folders (POSIX and Windows layouts), or the folder itself when it is one; () when none."""
    found = sorted(p for p in path.glob("lib/python3*/site-packages") if p.is_dir())
    windows = path / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(windows)
    if not found and (path.name == "site-packages" or any(path.glob("*.dist-info"))):
        found = [path]
    return tuple(found)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


def locate(root: Path, configured: str, environ: Mapping[str, str] | None = None) -> TargetEnv | None:
    """The target environment, or None when none is given or detected. ConfigError for a named one that is unusable."""
    environ = os.environ if environ is None else environ
    from_caller = environ.get(ENV_VAR, "").strip()
    if from_caller:
        return _named(Path(from_caller).expanduser(), ENV_VAR, root, confined=False)
    if configured.strip():
        return _named(root / configured.strip(), "lint.python_env", root, confined=True)
    for name in AUTO_DETECTED:
        candidate = root / name
        if candidate.is_dir() and _inside(candidate, root):
            found = tuple(p for p in candidate.glob("lib/python3*/site-packages") if p.is_dir() and _inside(p, root))
            if found:
                return TargetEnv(candidate, tuple(sorted(found)), f"{name}/ in the repository")
    return None


def _named(path: Path, source: str, root: Path, *, confined: bool) -> TargetEnv:
    if confined and not _inside(path, root):
        raise ConfigError(f"{source} = {str(path)[:200]!r}: the repository's configuration may only name a folder "
                          f"inside the repository (set {ENV_VAR} for one elsewhere)")
    if not path.is_dir():
        raise ConfigError(f"{source}: {str(path)[:200]!r} is not a directory (expected a venv or a site-packages folder)")
    found = site_packages_of(path)
    if confined:
        found = tuple(p for p in found if _inside(p, root))
    if not found:
        raise ConfigError(f"{source}: {str(path)[:200]!r} has no lib/python3*/site-packages (not a venv) and is not a "
                          "site-packages folder")
    return TargetEnv(path, found, source)

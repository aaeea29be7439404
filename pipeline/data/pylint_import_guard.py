"""Run inside pylint by the harness's own init-hook (runpy.run_path, with REPOSITORY set).

While it lints, pylint puts the scanned repository's folders first on sys.path, so a module pylint
or astroid imports lazily (csv, email, zipfile, multiprocessing... in pylint 4.1.4) would be the
repository's csv.py: its code would run inside the scan. This finder resolves every import as if
the repository were not on sys.path; astroid still reads the repository's files, as source.
"""

import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType

_ROOT = os.path.realpath(globals()["REPOSITORY"])  # given by the init-hook (init_globals)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


# pylint's own import path before it adds the repository (it has already dropped the working
# folder): the interpreter, its site-packages, PYTHONPATH. A virtualenv that happens to sit inside
# the scanned tree stays importable.
_INTERPRETER = [real for real in (os.path.realpath(p) for p in sys.path if isinstance(p, str) and p) if real != _ROOT]


def _in_repository(location: str) -> bool:
    real = os.path.realpath(location or os.curdir)
    return _under(real, _ROOT) and not any(_under(real, entry) for entry in _INTERPRETER)


class RepositoryImportGuard:
    """A meta path finder that never returns a module found inside the scanned repository."""

    @classmethod
    def find_spec(cls, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        entries = [p for p in (sys.path if path is None else path) if isinstance(p, str)]
        spec = PathFinder.find_spec(name, [p for p in entries if not _in_repository(p)], target)
        if spec is not None:
            return spec
        if PathFinder.find_spec(name, [p for p in entries if _in_repository(p)], target) is not None:
            raise ModuleNotFoundError(f"secure-pipeline: {name} is not imported from the scanned repository", name=name)
        return None  # nowhere on the path: other finders may know it

    @classmethod
    def invalidate_caches(cls) -> None:
        PathFinder.invalidate_caches()


sys.meta_path.insert(sys.meta_path.index(PathFinder), RepositoryImportGuard)

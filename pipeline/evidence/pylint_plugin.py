"""A pylint plugin of the harness's own: writes the path and content digest of every module pylint analysed.

Loaded by the pylint adapter from a private folder (``--load-plugins`` plus ``PYTHONPATH``); it
runs inside the pylint process, never in the harness. It emits no message, so message controls in
the repository's configuration cannot silence it; the harness compares what it wrote with the files
it handed to pylint, content included (a run over emptied or swapped files is not a run over them).

It also gives astroid the scanned repository's dependencies (pipeline/target_env.py): their
site-packages folders are appended to the END of ``sys.path``, after pylint's, astroid's and the
standard library's own, so a package there named like one of them (``astroid/``) is never the one
imported. Appending a folder does not process its ``.pth`` files (they can run code); astroid
reads the sources it finds there and imports none of them.

With ``--jobs`` pylint analyses modules in worker processes (each loads this plugin again), so every
process writes its own file in the evidence folder: appends from several processes to one file
could interleave.

It also restricts a run to the whole-program messages when told to (``ONLY_ENV``): after pylint has
read its configuration, every other message is disabled, so the repository's own choice of whether
duplicate-code or cyclic-import is on still holds.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import sys
from typing import Any

from pylint.checkers import BaseChecker

EVIDENCE_ENV = "SECURE_PIPELINE_PYLINT_EVIDENCE"  # a folder; each process writes <pid>.evidence in it
ONLY_ENV = "SECURE_PIPELINE_PYLINT_ONLY"  # comma-separated symbols: the only messages this run may emit
# os.pathsep-separated site-packages folders of the scanned repository's environment.
TARGET_PATHS_ENV = "SECURE_PIPELINE_PYLINT_TARGET_PATHS"
MODULE_NAME = "secure_pipeline_pylint_evidence"
MESSAGE = "secure-pipeline-evidence"
SUFFIX = ".evidence"


class EvidenceChecker(BaseChecker):
    name = "secure-pipeline-evidence"
    # One message, never emitted: a checker with no enabled message is not walked at all.
    msgs = {"I9970": ("secure-pipeline coverage evidence", MESSAGE, "Never emitted; keeps the evidence checker walked.")}

    def visit_module(self, node: Any) -> None:
        folder = os.environ.get(EVIDENCE_ENV)
        if folder and getattr(node, "file", None):
            with open(node.file, "rb") as source:
                digest = hashlib.sha256(source.read()).hexdigest()
            # NUL-separated: a file name may contain a newline. One write per module, to this
            # process's own file.
            entry = f"{digest} {os.path.abspath(node.file)}\0".encode("utf-8", "surrogateescape")
            target = os.path.join(folder, f"{os.getpid()}{SUFFIX}")
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(handle, entry)
            finally:
                os.close(handle)


class ReadOnlyFolders:
    """A meta path finder, first in line, refusing to import anything found in the given folders.

    astroid reads modules, but for a dotted name under a standard-library name the interpreter
    lacks (``_gdbm.x``) it asks importlib, which imports the parent package: from these folders,
    that would run the scanned repository's code.
    """

    def __init__(self, folders: list[str]) -> None:
        self.folders = tuple(os.path.join(os.path.realpath(f), "") for f in folders)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        del target
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        places = [spec.origin, *(spec.submodule_search_locations or ())] if spec else []
        for place in filter(None, places):
            if os.path.join(os.path.realpath(place), "").startswith(self.folders):
                raise ImportError(f"secure-pipeline: {fullname} lies in the scanned repository's environment, "
                                  "which is read, never imported")
        # None: the ordinary finders import it from where it really is.


def append_target_paths(environ: Any = os.environ) -> None:
    folders = [f for f in environ.get(TARGET_PATHS_ENV, "").split(os.pathsep) if f]
    if not folders:
        return
    sys.meta_path.insert(0, ReadOnlyFolders(folders))
    for folder in folders:
        if folder not in sys.path:
            sys.path.append(folder)


def register(linter: Any) -> None:
    # pylint loads plugins before it looks at any module, and restores sys.path to this state after
    # each run: the folders stay where appended for every lookup.
    append_target_paths()
    linter.register_checker(EvidenceChecker(linter))


def load_configuration(linter: Any) -> None:
    """pylint's hook after the configuration is read: keep only the whole-program messages, if asked."""
    only = {symbol for symbol in os.environ.get(ONLY_ENV, "").split(",") if symbol}
    if not only:
        return
    for definition in linter.msgs_store.messages:
        if definition.symbol not in only and definition.symbol != MESSAGE:
            linter.disable(definition.msgid)

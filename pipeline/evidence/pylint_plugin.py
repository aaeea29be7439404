"""A pylint plugin of the harness's own: writes the path and content digest of every module pylint analysed.

Loaded by the pylint adapter from a private folder (``--load-plugins`` plus ``PYTHONPATH``); it
runs inside the pylint process, never in the harness. It emits no message, so message controls in
the repository's configuration cannot silence it; the harness compares what it wrote with the files
it handed to pylint, content included (a run over emptied or swapped files is not a run over them).

With ``--jobs`` pylint analyses modules in worker processes (each loads this plugin again), so every
process writes its own file in the evidence folder: appends from several processes to one file
could interleave.

It also restricts a run to the whole-program messages when told to (``ONLY_ENV``): after pylint has
read its configuration, every other message is disabled, so the repository's own choice of whether
duplicate-code or cyclic-import is on still holds.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from pylint.checkers import BaseChecker

EVIDENCE_ENV = "SECURE_PIPELINE_PYLINT_EVIDENCE"  # a folder; each process writes <pid>.evidence in it
ONLY_ENV = "SECURE_PIPELINE_PYLINT_ONLY"  # comma-separated symbols: the only messages this run may emit
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


def register(linter: Any) -> None:
    linter.register_checker(EvidenceChecker(linter))


def load_configuration(linter: Any) -> None:
    """pylint's hook after the configuration is read: keep only the whole-program messages, if asked."""
    only = {symbol for symbol in os.environ.get(ONLY_ENV, "").split(",") if symbol}
    if not only:
        return
    for definition in linter.msgs_store.messages:
        if definition.symbol not in only and definition.symbol != MESSAGE:
            linter.disable(definition.msgid)

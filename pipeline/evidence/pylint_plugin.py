"""A pylint plugin of the harness's own: writes the path and content digest of every module pylint analysed.

Loaded by the pylint adapter from a private folder (``--load-plugins`` plus ``PYTHONPATH``); it
runs inside the pylint process, never in the harness. It emits no message, so message controls in
the repository's configuration cannot silence it; the harness compares what it wrote with the files
it handed to pylint, content included (a run over emptied or swapped files is not a run over them).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from pylint.checkers import BaseChecker

EVIDENCE_ENV = "SECURE_PIPELINE_PYLINT_EVIDENCE"
MODULE_NAME = "secure_pipeline_pylint_evidence"
MESSAGE = "secure-pipeline-evidence"


class EvidenceChecker(BaseChecker):
    name = "secure-pipeline-evidence"
    # One message, never emitted: a checker with no enabled message is not walked at all.
    msgs = {"I9970": ("secure-pipeline coverage evidence", MESSAGE, "Never emitted; keeps the evidence checker walked.")}

    def visit_module(self, node: Any) -> None:
        target = os.environ.get(EVIDENCE_ENV)
        if target and getattr(node, "file", None):
            with open(node.file, "rb") as source:
                digest = hashlib.sha256(source.read()).hexdigest()
            # NUL-separated: a file name may contain a newline.
            with open(target, "a", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(f"{digest} {os.path.abspath(node.file)}\0")


def register(linter: Any) -> None:
    linter.register_checker(EvidenceChecker(linter))

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

It records who owns a message pylint cannot place: a message on a node of a module astroid built
itself (pygments' lazy ``formatters``) has no file, so pylint prints the path "configuration". The
plugin writes the message id and the file being linted when it was raised (an ``unlocated`` entry),
so the harness can report it on that file.

It keeps pylint from analysing the path hints (``PATH_HINTS_ENV``): in PR mode the harness gives pylint
one file of each package root so that it builds the same sys.path as for the whole tree, without
linting them.

With ``--jobs`` it hands each worker runs of neighbouring files instead of one file at a time, so
that the workers infer less of the same code twice.

It also makes pylint's two whole-program checkers independent of the order in which modules reach
them, so that ``--jobs`` reports exactly what one process reports: pylint 4.1.4's parallel merge
collates their data worker by worker, and both results depend on that order (which import cycles
``get_cycles`` walks into first, which copies of a block the similarity search groups, and
``dict.update`` even drops import-graph edges of modules with the same name). Before either checker
computes its result, its data is put in one canonical order (by module name, then file); the
parallel merge unions the import graphs instead of overwriting them.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import sys
from typing import Any

EVIDENCE_ENV = "SECURE_PIPELINE_PYLINT_EVIDENCE"  # a folder; each process writes <pid>.evidence in it
# os.pathsep-separated site-packages folders of the scanned repository's environment.
TARGET_PATHS_ENV = "SECURE_PIPELINE_PYLINT_TARGET_PATHS"
MODULE_NAME = "secure_pipeline_pylint_evidence"
MESSAGE = "secure-pipeline-evidence"
SUFFIX = ".evidence"
UNLOCATED = "unlocated"  # entry: "unlocated <msgid> <text_digest of the message> <file being linted>"
# A file listing (NUL-separated) files given on the command line only to build pylint's sys.path:
# pylint adds each file's package root, in order, and this plugin keeps it from analysing them.
PATH_HINTS_ENV = "SECURE_PIPELINE_PYLINT_PATH_HINTS"
# With --jobs, each worker is handed runs of neighbouring files (guided_chunks), none shorter than this:
MIN_CHUNK = 4  # smaller runs cost more shared inference than they save in waiting
GUIDED_DIVISOR = 2  # each run is at most 1/(2 x workers) of what is left


def text_digest(text: str) -> str:
    """What an unlocated entry records of a message's text (no spaces, no NUL)."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _write_entry(text: str) -> None:
    """One NUL-terminated entry (a file name may contain a newline), one write, to this process's own file."""
    folder = os.environ.get(EVIDENCE_ENV)
    if not folder:
        return
    handle = os.open(os.path.join(folder, f"{os.getpid()}{SUFFIX}"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(handle, f"{text}\0".encode("utf-8", "surrogateescape"))
    finally:
        os.close(handle)


def _record_unlocated_messages() -> None:
    """Wrap PyLinter.add_message: a message on a node whose module has no file names the file being linted."""
    from pylint.lint import PyLinter  # pylint: disable=import-outside-toplevel

    original = PyLinter.add_message
    if getattr(original, "_secure_pipeline", False):
        return

    def add_message(self: Any, msgid: str, line: Any = None, node: Any = None, *args: Any, **kwargs: Any) -> None:
        if node is not None and getattr(node.root(), "file", None) is None and self.current_file:
            # Checkers name a message by symbol or by id: record the id, as json2 prints it, and a digest
            # of the text (two files may raise the same id on synthetic modules: the text tells them apart).
            definition = next((d for d in self.msgs_store.messages if msgid in (d.symbol, d.msgid)), None)
            msg_args = args[0] if args else kwargs.get("args")
            text = "" if definition is None else definition.msg if msg_args is None else definition.msg % msg_args
            _write_entry(f"{UNLOCATED} {definition.msgid if definition else msgid} {text_digest(text)} "
                         f"{os.path.abspath(self.current_file)}")
        original(self, msgid, line, node, *args, **kwargs)

    add_message.__dict__["_secure_pipeline"] = True
    PyLinter.add_message = add_message  # type: ignore[method-assign]  # patched inside pylint's process only


def _skip_path_hints(environ: Any = os.environ) -> None:
    """Wrap PyLinter.should_analyze_file: the path hints shape sys.path (computed from every file given) but
    are not analysed."""
    from pylint.lint import PyLinter  # pylint: disable=import-outside-toplevel

    listing = environ.get(PATH_HINTS_ENV)
    original = PyLinter.should_analyze_file
    if not listing or getattr(original, "_secure_pipeline", False):
        return
    with open(listing, "rb") as handle:
        hints = {os.path.abspath(os.fsdecode(name)) for name in handle.read().split(b"\0") if name}
    if not hints:
        return

    def should_analyze_file(modname: str, path: str, is_argument: bool = False) -> bool:
        if os.path.abspath(path) in hints:
            return False
        return bool(original(modname, path, is_argument=is_argument))

    should_analyze_file.__dict__["_secure_pipeline"] = True
    PyLinter.should_analyze_file = staticmethod(should_analyze_file)  # type: ignore[method-assign]  # patched inside pylint's process only


def guided_chunks(weights: list[int], workers: int) -> list[range]:
    """Runs of neighbouring files, each weighing (in bytes, a proxy for lint time) a share of what is
    left: large runs first, so each worker infers mostly its own packages, and small ones last, so the
    workers finish together instead of one lingering on a last large run."""
    chunks, start, left = [], 0, sum(weights)
    while start < len(weights):
        share, end, taken = max(1, left // (GUIDED_DIVISOR * workers)), start, 0
        while end < len(weights) and (taken < share or end - start < MIN_CHUNK):
            taken += weights[end]
            end += 1
        chunks.append(range(start, end))
        start, left = end, left - taken
    return chunks


def _size(item: Any) -> int:
    try:
        return max(1, os.stat(item.filepath).st_size)
    except (OSError, AttributeError, TypeError):
        return 1


def _build_before_fork(executor: Any, file_items: list[Any]) -> None:
    """Every linted module's AST, built here before the pool forks its workers, which inherit them.

    A one-process pylint builds every linted module first too (PyLinter._get_asts), so the workers
    start from the state a single process lints in; without it each worker built what it reached,
    and both built what they shared. The build is serial, but in the harness the other scanners
    keep the second core busy meanwhile. gc.freeze: the workers' collector would otherwise walk, and
    so copy page by page, the whole inherited heap. Measured on pypa/pip, 2 processes: 86 -> 81 CPU-s;
    a full run (lint, sast, secrets) 79 -> 76 s."""
    import contextlib  # pylint: disable=import-outside-toplevel
    import gc  # pylint: disable=import-outside-toplevel

    from astroid import MANAGER  # pylint: disable=import-outside-toplevel
    from pylint.lint.utils import augmented_sys_path  # pylint: disable=import-outside-toplevel

    extra = getattr(getattr(executor, "_initializer", None), "keywords", {}).get("extra_packages_paths") or ()
    with augmented_sys_path(list(extra)):
        for item in file_items:
            with contextlib.suppress(Exception):  # the worker builds it again and reports it as pylint does
                MANAGER.ast_from_file(item.filepath, item.name, source=True)
    gc.freeze()  # the workers' collector then never walks (and so copies) the inherited trees


def _contiguous_chunks() -> None:
    """pylint -j hands its workers one file at a time, alternately, so every worker infers every package;
    in runs of neighbouring files (the harness gives them sorted by path, guided_chunks sizes them) each
    worker infers mostly its own. Measured on pypa/pip with 2 processes: one file at a time 184 CPU-s;
    eight equal runs 48.8 s / 88 CPU-s with one worker alone for the last 7.5 s; guided runs 44.6 s /
    86 CPU-s, 2.5 s alone (one process: 77-80 CPU-s). The ASTs are built before the fork
    (_build_before_fork)."""
    from concurrent.futures import ProcessPoolExecutor  # pylint: disable=import-outside-toplevel
    from concurrent.futures.process import _process_chunk  # pylint: disable=import-outside-toplevel
    from functools import partial  # pylint: disable=import-outside-toplevel

    original = ProcessPoolExecutor.map
    if getattr(original, "_secure_pipeline", False):
        return

    def chunked_map(self: Any, fn: Any, *iterables: Any, timeout: Any = None, chunksize: int = 1) -> Any:
        if chunksize != 1 or getattr(fn, "__name__", "") != "_worker_check_single_file" or len(iterables) != 1:
            return original(self, fn, *iterables, timeout=timeout, chunksize=chunksize)
        items = [(item,) for item in iterables[0]]
        workers = max(1, int(getattr(self, "_max_workers", 1) or 1))
        _build_before_fork(self, [item[0] for item in items])
        # Submitted in order, so the pool hands them out in order; results come back in input order, as map's.
        weights = [_size(item[0]) for item in items]
        futures = [self.submit(partial(_process_chunk, fn), [items[i] for i in chunk])
                   for chunk in guided_chunks(weights, workers)]
        return (result for future in futures for result in future.result(timeout))

    chunked_map.__dict__["_secure_pipeline"] = True
    ProcessPoolExecutor.map = chunked_map  # type: ignore[method-assign]  # patched inside pylint's process only


def _canonical_whole_program() -> None:
    """The similarity and imports checkers compute from their data in one order, whatever the process count."""
    # pylint: disable=import-outside-toplevel,protected-access
    from collections import defaultdict

    from pylint.checkers.imports import ImportsChecker
    from pylint.checkers.symilar import SimilaritiesChecker

    if getattr(ImportsChecker.close, "_secure_pipeline", False):
        return
    process_module, similar_close = SimilaritiesChecker.process_module, SimilaritiesChecker.close
    imports_close = ImportsChecker.close

    def tag_linesets(self: Any, node: Any) -> None:
        before = len(self.linesets)
        process_module(self, node)
        for lineset in self.linesets[before:]:
            lineset.secure_pipeline_file = node.file or ""  # travels with the lineset to the parent process

    def sorted_close(self: Any) -> None:
        self.linesets.sort(key=lambda ls: (ls.name, getattr(ls, "secure_pipeline_file", "")))
        similar_close(self)

    def canonical(graph: Any) -> Any:
        # Sets built by inserting in sorted order iterate alike in every process (PYTHONHASHSEED is fixed).
        result: Any = defaultdict(set)
        for key in sorted(graph):
            for value in sorted(graph[key]):
                result[key].add(value)
        return result

    def canonical_close(self: Any) -> None:
        self.import_graph = canonical(self.import_graph)
        self._excluded_edges = canonical(self._excluded_edges)
        imports_close(self)

    def union_reduce(self: Any, linter: Any, data: Any) -> None:
        del linter
        if self.linter.is_message_enabled("cyclic-import"):
            self.import_graph, self._excluded_edges = defaultdict(set), defaultdict(set)
            for graph, excluded in data:
                for key, values in graph.items():
                    self.import_graph[key] |= values
                for key, values in excluded.items():
                    self._excluded_edges[key] |= values
            self.close()

    for function in (tag_linesets, sorted_close, canonical_close, union_reduce):
        function.__dict__["_secure_pipeline"] = True
    SimilaritiesChecker.process_module = tag_linesets  # type: ignore[method-assign]  # patched inside pylint's process only
    SimilaritiesChecker.close = sorted_close  # type: ignore[method-assign]  # patched inside pylint's process only
    ImportsChecker.close = canonical_close  # type: ignore[method-assign]  # patched inside pylint's process only
    ImportsChecker.reduce_map_data = union_reduce  # type: ignore[method-assign]  # patched inside pylint's process only


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


def _evidence_checker(linter: Any) -> Any:
    """The checker that records each analysed module; defined here so that the harness, which reads
    this file's constants, never imports pylint itself (a quarter of a second of every run's start)."""
    from pylint.checkers import BaseChecker  # pylint: disable=import-outside-toplevel

    class EvidenceChecker(BaseChecker):
        name = "secure-pipeline-evidence"
        # One message, never emitted: a checker with no enabled message is not walked at all.
        msgs = {"I9970": ("secure-pipeline coverage evidence", MESSAGE, "Never emitted; keeps the evidence checker walked.")}

        def visit_module(self, node: Any) -> None:
            if getattr(node, "file", None):
                with open(node.file, "rb") as source:
                    digest = hashlib.sha256(source.read()).hexdigest()
                _write_entry(f"{digest} {os.path.abspath(node.file)}")

    return EvidenceChecker(linter)


def register(linter: Any) -> None:
    # pylint loads plugins before it looks at any module, and restores sys.path to this state after
    # each run: the folders stay where appended for every lookup.
    append_target_paths()
    _record_unlocated_messages()
    _skip_path_hints()
    _contiguous_chunks()
    _canonical_whole_program()
    linter.register_checker(_evidence_checker(linter))


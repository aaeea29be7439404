"""The files a module's pylint messages may read: the module, the packages it lies in, and every file its
imports may load, transitively (pipeline/import_graph.py's names, over-approximated the same way).

The result cache keys pylint's per-module results on these files' contents in PR mode, where the
whole-program checks are off (pipeline/adapters/pylint.py): a change to any other file leaves the
module's entry valid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .files import UnreadableFile, read_regular_file
from .import_graph import ANY, ImportGraph, module_names

MAX_SOURCE_BYTES = 16 * 1024 * 1024  # a larger "module" is treated as unparsable: it may read anything


class ImportClosure:
    """Forward closures over one tree's import graph, each computed once."""

    def __init__(self, graph: ImportGraph) -> None:
        self.graph = graph
        self._files_named: dict[str, set[str]] = defaultdict(set)
        for path in graph.imports:
            for name in module_names(path, graph.packages):
                self._files_named[name].add(path)
        self._done: dict[str, frozenset[str]] = {}

    def of(self, path: str) -> frozenset[str]:
        """``path`` and every file of the tree its analysis may read (all of them if one cannot be parsed)."""
        if path not in self._done:
            self._done[path] = self._walk(path)
        return self._done[path]

    def _walk(self, start: str) -> frozenset[str]:
        seen = {start}
        queue = [start]
        while queue:
            current = queue.pop()
            names = set(self.graph.imports.get(current, ()))
            if ANY in names:
                return frozenset(self.graph.imports)  # unparsable: it may read anything
            # Its own packages: astroid resolves the module's name (and relative imports) through them.
            for own in module_names(current, self.graph.packages):
                names |= _parents(own)
            for name in names:
                for path in self._files_named.get(name, ()):
                    if path not in seen:
                        seen.add(path)
                        queue.append(path)
        return frozenset(seen)


def _parents(name: str) -> set[str]:
    pieces = name.split(".")
    return {".".join(pieces[:i]) for i in range(1, len(pieces))}


def read_sources(root: Path, paths: Iterable[str]) -> dict[str, bytes]:
    """Each file's bytes; one that cannot be read safely becomes unparsable (it then imports everything)."""
    sources: dict[str, bytes] = {}
    for rel in paths:
        try:
            sources[rel] = read_regular_file(root / rel, limit=MAX_SOURCE_BYTES)
        except (UnreadableFile, OSError):
            sources[rel] = b"\0"
    return sources


def of_tree(root: Path, python_files: Iterable[str]) -> ImportClosure:
    """The closures over a tree's Python files; a folder with an ``__init__.py`` is a package."""
    paths = list(python_files)
    packages = {p.rsplit("/", 1)[0] for p in paths if p.endswith("/__init__.py")}
    return ImportClosure(ImportGraph.build(read_sources(root, paths), packages))

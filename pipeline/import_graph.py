"""Which Python modules' pylint messages can change when some files change: the files themselves and
every module that imports them, transitively. Read with ``ast`` from the files' text; nothing of the
scanned tree is imported or run.

pylint's messages for a module depend on that module and on what it imports (astroid infers through
imported modules, and through what those import), never on the modules that import it. So the
modules a change can affect are the changed ones and their importers, transitively; the modules a
changed file imports are unaffected (their own messages do not read the changed file unless they
import it too, and then they are importers). duplicate-code and cyclic-import compare every linted
module with every other and are handled by the caller.

Resolution over-approximates, never under-approximates: a file answers to its dotted path relative to
every folder above it that can be on pylint's ``sys.path`` (the tree's root, and every folder that
lacks an ``__init__.py`` on either side of the change: pylint adds such a folder for each file it
lints), so ``tests/core/helpers.py`` is ``tests.core.helpers``, ``core.helpers`` and ``helpers``,
while ``pipeline/reporters/html.py`` is only ``pipeline.reporters.html`` (never the stdlib's
``html``); ``import a.b.c`` depends on ``a``, ``a.b`` and
``a.b.c`` (importing executes each package's ``__init__``), and ``from a import b`` also on
``a.b``. A file that cannot be parsed depends on everything.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

ANY = "*"  # the import names of a file that cannot be parsed: it depends on every module


def module_names(path: str, packages: Collection[str] = ()) -> set[str]:
    """Every dotted name the file at ``path`` (repo-relative, .py or .pyi) may be imported under;
    ``packages``: the folders that are packages for certain (an ``__init__.py`` on both sides), which
    are never on ``sys.path`` themselves. Without it, every dotted suffix of the path counts."""
    folders = path.split("/")[:-1]
    parts = path.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = set()
    for i in range(len(parts)):
        root = "/".join(folders[:i])
        if i and root in packages:
            continue  # inside a package: never a sys.path entry
        if all(p.isidentifier() for p in parts[i:]):
            names.add(".".join(parts[i:]))
    return names


def prefixes(name: str) -> set[str]:
    """``a``, ``a.b`` and ``a.b.c`` for ``a.b.c``."""
    pieces = name.split(".")
    return {".".join(pieces[:i]) for i in range(1, len(pieces) + 1)}


def absolute_base(path: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` in the file at ``path`` reads ("" when it climbs
    above the tree): relative imports start from the file's folder."""
    if not node.level:
        return node.module or ""
    package = path.split("/")[:-1]
    base_parts = package[:len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
    return ".".join([*base_parts, *(node.module.split(".") if node.module else [])])


def import_targets(path: str, node: ast.AST) -> set[str]:
    """The dotted module names one node may load: an import statement's, else none."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            names |= prefixes(alias.name)
    elif isinstance(node, ast.ImportFrom):
        base = absolute_base(path, node)
        if base:
            names |= prefixes(base)
            names |= {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}
    return names


def imported_names(path: str, source: bytes) -> set[str]:
    """Every dotted module name the file's imports may load (relative imports made absolute by path)."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return {ANY}
    names: set[str] = set()
    for node in ast.walk(tree):
        names |= import_targets(path, node)
    return names


@dataclass
class ImportGraph:
    """Who may import whom among a tree's Python files."""

    # path -> the dotted names its imports may load
    imports: Mapping[str, set[str]] = field(default_factory=dict)
    # folders that are packages for certain (see module_names)
    packages: frozenset[str] = frozenset()

    @classmethod
    def build(cls, sources: Mapping[str, bytes], packages: Collection[str] = ()) -> ImportGraph:
        return cls({path: imported_names(path, text) for path, text in sources.items()}, frozenset(packages))

    def importers(self, changed: Iterable[str]) -> set[str]:
        """The files whose analysis may read one of ``changed`` (paths, which may be absent from the
        graph: deleted or renamed-away files), transitively; ``changed`` itself not included."""
        by_name: dict[str, set[str]] = defaultdict(set)
        for path, names in self.imports.items():
            for name in names:
                by_name[name].add(path)
        everything = set(by_name.get(ANY, set()))
        affected: set[str] = set()
        queue = list(dict.fromkeys(changed))
        seen = set(queue)
        while queue:
            current = queue.pop()
            found = set(everything)
            for name in module_names(current, self.packages):
                found |= by_name.get(name, set())
            for path in found - seen:
                seen.add(path)
                affected.add(path)
                queue.append(path)
        return affected - set(changed)

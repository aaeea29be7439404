"""Which modules' pylint messages a change can alter, at the level of top-level names: a finer, still
over-approximating, notion than "every transitive importer" (pipeline/import_graph.py). Read with
``ast`` from the files' text; nothing of the scanned tree is imported or run.

The model. A changed module's top-level statements are compared, base against head, as sequences
of ``ast.dump(stmt)`` (difflib); every statement in a non-equal run, on either side, is *changed*,
and every name a changed statement binds anywhere inside it (assignment and deletion targets, def and
class names, import aliases, ``global``/``nonlocal`` names, the root name of an ``obj.attr = v`` or
``obj[k] = v`` target) is a *changed name* of the module. Every other module is split the same way;
per statement we record what it binds and what it reads: the names it loads (local shadowing
ignored), ``(module, attr)`` for attribute chains on names bound to modules (``import a.b`` then
``a.b.f``: ``(a, b)``, ``(a.b, f)``, ``(a.b.f, *)``), ``(P, n)`` for ``from P import n``, ``(M, *)``
for a module used bare (``(M, *)`` is reached by any affected name of M or of a module below M:
astroid's module getattr falls back to submodules), dotted-name strings (``"a.b.C"`` annotations,
``import_module("a.b")``), and the module names it mentions. A statement is *affected* when it
reads an affected name, a name of an opaque module, or mentions an opaque module; what it binds
becomes affected in its module; ``from P import *`` affected makes its module opaque. This runs to a
fixpoint over the head tree and over the base tree, and a module with an affected statement is linted.

Opaque modules (every name counts as changed, every statement mentioning them is affected): a changed
module that cannot be parsed on either side, whose changed statements use a dynamic construct
(``globals``, ``setattr``, ``__getattr__``, ``sys.modules``...), that is added, deleted or renamed
(its name is part of what every importer's messages say: E0401, wrong-import-order...), or an
``__init__.py`` that mentions ``pkgutil``/``pkg_resources``/``extend_path``/``declare_namespace``
(astroid reads that text to decide namespace packages).

Positions. Two pylint 4.1.4 messages quote another module's line numbers: unpacking-non-sequence and
unbalanced-tuple-unpacking ("defined at line N of M", checkers/variables.py) and method-hidden ("An
attribute defined in M line N hides this method", checkers/classes/class_checker.py). So a statement
whose text is unchanged but whose line numbers moved (something inserted above it) taints its names
at a second, weaker level: the taint flows like a change, but only a statement that unpacks or
defines a class is linted for it (those are the only places such a message can appear). Every other
message about an imported object depends on what it is (its definition), not where it is.

What the model relies on, from astroid: a module's analysis reads another module only through the
names it looks up there (import resolution, ``Module.getattr`` with its submodule fallback,
inference through definitions, class bases and MROs, decorators and call results, which are all
names the reading statement loads or names bound by statements it reads, transitively); the
position of a lookup inside the imported module matters only through the order of that module's own
bindings, which a reordering changes (difflib then reports the moved statements as changed).

Known limit, shared with pylint itself: astroid's ``delayed_assattr`` lets ``obj.attr = v`` in one
module add ``attr`` to a class defined in another module when both are built in the same process, so
a class's members can depend on which other modules that process happened to build. That order
dependence exists in every pylint run (full, parallel, or this partial one); it is not modelled. For
the assignments inside the changed module itself, the root name (``C`` of ``C.attr = v``) counts
as changed, so C's importers are linted.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .import_graph import ANY, absolute_base, import_targets, module_names, prefixes

STAR = "*"  # (M, STAR): module M used bare
STAR_IMPORT = "*import"  # (M, STAR_IMPORT): `from M import *`
# Names whose use in a changed statement means its effect on the module's namespace cannot be read off the text.
DYNAMIC = frozenset({"globals", "locals", "vars", "setattr", "delattr", "exec", "eval", "__import__", "importlib",
                     "__dict__", "__getattr__", "__path__", "modules"})  # modules: sys.modules (any `.modules`)
NAMESPACE_MARKERS = (b"pkgutil", b"pkg_resources", b"extend_path", b"declare_namespace")
CONTENT, POSITION = 2, 1  # taint levels: what a name is changed, or only where it is
MAX_STRING = 300  # longer string constants are prose, not annotations or module names
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# An annotation expression other than a dotted name subscripts or unions one ("list[a.B]", "A | None").
_ANNOTATION = re.compile(r"[\w\]]\s*[\[|]")
# The nodes _Reader and _bound_by look at; ast.walk yields about five times as many.
_READ_TYPES = frozenset({
    ast.Name, ast.Attribute, ast.Subscript, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
    ast.ImportFrom, ast.Global, ast.Nonlocal, ast.MatchAs, ast.MatchStar, ast.MatchMapping, ast.ExceptHandler,
    ast.Constant, ast.Tuple, ast.List, ast.Starred, *([ast.TypeAlias] if hasattr(ast, "TypeAlias") else []),
})


@dataclass
class Statement:
    """One top-level statement of a module: what it binds and what it reads."""

    binds: frozenset[str]
    loads: frozenset[str]  # names read in this module (local shadowing ignored)
    refs: frozenset[tuple[str, str]]  # (dotted module, attribute or STAR)
    mentions: frozenset[str]  # dotted module names it imports or names in strings
    star: bool = False  # `from P import *`: binds what P exports
    positional: bool = False  # unpacks or defines a class: a message may quote an imported object's line


@dataclass
class Module:
    path: str
    statements: list[Statement] | None  # None: unparsable
    # Names the file binds to modules by its imports (anywhere in it): name -> dotted modules. Another
    # module's `X.m.f` (or `from X import m`; `m.f`) reads f of what X's m is: Impact.resolve.
    aliases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The dotted names its imports may load (import_graph.import_targets); ANY when unparsable.
    imports: frozenset[str] = frozenset({ANY})


def _parse(path: str, source: bytes) -> ast.Module | None:
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def binds(node: ast.AST) -> set[str]:
    """Every name ``node`` binds anywhere inside it (over-inclusive: function locals count too)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        _bound_by(sub, names)
    return names


def _bound_by(sub: ast.AST, names: set[str]) -> None:
    """Adds the names the single node ``sub`` binds."""
    if isinstance(sub, ast.Name):
        if not isinstance(sub.ctx, ast.Load):
            names.add(sub.id)
    elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(sub.name)
    elif isinstance(sub, (ast.Import, ast.ImportFrom)):
        for alias in sub.names:
            if alias.name != STAR:
                names.add(alias.asname or alias.name.split(".")[0])
    elif isinstance(sub, (ast.Global, ast.Nonlocal)):
        names.update(sub.names)
    elif isinstance(sub, (ast.Attribute, ast.Subscript)):
        if not isinstance(sub.ctx, ast.Load):
            root = _root_name(sub)  # C.attr = v adds attr to C (astroid's delayed_assattr)
            if root:
                names.add(root)
    elif isinstance(sub, (ast.MatchAs, ast.MatchStar)):
        if sub.name:
            names.add(sub.name)
    elif isinstance(sub, ast.MatchMapping):
        if sub.rest:
            names.add(sub.rest)
    elif isinstance(sub, ast.ExceptHandler):
        if sub.name:
            names.add(sub.name)
    elif type(sub).__name__ == "TypeAlias":  # `type X = ...` (3.12+; this runs on 3.11 too)
        target = getattr(sub, "name", None)
        if isinstance(target, ast.Name):
            names.add(target.id)


def _root_name(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def uses_dynamic(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        word = ""
        if isinstance(sub, ast.Name):
            word = sub.id
        elif isinstance(sub, ast.Attribute):
            word = sub.attr
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
            word = sub.name
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            word = sub.value
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            if any(a.name.split(".")[0] in DYNAMIC for a in sub.names) or (
                    isinstance(sub, ast.ImportFrom) and (sub.module or "").split(".")[0] in DYNAMIC):
                return True
        if word in DYNAMIC:
            return True
    return False


def _chain(node: ast.Attribute) -> tuple[ast.AST, list[str]]:
    attrs: list[str] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        attrs.append(current.attr)
        current = current.value
    return current, attrs[::-1]


class _Reader:
    """Collects one statement's binds and reads in one walk; the attribute chains are resolved against
    the file's module names (``aliases``, known only once every statement is read) by ``statement``."""

    def __init__(self, path: str, aliases: dict[str, set[str]]):
        self.path = path
        self.aliases = aliases  # shared by the file's readers: name -> the modules it may be bound to
        self.binds: set[str] = set()
        self.loads: set[str] = set()
        self.chains: set[tuple[str, tuple[str, ...], bool]] = set()  # (name, attributes, may be bare)
        self.refs: set[tuple[str, str]] = set()
        self.mentions: set[str] = set()
        self.imports: set[str] = set()
        self.positional = False
        self.star = False

    def statement(self) -> Statement:
        refs = set(self.refs)
        for name, attrs, bare in self.chains:
            for module in self.aliases.get(name, ()):
                current = module
                for attr in attrs:
                    refs.add((current, attr))
                    current = f"{current}.{attr}"
                if bare:
                    refs.add((current, STAR))  # the end of the chain may be a module used bare
        return Statement(frozenset(self.binds), frozenset(self.loads), frozenset(refs), frozenset(self.mentions),
                         self.star, self.positional)

    def dotted(self, text: str, depth: int) -> None:
        """A string constant: a dotted name (module or annotation), or an annotation expression."""
        if len(text) > MAX_STRING or "\n" in text:
            return
        if _DOTTED.fullmatch(text):
            # As a module name: astroid loads nothing by string (no brain for import_module), so only the
            # name's existence (an added or deleted module) and the attributes the string spells out count,
            # never the whole module's content (a word such as "data" would otherwise read a package).
            self.mentions.update(prefixes(text))
            pieces = text.split(".")
            self.loads.add(pieces[0])
            attrs = tuple(pieces[1:])
            self.chains.add((pieces[0], attrs, False))
            for i in range(1, len(pieces)):  # "a.b.C" may name module a.b's C without any import of a
                self.refs.add((".".join(pieces[:i]), pieces[i]))
            return
        if depth or not _ANNOTATION.search(text):
            return  # a string inside a parsed string: enough; prose: no annotation
        try:
            expr = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return
        self.visit(expr, depth + 1)

    def visit(self, node: ast.AST, depth: int = 0) -> None:
        done: set[int] = set()  # the nodes of a chain already read (_walk meets the outermost first)
        for sub in _walk(node):
            if type(sub) not in _READ_TYPES:
                continue  # most nodes (calls, operators, contexts...) bind and read nothing by themselves
            if not depth:
                _bound_by(sub, self.binds)
            if isinstance(sub, ast.Attribute):
                if id(sub) in done:
                    continue
                attrs: list[str] = []
                inner: ast.AST = sub
                while isinstance(inner, ast.Attribute):
                    done.add(id(inner))
                    attrs.append(inner.attr)
                    inner = inner.value
                if isinstance(inner, ast.Name):
                    done.add(id(inner))
                    self.loads.add(inner.id)
                    self.chains.add((inner.id, tuple(attrs[::-1]), True))
            elif isinstance(sub, ast.Name):
                if id(sub) not in done and isinstance(sub.ctx, ast.Load):
                    self.loads.add(sub.id)
                    self.chains.add((sub.id, (), True))
            elif isinstance(sub, ast.Import):
                self.imports |= import_targets(self.path, sub)
                for alias in sub.names:
                    self.mentions.update(prefixes(alias.name))
                    if alias.asname:
                        self.aliases[alias.asname].add(alias.name)
                    else:
                        first = alias.name.split(".")[0]
                        self.aliases[first].add(first)
            elif isinstance(sub, ast.ImportFrom):
                self.imports |= import_targets(self.path, sub)
                source = absolute_base(self.path, sub)
                if source:
                    self.mentions.update(prefixes(source))
                    for alias in sub.names:
                        if alias.name == STAR:
                            self.star = True
                            self.refs.add((source, STAR_IMPORT))
                        else:
                            self.refs.add((source, alias.name))
                            self.mentions.add(f"{source}.{alias.name}")
                            self.aliases[alias.asname or alias.name].add(f"{source}.{alias.name}")  # a submodule?
            elif isinstance(sub, ast.Constant):
                if isinstance(sub.value, str):
                    self.dotted(sub.value, depth)
            elif isinstance(sub, ast.ClassDef):
                self.positional = True
            if isinstance(sub, (ast.Tuple, ast.List, ast.Starred)) and isinstance(sub.ctx, ast.Store):
                self.positional = True


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node``, each parent before its children (ast.walk's order differs, not its
    set); a third of ast.walk's time, which goes to its generators of generators."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                todo.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                todo.append(value)


def summarize(path: str, source: bytes) -> Module:
    """The file's top-level statements, what each binds and reads."""
    tree = _parse(path, source)
    if tree is None:
        return Module(path, None)
    aliases: dict[str, set[str]] = defaultdict(set)
    readers = []
    for stmt in tree.body:
        reader = _Reader(path, aliases)
        reader.visit(stmt)
        readers.append(reader)
    return Module(path, [reader.statement() for reader in readers],
                  {name: frozenset(modules) for name, modules in aliases.items()},
                  frozenset().union(*(reader.imports for reader in readers)))


@dataclass(frozen=True)
class ModuleChange:
    """What a change does to one module: the names it changes (or moves), or opaque with the reason."""

    path: str
    changed: frozenset[str] = frozenset()
    moved: frozenset[str] = frozenset()  # unchanged statements whose line numbers differ
    opaque: str = ""  # non-empty: every name counts as changed, for this reason


def _lines(stmt: ast.stmt) -> tuple[int, ...]:
    return tuple(getattr(sub, "lineno", 0) for sub in ast.walk(stmt))


def compare(path: str, before: bytes, after: bytes) -> ModuleChange:
    """The top-level names ``path`` changes between ``before`` (base) and ``after`` (head)."""
    if path.rsplit("/", 1)[-1] == "__init__.py" and any(m in text for m in NAMESPACE_MARKERS for text in (before, after)):
        return ModuleChange(path, opaque="an __init__.py that may declare a namespace package")
    old, new = _parse(path, before), _parse(path, after)
    if old is None or new is None:
        return ModuleChange(path, opaque="cannot be parsed on the " + ("base" if old is None else "head"))
    old_dump = [ast.dump(s, include_attributes=False) for s in old.body]
    new_dump = [ast.dump(s, include_attributes=False) for s in new.body]
    changed: set[str] = set()
    moved: set[str] = set()
    matcher = difflib.SequenceMatcher(None, old_dump, new_dump, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(old.body[i1:i2], new.body[j1:j2], strict=tag == "equal"))
        if tag == "equal":
            for a, b in pairs:
                if _lines(a) != _lines(b):
                    moved |= binds(a)
            continue
        for stmt in (*old.body[i1:i2], *new.body[j1:j2]):
            if uses_dynamic(stmt):
                return ModuleChange(path, opaque="a changed statement uses a dynamic construct")
            changed |= binds(stmt)
    return ModuleChange(path, frozenset(changed), frozenset(moved - changed))


@dataclass
class Impact:
    """One tree (head or base): its modules, and which files answer to which dotted names."""

    modules: Mapping[str, Module]
    packages: frozenset[str] = frozenset()
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # dotted -> paths
    below: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # dotted -> paths at or under it
    with_all: set[str] = field(default_factory=set)  # modules that bind __all__ (or cannot be parsed)
    _resolved: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path, module in self.modules.items():
            for name in module_names(path, self.packages):
                self.by_name[name].add(path)
                for prefix in prefixes(name):
                    self.below[prefix].add(path)
            if module.statements is None or any("__all__" in s.binds for s in module.statements):
                self.with_all.add(path)

    def files(self, dotted: str) -> set[str]:
        """The files a dotted name may denote: the module itself, or a module another module's import
        bound to that name (``X.m`` after ``import a.b as m`` in X is a.b)."""
        return {p for name in self.resolve(dotted) for p in self.by_name.get(name, ())}

    def resolve(self, dotted: str) -> set[str]:
        """``dotted`` and every module name it may stand for through the import aliases of the
        modules along it (re-exports of modules), followed to a fixpoint. Finite: every target is a
        module of the tree followed by a tail of ``dotted``'s pieces."""
        cached = self._resolved.get(dotted)
        if cached is not None:
            return cached
        found = {dotted}
        queue = [dotted]
        while queue:
            name = queue.pop()
            pieces = name.split(".")
            for i in range(1, len(pieces)):
                for path in self.by_name.get(".".join(pieces[:i]), ()):
                    for module in self.modules[path].aliases.get(pieces[i], ()):
                        if module not in self.below:
                            # Not a module of this tree (`from .v import v` binds v to a variable, not to
                            # a submodule `pkg.v.v`): its reads flow through name taint, and following it
                            # would grow `pkg.v.v.v...` without end.
                            continue
                        target = ".".join([module, *pieces[i + 1:]])
                        if target not in found:
                            found.add(target)
                            queue.append(target)
        self._resolved[dotted] = found
        return found

    def linted(self, changes: Iterable[ModuleChange], opaque_names: Collection[str] = (),
               explain: dict[str, str] | None = None) -> set[str]:
        """The modules with an affected statement; ``opaque_names``: dotted names of opaque modules that
        are not in this tree (deleted, or renamed away), whose mentions are affected all the same;
        ``explain``, when given, receives the first reason each module is linted."""
        state = _Propagation(self, set(opaque_names))
        for change in changes:
            if change.opaque:
                state.make_opaque(change.path)
                state.mentioned_opaque |= module_names(change.path, self.packages)
            for name in change.changed:
                state.taint_name(change.path, name, CONTENT)
            for name in change.moved:
                state.taint_name(change.path, name, POSITION)
        if not (state.opaque or state.any_taint):
            return set()
        result = {p for p, m in self.modules.items() if m.statements is None}  # it depends on everything
        # Repeat until nothing more is tainted: each round is linear in the statements, and a round
        # that changes nothing ends it (levels only rise, so it ends).
        stmt_level: dict[tuple[str, int], int] = {}
        progress = True
        while progress:
            progress = False
            for path, module in self.modules.items():
                for index, stmt in enumerate(module.statements or ()):
                    level = state.level(path, stmt)
                    if level <= stmt_level.get((path, index), 0):
                        continue
                    stmt_level[(path, index)] = level
                    progress = True
                    if explain is not None and path not in explain:
                        explain[path] = state.cause(path, stmt)
                    if level == CONTENT or stmt.positional:
                        result.add(path)
                    if stmt.star and level == CONTENT:
                        state.make_opaque(path)  # it binds names nobody can list
                    for name in stmt.binds:
                        state.taint_name(path, name, level)
        return result


@dataclass
class _Propagation:
    """The taint of every module's names during one fixpoint."""

    tree: Impact
    mentioned_opaque: set[str]
    taint: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))  # path -> name -> level
    opaque: set[str] = field(default_factory=set)
    any_taint: dict[str, int] = field(default_factory=dict)  # path -> highest level of any of its names

    def make_opaque(self, path: str) -> None:
        self.opaque.add(path)
        self.any_taint[path] = CONTENT

    def taint_name(self, path: str, name: str, level: int) -> None:
        names = self.taint[path]
        if names.get(name, 0) < level:
            names[name] = level
            self.any_taint[path] = max(self.any_taint.get(path, 0), level)
            if name == "__getattr__" and level == CONTENT:
                self.make_opaque(path)  # a module __getattr__ (PEP 562) may answer for any name

    def level_of(self, path: str, name: str) -> int:
        return CONTENT if path in self.opaque else self.taint.get(path, {}).get(name, 0)

    def star_level(self, dotted: str) -> int:
        """A module used bare: any of its names, or of a module below it (getattr falls back to submodules)."""
        return max((self.any_taint.get(p, 0) for name in self.tree.resolve(dotted)
                    for p in self.tree.below.get(name, ())), default=0)

    def star_import_level(self, dotted: str) -> int:
        """``from M import *``: the names it may bind (astroid's wildcard_import_names): the public
        ones, or with ``__all__`` any name and any submodule it lists."""
        level = 0
        for path in self.tree.files(dotted):
            if path in self.opaque or path in self.tree.with_all:
                level = max(level, self.star_level(dotted))
            else:
                level = max(level, *(t for n, t in self.taint.get(path, {}).items() if not n.startswith("_")), 0)
        return level

    def ref_level(self, dotted: str, attr: str) -> int:
        if attr == STAR:
            return self.star_level(dotted)
        if attr == STAR_IMPORT:
            return self.star_import_level(dotted)
        if f"{dotted}.{attr}" in self.mentioned_opaque:
            return CONTENT
        return max((self.level_of(p, attr) for p in self.tree.files(dotted)), default=0)

    def level(self, path: str, stmt: Statement) -> int:
        if not self.mentioned_opaque.isdisjoint(stmt.mentions):
            return CONTENT
        level = max((self.level_of(path, n) for n in stmt.loads), default=0)
        for dotted, attr in stmt.refs:
            if level == CONTENT:
                break
            level = max(level, self.ref_level(dotted, attr))
        return level

    def cause(self, path: str, stmt: Statement) -> str:
        """Why a statement is affected, for a reader of the scope (the first reason found)."""
        for mention in sorted(stmt.mentions & self.mentioned_opaque):
            return f"mentions {mention}"
        for name in sorted(stmt.loads):
            if self.level_of(path, name):
                return f"reads {name}"
        for dotted, attr in sorted(stmt.refs):
            if self.ref_level(dotted, attr):
                return f"reads {dotted}.{attr}"
        return "?"


@dataclass(frozen=True)
class Scope:
    """The outcome for PR mode: the modules whose messages the change may alter (changed ones included)."""

    linted: frozenset[str]
    changes: tuple[ModuleChange, ...]

    @property
    def opaque(self) -> tuple[ModuleChange, ...]:
        return tuple(c for c in self.changes if c.opaque)


def summarize_all(sources: Mapping[str, bytes]) -> dict[str, Module]:
    return {path: summarize(path, text) for path, text in sources.items()}


def scope(head: Mapping[str, bytes], base: Mapping[str, bytes], modified: Mapping[str, str],
          opaque_paths: Mapping[str, str], packages: Collection[str] = (),
          head_modules: Mapping[str, Module] | None = None) -> Scope:
    """``head``/``base``: every Python file of each tree; ``modified``: head path -> base path of the
    modules changed in place (same path); ``opaque_paths``: path (head or base side) -> why it is opaque
    (added, deleted, renamed); ``head_modules``: ``summarize_all(head)`` when the caller has it.
    Raises RecursionError on ASTs too deep to dump: the caller falls back."""
    changes = [compare(path, base[old], head[path]) for path, old in modified.items()]
    changes += [ModuleChange(path, opaque=why) for path, why in opaque_paths.items()]
    packs = frozenset(packages)
    every_opaque: set[str] = set()
    for change in changes:
        if change.opaque:
            every_opaque |= module_names(change.path, packs)
    linted: set[str] = set()
    if head_modules is None:
        head_modules = summarize_all(head)
    for tree in (head, base):
        # The base tree's unchanged files are the head's: read once.
        modules = {p: head_modules[p] if tree is base and head.get(p) == text else summarize(p, text)
                   for p, text in tree.items()} if tree is base else head_modules
        impact = Impact(modules, packs)
        linted |= impact.linted([c for c in changes if c.path in tree], every_opaque)
    return Scope(frozenset(linted), tuple(changes))

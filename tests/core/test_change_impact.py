"""Name-level change impact (pipeline/change_impact.py): which importers' pylint messages a change can
alter. The model on small trees, then its soundness against real pylint: every file whose messages a
change alters must be in PR mode's scope."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import change_impact, import_graph, pr_mode
from pipeline import changes as changes_mod
from pipeline.files import FileSet
from tests.support import REPO, git_init, write_tree
from tests.support import git as _git


def _dependents(base: Mapping[str, str], edits: Mapping[str, str | None]) -> set[str]:
    """The modules the model lints beyond the changed ones; ``edits``: path -> head text (None: deleted)."""
    head = {p: t for p, t in {**base, **edits}.items() if t is not None}
    head_b = {p: t.encode() for p, t in head.items()}
    base_b = {p: t.encode() for p, t in base.items()}
    modified = {p: p for p in edits if p in base and p in head}
    opaque = {p: "added" for p in edits if p not in base}
    opaque |= {p: "deleted" for p in edits if p not in head}
    packages = {p.rsplit("/", 1)[0] for p in head if p.endswith("/__init__.py")}
    found = change_impact.scope(head_b, base_b, modified, opaque, packages)
    return set(found.linted) - set(edits)


TREE = {
    "pkg/__init__.py": "",
    "pkg/m.py": "def f():\n    return 1\n\n\ndef other():\n    return 2\n\n\nclass Base:\n    pass\n\n\nPAIR = (1, 2)\n",
    "pkg/direct.py": "from pkg.m import f\n\n\ndef use():\n    return f()\n",
    "pkg/attr.py": "import pkg.m\n\n\ndef use():\n    return pkg.m.f()\n",
    "pkg/alias.py": "from pkg import m as mm\n\nV = mm.f()\n",  # a submodule bound by from-import
    "pkg/reexport.py": "from pkg.m import f\n",
    "pkg/chain.py": "from pkg.reexport import f\n\nZ = f\n",
    "pkg/call_result.py": "from pkg.m import f\n\nRESULT = f()\n\n\ndef helper():\n    return 0\n",
    "pkg/uses_result.py": "from pkg.call_result import RESULT\n\nprint(RESULT)\n",
    "pkg/uses_helper.py": "from pkg.call_result import helper\n\nprint(helper())\n",
    "pkg/inherit.py": "from pkg.m import Base\n\n\nclass Child(Base):\n    pass\n\n\ndef plain():\n    return 1\n",
    "pkg/uses_child.py": "from pkg.inherit import Child\n\nC = Child()\n",
    "pkg/uses_plain.py": "from pkg.inherit import plain\n\nP = plain()\n",
    "pkg/other_user.py": "from pkg.m import other\n\nO = other()\n",
    "pkg/star.py": "from pkg.m import *\n\n\ndef g():\n    return 1\n",
    "pkg/uses_star.py": "from pkg.star import g\n\nG = g()\n",
    "pkg/unpack.py": "from pkg.m import PAIR\n\nA, B = PAIR\n",
    "pkg/plain_pair.py": "from pkg.m import PAIR\n\nprint(PAIR)\n",
    "pkg/late.py": "from pkg import newmod\n\nN = newmod\n",
    "pkg/by_string.py": "import importlib\n\nMOD = importlib.import_module('pkg.dynamic')\n",
    "pkg/annotated.py": "import pkg.m\n\n\ndef h(x: 'pkg.m.Base') -> 'list[pkg.m.Base]':\n    return [x]\n",
    "pkg/no_m.py": "import json\n\nJ = json.dumps(1)\n",
}
F_BODY = TREE["pkg/m.py"].replace("return 1", "return 'one'")
M_READERS = {"pkg/direct.py", "pkg/attr.py", "pkg/alias.py", "pkg/reexport.py", "pkg/chain.py",
             "pkg/call_result.py", "pkg/uses_result.py"}


def test_an_appended_private_function_affects_no_importer():
    assert _dependents(TREE, {"pkg/m.py": TREE["pkg/m.py"] + "\n\ndef _private():\n    return 3\n"}) == set()


def test_a_changed_function_body_affects_exactly_the_modules_that_read_it():
    found = _dependents(TREE, {"pkg/m.py": F_BODY})
    # Directly, through `import pkg.m; pkg.m.f`, a from-imported submodule, a re-export chain, a
    # module-level call result and who reads that; `from pkg.m import *` makes star.py opaque.
    assert found == M_READERS | {"pkg/star.py", "pkg/uses_star.py"}
    # Never: a reader of another name of m, the importers of call_result's unrelated helper, the class
    # hierarchy (Base did not change), an unpacking of an unmoved PAIR, modules that never mention m.
    assert not found & {"pkg/other_user.py", "pkg/uses_helper.py", "pkg/inherit.py", "pkg/uses_child.py",
                        "pkg/unpack.py", "pkg/no_m.py", "pkg/annotated.py"}


def test_a_changed_base_class_reaches_the_subclasses_and_their_readers_only():
    found = _dependents(TREE, {"pkg/m.py": TREE["pkg/m.py"].replace("class Base:\n    pass", "class Base:\n    x = 1")})
    assert {"pkg/inherit.py", "pkg/uses_child.py", "pkg/annotated.py"} <= found  # the string annotation too
    assert "pkg/uses_plain.py" not in found and not found & M_READERS


def test_moved_lines_reach_unpackings_only():
    # A statement inserted above PAIR moves it: unbalanced-tuple-unpacking quotes "defined at line N of pkg.m".
    found = _dependents(TREE, {"pkg/m.py": "LIMIT = 3\n" + TREE["pkg/m.py"]})
    assert "pkg/unpack.py" in found
    assert not found & {"pkg/plain_pair.py", "pkg/other_user.py", "pkg/direct.py"}


@pytest.mark.parametrize("text, why", [
    (TREE["pkg/m.py"] + "\nglobals()['late'] = 1\n", "a changed statement uses a dynamic construct"),
    (TREE["pkg/m.py"] + "\ndef broken(:\n", "cannot be parsed on the head"),
    (TREE["pkg/m.py"] + "\n\ndef __getattr__(name):\n    return name\n", "a changed statement uses a dynamic construct"),
])
def test_an_opaque_change_affects_every_module_that_reads_the_module(text: str, why: str):
    change = change_impact.compare("pkg/m.py", TREE["pkg/m.py"].encode(), text.encode())
    assert change.opaque == why
    found = _dependents(TREE, {"pkg/m.py": text})
    assert M_READERS | {"pkg/other_user.py", "pkg/inherit.py", "pkg/unpack.py"} <= found
    assert "pkg/no_m.py" not in found and "pkg/uses_plain.py" not in found


def test_a_deleted_module_reaches_every_statement_that_names_it():
    found = _dependents(TREE, {"pkg/m.py": None})
    assert M_READERS | {"pkg/other_user.py", "pkg/inherit.py", "pkg/annotated.py"} <= found
    assert "pkg/no_m.py" not in found


def test_a_namespace_package_init_is_opaque():
    change = change_impact.compare("pkg/__init__.py", b"", b"__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n")
    assert change.opaque
    found = _dependents(TREE, {"pkg/__init__.py": "import pkgutil\n"})
    assert {"pkg/alias.py", "pkg/late.py"} <= found  # `from pkg import ...` reads the package's names


def test_a_new_module_reaches_the_importer_that_named_it_before_it_existed():
    # pkg/late.py had E0401 (no pkg.newmod); the added module resolves it. by_string names pkg.dynamic.
    assert _dependents(TREE, {"pkg/newmod.py": "X = 1\n"}) == {"pkg/late.py"}
    assert _dependents(TREE, {"pkg/dynamic.py": "X = 1\n"}) == {"pkg/by_string.py"}


def test_a_module_re_exported_under_a_name_is_followed():
    tree = {
        "pkg/__init__.py": "", "pkg/m.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
        "pkg/hub.py": "import pkg.m as mod\nfrom pkg import m as sub\n",  # two names for the module pkg.m
        "pkg/via_from.py": "from pkg.hub import mod\n\nW = mod.f()\n",
        "pkg/via_attr.py": "import pkg.hub\n\nW = pkg.hub.sub.f()\n",
        "pkg/reads_g.py": "from pkg.hub import mod\n\nW = mod.g()\n",
    }
    found = _dependents(tree, {"pkg/m.py": tree["pkg/m.py"].replace("return 1", "return 'one'")})
    assert found == {"pkg/via_from.py", "pkg/via_attr.py"}


def test_a_variable_named_like_its_module_is_not_followed_as_a_submodule():
    # requests/__init__.py's `from .__version__ import __version__`: the alias names pkg.v.v, no module.
    # Followed as one, pkg.v resolved to pkg.v.v, pkg.v.v.v, ... without end (pip's planning hung on it).
    tree = {
        "pkg/__init__.py": "from .v import v\n", "pkg/v.py": "v = '1.0'\nw = 2\n",
        "pkg/reads_v.py": "import pkg.v\n\nprint(pkg.v.v)\n", "pkg/reads_w.py": "import pkg.v\n\nprint(pkg.v.w)\n",
    }
    impact = change_impact.Impact({p: change_impact.summarize(p, t.encode()) for p, t in tree.items()},
                                  frozenset({"pkg"}))
    assert impact.resolve("pkg.v.v") == {"pkg.v.v"}
    # pkg.v in both readers is the package's attribute v, the re-exported string: both may change.
    assert _dependents(tree, {"pkg/v.py": "v = '2.0'\nw = 2\n"}) == {"pkg/__init__.py", "pkg/reads_v.py",
                                                                    "pkg/reads_w.py"}


def test_names_a_statement_binds_and_reads():
    source = (b"import a.b.c\nimport d.e as m\nfrom .sib import n as k\n"
              b"X = a.b.c.f(m.g, k.h, 'q.r.S')\n")
    module = change_impact.summarize("pkg/mod.py", source)
    assert module.statements is not None
    last = module.statements[-1]
    assert last.binds == {"X"}
    assert {("a", "b"), ("a.b", "c"), ("a.b.c", "f"), ("d.e", "g"), ("pkg.sib.n", "h"), ("q", "r"), ("q.r", "S")} <= last.refs
    assert {"a", "m", "k", "q"} <= last.loads
    assert "q.r.S" in last.mentions
    # What a changed statement binds: targets anywhere inside, the root of an attribute store.
    assert change_impact.binds(change_impact.ast.parse("for i in x:\n    C.attr = 1\n    del y\n")) == {"i", "C", "y"}


# --- soundness against real pylint ------------------------------------------------------------------------
PYLINTRC = REPO / "pipeline" / "data" / "pylintrc"
SHAPES = '''"""Shapes."""


class Shape:
    """A shape."""

    sides = 0

    def area(self):
        """Area."""
        return self.sides


def make():
    """A shape."""
    return Shape()


PAIR = (1, 2)


def helper(value):
    """Helper."""
    return value
'''
SOUND_TREE = {
    "pyproject.toml": "[tool.secure-pipeline]\nrun = [\"lint\"]\n",
    "pkg/__init__.py": '"""Package."""\n',
    "pkg/shapes.py": SHAPES,
    "pkg/use_shape.py": ('"""Uses."""\nfrom pkg.shapes import make\n\n\ndef perimeter():\n    """P."""\n'
                         '    return make().perimeter()\n'),
    "pkg/use_pair.py": '"""Unpacks."""\nfrom pkg.shapes import PAIR\n\nFIRST, SECOND, THIRD = PAIR\n',
    "pkg/use_helper.py": '"""Calls."""\nfrom pkg import shapes\n\nVALUE = shapes.helper(1, 2)\n',
    "pkg/only_helper.py": '"""Calls."""\nfrom pkg.shapes import helper\n\nprint(helper(1))\n',
    "pkg/child.py": ('"""Child."""\nfrom pkg.shapes import Shape\n\n\nclass Square(Shape):\n    """Square."""\n\n'
                     '    def area(self):\n        """Area."""\n        return 4\n'),
    "pkg/reexport.py": '"""Re-exports."""\nfrom pkg.shapes import make as build\n\n__all__ = ["build"]\n',
    "pkg/via_reexport.py": '"""Via."""\nfrom pkg.reexport import build\n\nX = build().missing\n',
    "pkg/wants_extra.py": '"""Wants."""\nfrom pkg import extra\n\nprint(extra)\n',
    "pkg/unrelated.py": '"""Unrelated."""\nimport json\n\nprint(json.dumps(1))\n',
}
SOUND_EDITS: dict[str, dict[str, str | None]] = {
    "method added": {"pkg/shapes.py": SHAPES.replace("    def area(self):", "    def perimeter(self):\n"
                                                      "        \"\"\"P.\"\"\"\n        return 0\n\n    def area(self):")},
    "statement inserted above PAIR": {"pkg/shapes.py": SHAPES.replace('"""Shapes."""\n', '"""Shapes."""\nLIMIT = 3\n')},
    "signature changed": {"pkg/shapes.py": SHAPES.replace("def helper(value):", "def helper(value, other):")},
    "return value changed": {"pkg/shapes.py": SHAPES.replace("return Shape()", "return None")},
    "private function appended": {"pkg/shapes.py": SHAPES + "\n\ndef _private():\n    return 1\n"},
    "overridden method's signature changed": {"pkg/shapes.py": SHAPES.replace("def area(self):", "def area(self, scale):")},
    "module added": {"pkg/extra.py": '"""Extra."""\n'},
    "module deleted": {"pkg/reexport.py": None},
}


def _messages(root: Path) -> dict[str, set[tuple[object, ...]]]:
    """Every file's pylint messages over the whole tree (one process, the harness's rcfile)."""
    python = sorted(FileSet(root).python)
    proc = subprocess.run([sys.executable, "-m", "pylint", f"--rcfile={PYLINTRC}", "--persistent=n",
                           "--output-format=json", "--disable=duplicate-code,cyclic-import", "--", *python],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode < 32, proc.stderr
    found: dict[str, set[tuple[object, ...]]] = {p: set() for p in python}
    for message in json.loads(proc.stdout or "[]"):
        found.setdefault(message["path"], set()).add((message["line"], message["column"], message["symbol"],
                                                      message["message"]))
    return found


@dataclass
class _Pylint:
    name: str = "pylint"
    stage: str = "lint"
    pr_scope: str = pr_mode.IMPORTERS


def test_every_file_whose_pylint_messages_change_is_in_the_scope(tmp_path: Path):
    root = write_tree(tmp_path / "repo", SOUND_TREE)
    git_init(root)
    _git(root, "branch", "-M", "main")
    before = _messages(root)
    spared = {}
    for name, edits in SOUND_EDITS.items():
        for rel, text in edits.items():
            if text is None:
                (root / rel).unlink()
            else:
                (root / rel).write_text(text)
        after = _messages(root)
        differ = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
        files = FileSet(root)
        change = changes_mod.compute(root, "main", files.all)
        scope = pr_mode.plan(root, change, files, changes_mod.base_tree(root, change.base_commit),
                             [_Pylint()], {}).scopes["pylint"]
        assert differ - set(edits) - set(scope.files or ()) == set(), (name, scope)
        assert differ or name == "private function appended", f"{name}: the edit changes no message, it tests nothing"
        spared[name] = scope.spared
        _git(root, "checkout", "-q", "--", ".")
        _git(root, "clean", "-qfd")
    # The model narrows: the plain importers of shapes.py are every pkg module but unrelated/wants_extra.
    assert spared["private function appended"] == 7
    assert all(spared[name] > 0 for name in ("method added", "signature changed", "statement inserted above PAIR"))


def _plan_scope(root: Path) -> pr_mode.ToolScope:
    files = FileSet(root)
    change = changes_mod.compute(root, "main", files.all)
    return pr_mode.plan(root, change, files, changes_mod.base_tree(root, change.base_commit),
                        [_Pylint()], {}).scopes["pylint"]


def test_the_source_of_a_copy_is_not_a_change_but_a_folder_gaining_its_init_renames_its_modules(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "pkg/__init__.py": "", "pkg/m.py": "X = 1\n", "pkg/user.py": "from pkg import m\n\nprint(m.X)\n",
        "lib/util.py": "Y = 1\n", "app.py": "from lib import util\n\nprint(util.Y)\n",
    })
    git_init(root)
    _git(root, "branch", "-M", "main")
    # An empty news entry: byte-identical to the empty pkg/__init__.py, so git's view calls it a copy of it.
    (root / "news.rst").write_text("")
    scope = _plan_scope(root)
    assert scope.dependents == () and scope.spared == 1  # pkg/user.py imports pkg, and nothing changed in it
    # lib/ gains an __init__.py: lib.util is now a package's module (a rename for every importer).
    (root / "lib/__init__.py").write_text("")
    assert "app.py" in _plan_scope(root).dependents


def test_the_summaries_give_the_import_graph_its_own_parse_gives():
    # PR mode builds the import graph from the summaries (one parse per file): the same edges on every
    # file of this repository, and on files that cannot be parsed (they import everything).
    sources = {p: (REPO / p).read_bytes() for p in FileSet(REPO).python}
    assert len(sources) > 100
    sources |= {"broken.py": b"def f(:\n", "nul.py": b"x = 1\0\n", "deep.py": b"x = " + b"(" * 5000 + b")" * 5000}
    for path, text in sources.items():
        assert change_impact.summarize(path, text).imports == import_graph.imported_names(path, text), path

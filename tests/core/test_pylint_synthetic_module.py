"""pylint ties some messages to no file: astroid's synthetic module of a lazily built package.

Found on pypa/pip, whose vendored pygments replaces its `formatters` module in sys.modules with a
lazy one: pylint reports E0603 undefined-all-variable with the path "configuration", which the
adapter took for a file it was never given and made the whole lint stage an error.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.adapters.pylint import Pylint
from pipeline.config import stage_config
from pipeline.files import FileSet
from pipeline.model import Status
from pipeline.scanner import ScanContext
from tests.support import write_tree

LAZY = '''\
"""Formatters built on first use, the way pygments.formatters is."""
import sys
import types

from pkg._mapping import FORMATTERS

__all__ = ["get_formatter_by_name"] + list(FORMATTERS)


def get_formatter_by_name(name):
    return FORMATTERS[name]


class _LazyModule(types.ModuleType):
    def __getattr__(self, name):
        if name in FORMATTERS:
            return FORMATTERS[name]
        raise AttributeError(name)


old = sys.modules[__name__]
new = _LazyModule(__name__)
new.__dict__.update(old.__dict__)
sys.modules[__name__] = new
'''


def _scan(root: Path, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    ctx = ScanContext(root=root, stage="lint", stage_config=stage_config("lint", {"pylint_jobs": 1}),
                      files=FileSet(root), work_dir=work, timeout=300, artifacts_dir=tmp_path / "out")
    return Pylint().scan(ctx)


def test_a_message_on_astroids_synthetic_module_is_kept_without_a_location(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "pkg/__init__.py": "",
        "pkg/_mapping.py": 'FORMATTERS = {"HtmlFormatter": ("pkg.html", "HTML")}\n',
        "pkg/formatters.py": LAZY,
    }, dedent=False)
    out = _scan(root, tmp_path)
    assert out.run.status is Status.PASSED, out.run.error
    [synthetic] = [f for f in out.findings if f.rule_name == "undefined-all-variable"]
    assert synthetic.location.path is None and synthetic.location.line is None
    assert "HtmlFormatter" in synthetic.message
    assert any("astroid built itself" in note for note in out.run.details["notes"])
    assert out.run.details["files_scanned"] == 3  # coverage still comes from the evidence plugin

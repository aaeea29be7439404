"""pylint ties some messages to no file: astroid's synthetic module of a lazily built package.

Found on pypa/pip, whose vendored pygments replaces its `formatters` module in sys.modules with a
lazy one: pylint reports E0603 undefined-all-variable with the path "configuration", which the
adapter took for a file it was never given and made the whole lint stage an error. Then such a
message had no location, so the result cache could not store pylint's results at all: every warm
run on pip linted everything again. The evidence plugin now records the file being linted when the
message was raised, and the finding is reported on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.adapters.pylint import Pylint
from pipeline.config import stage_config
from pipeline.files import FileSet
from pipeline.model import Status
from pipeline.result_cache import ResultCache
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


TREE = {
    "pkg/__init__.py": "",
    "pkg/_mapping.py": 'FORMATTERS = {"HtmlFormatter": ("pkg.html", "HTML")}\n',
    "pkg/formatters.py": LAZY,
    # Enough other modules that two processes really share the work.
    **{f"pkg/mod{n}.py": f"from pkg import formatters\n\nNAME{n} = formatters.get_formatter_by_name\n" for n in range(9)},
}


def _scan(root: Path, tmp_path: Path, jobs: int, cache: ResultCache | None = None, name: str = "work"):
    work = tmp_path / name
    work.mkdir()
    ctx = ScanContext(root=root, stage="lint", stage_config=stage_config("lint", {"pylint_jobs": jobs}),
                      files=FileSet(root), work_dir=work, timeout=300, artifacts_dir=tmp_path / "out", cache=cache)
    return Pylint().scan(ctx)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_message_on_astroids_synthetic_module_is_reported_on_the_file_being_linted(tmp_path: Path, jobs: int):
    root = write_tree(tmp_path / "repo", TREE, dedent=False)
    out = _scan(root, tmp_path, jobs)
    assert out.run.status is Status.PASSED, out.run.error
    assert out.run.details["jobs"] == jobs
    [synthetic] = [f for f in out.findings if f.rule_name == "undefined-all-variable"]
    assert synthetic.location.path == "pkg/formatters.py" and synthetic.location.line is None
    assert "HtmlFormatter" in synthetic.message
    assert any("astroid built itself" in note for note in out.run.details["notes"])
    assert out.run.details["files_scanned"] == len(TREE)  # coverage still comes from the evidence plugin


def test_a_tree_with_such_a_message_is_cached_and_replayed_exactly(tmp_path: Path):
    root = write_tree(tmp_path / "repo", TREE, dedent=False)
    cache = ResultCache.open(tmp_path / "cache")
    cold = _scan(root, tmp_path, 2, cache, "cold")
    warm = _scan(root, tmp_path, 2, cache, "warm")
    assert cold.run.status is warm.run.status is Status.PASSED, (cold.run.error, warm.run.error)
    assert warm.run.details["cache"] == f"{len(TREE)} of {len(TREE)} files from cache"
    assert [f.to_dict() for f in warm.findings] == [f.to_dict() for f in cold.findings]


# Two copies of the package (a vendored library twice, or the benchmark's grown tree): both raise the
# same message on their own synthetic module, which json2 prints twice with no path. Keyed on the id
# alone, neither could be placed and the cache stored nothing (the benchmark's 2x warm run linted all).
TWO_COPIES = {**TREE, **{path.replace("pkg/", "other/", 1): text.replace("pkg.", "other.").replace("from pkg ", "from other ")
                         for path, text in TREE.items()}}


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_same_message_from_two_files_goes_to_each_and_is_cached(tmp_path: Path, jobs: int):
    root = write_tree(tmp_path / "repo", TWO_COPIES, dedent=False)
    cache = ResultCache.open(tmp_path / "cache")
    out = _scan(root, tmp_path, jobs, cache)
    assert out.run.status is Status.PASSED, out.run.error
    synthetic = sorted(f.location.path or "" for f in out.findings if f.rule_name == "undefined-all-variable")
    assert synthetic == ["other/formatters.py", "pkg/formatters.py"]
    again = _scan(root, tmp_path, jobs, cache, name="again")
    assert again.run.details["cache"] == f"{len(TWO_COPIES)} of {len(TWO_COPIES)} files from cache"
    assert sorted(f.to_dict()["fingerprint"] for f in again.findings) == sorted(f.to_dict()["fingerprint"] for f in out.findings)

"""What a branch changes relative to its base: files and lines, read from git objects only."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import changes, git
from pipeline.files import FileSet
from tests.support import commit_all as _commit
from tests.support import git as _git
from tests.support import feature_branch, write_tree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", {
        "app/views.py": "import os\n\n\ndef index():\n    return 'hi'\n",
        "app/models.py": "class User:\n    pass\n",
        "old_name.py": "X = 1\n",
        "gone.py": "Y = 2\n",
        "data.bin": "",
    })
    (root / "data.bin").write_bytes(b"\x00\xff\x00binary\n")
    feature_branch(root)
    return root


def test_modified_added_renamed_deleted_and_uncommitted_lines(repo: Path):
    (repo / "app/views.py").write_text("import os\nimport subprocess\n\n\ndef index():\n    return 'hello'\n")
    _git(repo, "mv", "old_name.py", "new_name.py")
    _git(repo, "rm", "-q", "gone.py")
    (repo / "app/new.py").write_text("A = 1\nB = 2\n")
    _commit(repo, "feature")
    (repo / "app/models.py").write_text("class User:\n    name = 'x'\n")  # not committed: the tree on disk counts
    (repo / "data.bin").write_bytes(b"\x00\xfe\x00binary\n")

    change = changes.compute(repo, "main", FileSet(repo).all)

    assert set(change.paths) == {"app/views.py", "app/new.py", "new_name.py", "app/models.py", "data.bin"}
    assert change.lines("app/views.py") == {2, 6}
    assert change.lines("app/models.py") == {2}
    assert change.changed["app/new.py"].added and change.lines("app/new.py") == {1, 2, 3}
    assert change.changed["new_name.py"].base_path == "old_name.py" and change.lines("new_name.py") == frozenset()
    assert change.deleted == ("gone.py",)
    assert change.lines("data.bin") == {1}
    assert change.base_commit == _git(repo, "rev-parse", "main").strip()


def test_the_base_is_the_merge_base_not_the_moving_base_branch(repo: Path):
    (repo / "app/models.py").write_text("class User:\n    pass\n\n\nclass Admin(User):\n    pass\n")
    _commit(repo, "feature work")
    fork = _git(repo, "merge-base", "main", "HEAD").strip()
    _git(repo, "checkout", "-q", "main")
    (repo / "app/views.py").write_text("def other():\n    return 1\n")
    _commit(repo, "main moves on")
    _git(repo, "checkout", "-q", "feature")

    change = changes.compute(repo, "main", FileSet(repo).all)

    assert change.base_commit == fork
    assert change.paths == ("app/models.py",)  # main's own later edit of views.py is not this change


def test_unknown_base_is_a_clear_error(repo: Path):
    with pytest.raises(git.GitError, match="cannot resolve 'nope'.*fetch-depth: 0"):
        changes.compute(repo, "nope", FileSet(repo).all)
    with pytest.raises(git.GitError):
        changes.compute(repo, "--output=/tmp/x", FileSet(repo).all)


def test_the_repository_configuration_runs_nothing(repo: Path, tmp_path: Path):
    """A crafted .git/config (fsmonitor, hooks, external diff, textconv, clean filters) never runs."""
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\ncat\n")
    script.chmod(0o755)
    for key in ("core.fsmonitor", "diff.external", "diff.evil.textconv", "filter.evil.clean", "filter.evil.smudge",
                "core.pager"):
        _git(repo, "config", key, str(script))
    hooks = repo / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "reference-transaction", "post-index-change"):
        (hooks / hook).write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        (hooks / hook).chmod(0o755)
    (repo / ".gitattributes").write_text("*.py diff=evil filter=evil\n")
    (repo / "app/views.py").write_text("import os\n")
    marker.unlink(missing_ok=True)

    files = FileSet(repo).all
    change = changes.compute(repo, "main", files)

    assert "app/views.py" in change.paths and ".gitattributes" in change.paths
    assert not marker.exists(), marker.read_text()


def test_restricted_file_set_keeps_order_and_selection(repo: Path):
    files = FileSet(repo, exclude=["gone.py"])
    subset = files.restricted(["app/views.py", "gone.py", "missing.py", "app/models.py"])
    assert subset.all == ["app/models.py", "app/views.py"]
    assert subset.python == ["app/models.py", "app/views.py"]


def test_blob_ids_match_git(repo: Path):
    for rel in ("app/views.py", "data.bin"):
        assert git.blob_id((repo / rel).read_bytes()) == _git(repo, "hash-object", "--no-filters", rel).strip()

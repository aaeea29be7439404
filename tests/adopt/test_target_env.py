"""pylint and the scanned repository's dependencies (issue 11, "the target's imports").

Shaped like miguelgrinberg/microblog: a requirements-only Flask app importing flask, flask_login and
`sqlalchemy as sa` beside its own `app.*` modules. Without the target's environment its third-party
import errors become one note and do not block, while an import of its own module that does not
exist still does; with a real venv (made by uv from the registry) they resolve, and a dependency
missing from that venv is a finding again; a hostile venv runs nothing. Real pylint throughout.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from adopt_helpers import uv

from pipeline.errors import ConfigError
from pipeline.init import python_env_choice
from pipeline.init_detect import detect
from pipeline.target_env import ENV_VAR, locate
from tests.support import git_init, run_cli, write_tree

APP = {
    "requirements.txt": "flask\nflask-login\nsqlalchemy\n",
    "microblog.py": '"""Entry point."""\n\nfrom app import create_app\n\napp = create_app()\n',
    "app/__init__.py": '''\
        """The application package."""

        from flask import Flask
        from flask_login import LoginManager

        from app.config import Config

        login = LoginManager()


        def create_app() -> Flask:
            """The application factory."""
            app = Flask(__name__)
            app.config.from_object(Config)
            login.init_app(app)
            return app
        ''',
    "app/config.py": '''\
        """Settings."""


        class Config:  # pylint: disable=too-few-public-methods
            """Settings."""

            DEBUG = False
        ''',
    "app/models.py": '''\
        """Models."""

        import sqlalchemy as sa
        from flask_login import UserMixin

        from app.config import Config


        class User(UserMixin):  # pylint: disable=too-few-public-methods
            """A user."""

            table = sa.Table
            debug = Config.DEBUG
        ''',
}
# A real bug pylint must keep reporting, whatever the environment: the module is `app.models`.
TYPO = {"app/routes.py": '"""Routes."""\n\nfrom app.modles import User\n\nUSER = User\n'}


def test_premise_the_harness_environment_lacks_the_apps_dependencies():
    # The tests below tell "resolved from the target's venv" from "resolved from the harness's own".
    assert importlib.util.find_spec("flask_login") is None and importlib.util.find_spec("sqlalchemy") is None


def _repo(root: Path, extra: dict[str, str] | None = None) -> Path:
    write_tree(root, {**APP, **(extra or {})})
    git_init(root)
    return root


def _lint(root: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict, dict]:
    proc = run_cli(["run", "lint", "--out", "reports"], cwd=root, env={ENV_VAR: "", **(env or {})})
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    stage = json.loads((root / "reports" / "lint.json").read_text(encoding="utf-8"))
    verdict = json.loads((root / "reports" / "verdict" / "verdict.json").read_text(encoding="utf-8"))
    return proc, stage, verdict


def _import_errors(stage: dict) -> dict[str, str]:
    return {f["message"]: f["location"]["path"] for f in stage["findings"] if f["rule_id"] in ("E0401", "E0611")}


def _pylint_run(stage: dict) -> dict:
    return next(t for t in stage["tools"] if t["tool"] == "pylint")


@pytest.fixture(scope="module")
def flask_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real venv with flask and flask-login, and not sqlalchemy (the dependency the requirements name but nobody installed)."""
    venv = tmp_path_factory.mktemp("target") / "venv"
    subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=120)
    subprocess.run([uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "flask", "flask-login"],
                   check=True, timeout=300)
    return venv


def test_without_the_targets_environment_third_party_imports_are_one_note_and_a_local_typo_still_blocks(tmp_path):
    root = _repo(tmp_path / "blog", TYPO)
    proc, stage, verdict = _lint(root)
    # Only the import of the repository's own missing module is left, and it blocks.
    assert _import_errors(stage) == {"Unable to import 'app.modles'": "app/routes.py",
                                     "No name 'modles' in module 'app'": "app/routes.py"}
    assert proc.returncode == 1
    blocking = [e["finding"] for e in verdict["findings"] if e["blocking"]]
    assert sorted((f["rule_id"], f["location"]["path"]) for f in blocking) == [("E0401", "app/routes.py"),
                                                                               ("E0611", "app/routes.py")]
    run = _pylint_run(stage)
    assert run["details"]["python_env"] == "none found"
    assert run["details"]["unresolved_imports"]["sqlalchemy"] == 1
    assert run["details"]["unresolved_imports"]["flask_login"] == 2
    (note,) = [n for n in verdict["notes"] if n.startswith("pylint could not resolve")]
    assert "sqlalchemy" in note and "flask_login" in note and ENV_VAR in note and "python_env" in note
    # Said in every human report.
    assert "pylint could not resolve" in proc.stdout
    assert "pylint could not resolve" in (root / "reports" / "verdict" / "summary.md").read_text(encoding="utf-8")
    assert "pylint could not resolve" in (root / "reports" / "verdict" / "report.html").read_text(encoding="utf-8")


def test_with_a_real_venv_the_imports_resolve_and_a_missing_dependency_is_a_finding(tmp_path, flask_venv):
    root = _repo(tmp_path / "blog")
    proc, stage, verdict = _lint(root, {ENV_VAR: str(flask_venv)})
    # flask_login comes from the venv (the harness's own environment has none); sqlalchemy is in the
    # requirements but not installed there: a real finding again, and it blocks.
    assert _import_errors(stage) == {"Unable to import 'sqlalchemy'": "app/models.py"}
    assert proc.returncode == 1
    run = _pylint_run(stage)
    assert run["details"]["python_env"] == f"{flask_venv} (from {ENV_VAR})"
    assert "unresolved_imports" not in run["details"]
    assert not [n for n in verdict["notes"] if n.startswith("pylint could not resolve")]


def test_a_hostile_venv_runs_nothing(tmp_path):
    """Every way a venv could run code in pylint's process: its interpreter, a .pth file, a package
    named like pylint's own dependencies or the harness's plugin, a package pylint would read, and the
    parent package importlib imports for a missing standard-library name (`_gdbm`). Found by itself
    as the repository's `.venv/`."""
    marks = tmp_path / "marks"
    marks.mkdir()

    def writes(name: str) -> str:
        return f"open({str(marks / name)!r}, 'w').close()\n"

    site = ".venv/lib/python3.11/site-packages"
    root = _repo(tmp_path / "blog", {
        "app/storage.py": '"""Storage."""\n\nimport _gdbm.evil\n\nSTORE = _gdbm.evil\n',
    })
    write_tree(root, {
        ".venv/bin/python": "#!/bin/sh\ntouch " + str(marks / "interpreter") + "\n",
        f"{site}/evil.pth": "import os; " + writes("pth"),
        f"{site}/astroid/__init__.py": writes("astroid"),
        f"{site}/isort/__init__.py": writes("isort"),
        f"{site}/platformdirs/__init__.py": writes("platformdirs"),
        f"{site}/secure_pipeline_pylint_evidence.py": writes("plugin"),
        f"{site}/flask_login/__init__.py": writes("flask_login") + "class LoginManager:\n    pass\n\n\nclass UserMixin:\n    pass\n",
        f"{site}/_gdbm/__init__.py": writes("gdbm"),
    })
    (root / ".venv/bin/python").chmod(0o755)
    proc, stage, _ = _lint(root)
    assert sorted(p.name for p in marks.iterdir()) == []
    run = _pylint_run(stage)
    assert run["status"] != "error" and run["details"]["files_scanned"] == 5, proc.stdout[-2000:]
    assert run["details"]["python_env"].endswith("(from .venv/ in the repository)")
    # The environment was used (flask_login was read from it), and it is read only.
    errors = _import_errors(stage)
    assert not [m for m in errors if "flask_login" in m]
    assert "Unable to import 'sqlalchemy'" in errors


def test_the_repository_may_only_name_an_environment_inside_itself(tmp_path):
    outside = tmp_path / "elsewhere" / "lib" / "python3.11" / "site-packages"
    outside.mkdir(parents=True)
    root = _repo(tmp_path / "blog")
    (root / "pyproject.toml").write_text(f'[tool.secure-pipeline.stages.lint]\npython_env = "{outside.parents[2]}"\n',
                                         encoding="utf-8")
    proc = run_cli(["run", "lint", "--out", "reports"], cwd=root, env={ENV_VAR: ""})
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "lint.python_env" in proc.stderr and "inside the repository" in proc.stderr
    # A symlink inside that leads outside is outside; the caller's variable may name it.
    (root / "env").symlink_to(outside.parents[2])
    with pytest.raises(ConfigError, match="inside the repository"):
        locate(root, "env", {})
    assert locate(root, "", {ENV_VAR: str(outside.parents[2])}).site_packages == (outside,)
    with pytest.raises(ConfigError, match="not a directory"):
        locate(root, "", {ENV_VAR: str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="no lib/python3"):
        locate(root, "app", {})


def test_init_says_which_environment_pylint_reads_and_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    root = _repo(tmp_path / "blog")
    line, step = python_env_choice(root, detect(root))
    assert "no venv found" in line and "pip install -r requirements.txt" in line
    assert step == ("So pylint resolves your imports locally: python3 -m venv .venv && "
                    ".venv/bin/pip install -r requirements.txt   (found by itself)")
    (root / ".venv" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    line, step = python_env_choice(root, detect(root))
    assert line == f"dependencies for pylint: {root / '.venv'} (from .venv/ in the repository)" and step == ""


def test_the_result_cache_key_changes_with_the_target_environment(tmp_path: Path):
    """pylint's findings depend on the dependencies it reads: a reinstalled or upgraded one is a cache miss."""
    from pipeline.adapters.pylint import _target_distributions

    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "flask-3.0.0.dist-info").mkdir(parents=True)
    (site / "flask-3.0.0.dist-info" / "RECORD").write_text("flask/__init__.py,sha256=abc,10\n")
    before = _target_distributions((site,))
    assert _target_distributions((site,)) == before
    (site / "flask-3.0.0.dist-info" / "RECORD").write_text("flask/__init__.py,sha256=def,11\n")
    assert _target_distributions((site,)) != before
    (site / "flask-3.0.0.dist-info").rename(site / "flask-3.1.0.dist-info")
    assert len({before, _target_distributions((site,))}) == 2

"""Helpers of the adoption tests.

A foreign repository as a new adopter has it: a requirements-only Flask app, no packaging, no
harness configuration, a git history (fixtures/flask_app); findings it already has (fixtures/legacy);
the issue's three planted defects (fixtures/planted: an unused import, a subprocess call through the
shell, an AWS key). And the harness installed as a tool (built into a wheel from this checkout,
installed with its `scanners` extra into a fresh venv outside the checkout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support import commit_all, git  # noqa: F401  # re-exported for the adoption tests

FIXTURES = Path(__file__).parent / "fixtures"


def make_flask_repo(root: Path) -> Path:
    shutil.copytree(FIXTURES / "flask_app", root)
    git(root, "init", "-q", ".")
    commit_all(root, "init")
    return root


def plant_defects(root: Path) -> None:
    shutil.copytree(FIXTURES / "planted", root, dirs_exist_ok=True)


def add_legacy_findings(root: Path) -> None:
    """Findings a repository already has on the day it adopts the harness (an unused import, a shell
    call, a hard-coded secret): the baselines `pipeline init` writes accept exactly these."""
    shutil.copytree(FIXTURES / "legacy", root, dirs_exist_ok=True)


REPO = Path(__file__).resolve().parents[2]


def uv() -> str:
    """uv from this interpreter's environment (the `test` extra pins it), else from PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    assert found, "uv is needed to build and install the wheel (pyproject's `test` extra installs it)"
    return found


def _run(argv: list[str], cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{argv[:3]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@dataclass(frozen=True)
class Tool:
    venv: Path
    wheel: Path
    source: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Only the tool's venv and the system on PATH; nothing of this checkout or its venv."""
        keep = {k: v for k, v in os.environ.items()
                if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "UV_CACHE_DIR", "XDG_CACHE_HOME")}
        # checkov lives in an environment of its own (it replaces detect-secrets' package), as an adopter
        # installs it too (README): only its one executable's folder joins the PATH.
        checkov = shutil.which("checkov")
        extra_dirs = [str(Path(checkov).parent)] if checkov else []
        path = os.pathsep.join([str(self.bin), *extra_dirs, "/usr/local/bin", "/usr/bin", "/bin"])
        return {**keep, "PATH": path, **(extra or {})}

    def run(self, args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / "pipeline"), *args], cwd=cwd, env=self.env(), capture_output=True,
                              text=True, timeout=timeout, check=False)


def _source_copy(dest: Path) -> Path:
    """The files git would commit (tracked and new, not ignored): a build never writes into the checkout."""
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def build_tool(work: Path) -> Tool:
    source = _source_copy(work / "src")
    _run([uv(), "build", "--wheel", "--quiet", "--out-dir", str(work / "dist"), str(source)])
    (wheel,) = (work / "dist").glob("secure_pipeline-*.whl")
    venv = work / "venv"
    _run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)])
    # The harness with its scanners, and the foreign repository's dependencies so pylint resolves its
    # imports: what the documented adopter noxfile and the reusable workflow install.
    _run([uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), f"{wheel}[scanners]",
          "-r", str(FIXTURES / "flask_app" / "requirements.txt")])
    return Tool(venv, wheel, source)

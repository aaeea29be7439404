"""What `pipeline init` finds in a repository: its Python code, dependency files, Dockerfiles,
workflows, and the web application with how it starts. Reads file names and text only; nothing of
the repository runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import git
from .dependencies import AUTO, SourceError, collect
from .files import FileSet, glob_match, read_regular_file

REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "requirements/*.in", "requirements*.in")
LOCKS = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "requirements*.lock", "*.lock.txt")
DOCKERFILES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile")  # a plain name matches in any folder
_FLASK_APP = re.compile(r"^\s*(\w+)\s*=\s*(?:Flask\(|create_app\()", re.MULTILINE)
_FACTORY = re.compile(r"^def create_app\(", re.MULTILINE)
_TEXT_LIMIT = 256 * 1024  # enough for any module worth detecting; larger ones are skipped


@dataclass
class Detected:
    python_files: int = 0
    requirements: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)
    packaged: bool = False  # pyproject.toml with a [project] table, or setup.py
    # Why the deps stage cannot audit the dependency files found ('' when it can): ranges without a lock.
    deps_problem: str = ""
    dockerfiles: list[str] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    framework: str = ""  # flask, django, fastapi
    start: str = ""  # how the app starts, as its community would run it
    default_branch: str = "main"

    def stages(self, writes_workflow: bool = True) -> list[str]:
        """The stages that apply (zap needs a deployed URL, so it is never chosen here)."""
        chosen = ["lint", "sast"] if self.python_files else []
        chosen.append("secrets")
        if (self.requirements or self.locks or self.packaged) and not self.deps_problem:
            chosen.append("deps")  # else the first run would be an error, not a pass: init says what to do
        if self.workflows or self.dockerfiles or writes_workflow:  # the caller workflow is hardened too
            chosen.append("harden")
        return chosen

    def install_command(self) -> str:
        """How the CI installs the repository's dependencies where pylint runs."""
        if self.requirements:
            main = "requirements.txt" if "requirements.txt" in self.requirements else self.requirements[0]
            return f"pip install -r {main}"
        if self.packaged:
            return "pip install ."
        return ""


def _text(root: Path, rel: str) -> str:
    try:
        return read_regular_file(root / rel, _TEXT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""


def _default_branch(root: Path) -> str:
    outcome = git.run(root, "symbolic-ref", "--short", "HEAD")
    return outcome.stdout.strip() if outcome.exit_code == 0 and outcome.stdout.strip() else "main"


def _web_app(root: Path, python: list[str]) -> tuple[str, str]:
    if "manage.py" in python and "DJANGO_SETTINGS_MODULE" in _text(root, "manage.py"):
        return "django", "python manage.py runserver"
    procfile = _text(root, "Procfile")
    web = next((line.split(":", 1)[1].strip() for line in procfile.splitlines() if line.startswith("web:")), "")
    for rel in python:
        text = _text(root, rel)
        if "fastapi" in text and "FastAPI(" in text:
            module = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            return "fastapi", web or f"uvicorn {module}:app"
        if re.search(r"^\s*from flask import|^\s*import flask", text, re.MULTILINE):
            module = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            if _FACTORY.search(text):
                return "flask", web or f"flask --app {module} run"
            app = _FLASK_APP.search(text)
            if app:
                return "flask", web or f"gunicorn {module}:{app.group(1)}"
    return "", web


def _deps_problem(root: Path, sources: list[str], files: list[str]) -> str:
    """What the deps stage would refuse in these sources, read exactly as it reads them ('' when nothing)."""
    try:
        collect(root, sources, files)
    except SourceError as exc:
        return str(exc)
    return ""


def detect(root: Path) -> Detected:
    files = FileSet(root).all
    python = [p for p in files if p.endswith(".py")]
    found = Detected(python_files=len(python))
    found.requirements = [p for p in files if any(glob_match(p, pat) for pat in REQUIREMENTS)]
    found.locks = [p for p in files if any(glob_match(p, pat) for pat in LOCKS)]
    found.packaged = "setup.py" in files or ("pyproject.toml" in files and
                                             re.search(r"^\[project\]", _text(root, "pyproject.toml"), re.MULTILINE) is not None)
    if found.requirements or found.locks or found.packaged:
        found.deps_problem = _deps_problem(root, found.requirements + found.locks or [AUTO], files)
    found.dockerfiles = [p for p in files if any(glob_match(p, pat) for pat in DOCKERFILES)]
    found.workflows = [p for p in files if p.startswith(".github/workflows/") and p.endswith((".yml", ".yaml"))]
    # A Flask app's factory usually sits in a package's __init__.py; look there first.
    ordered = sorted(python, key=lambda p: (not p.endswith("__init__.py"), p.count("/"), p))
    found.framework, found.start = _web_app(root, ordered)
    found.default_branch = _default_branch(root)
    return found

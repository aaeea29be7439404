"""The harness as a tool: its wheel holds every file the package needs, and the installed command
scans a foreign repository from outside this checkout."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from adopt_helpers import REPO, Tool, make_flask_repo


def test_the_wheel_holds_every_file_of_the_package(tool: Tool):
    in_source = {p.relative_to(tool.source).as_posix() for p in (tool.source / "pipeline").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    with zipfile.ZipFile(tool.wheel) as wheel:
        in_wheel = {n for n in wheel.namelist() if n.startswith("pipeline/")}
    assert {n for n in in_source if not n.endswith(".py")}, "the package has data files (schemas, pylintrc, ...)"
    assert in_source - in_wheel == set()


def test_the_installed_tool_runs_from_its_own_venv(tool: Tool, tmp_path: Path):
    where = subprocess.run([str(tool.bin / "python"), "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=tmp_path, env=tool.env(), capture_output=True, text=True, timeout=60, check=True)
    location = Path(where.stdout.strip()).resolve()
    assert location.is_relative_to(tool.venv.resolve()) and not location.is_relative_to(REPO)


def test_lint_sast_and_secrets_pass_on_a_foreign_flask_repository(tool: Tool, tmp_path: Path):
    repo = make_flask_repo(tmp_path / "notes")
    proc = tool.run(["run", "lint", "sast", "secrets"], cwd=repo)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for stage in ("lint", "sast", "secrets"):
        report = json.loads((repo / "reports" / f"{stage}.json").read_text(encoding="utf-8"))
        assert report["status"] == "passed", (stage, report.get("reason"))
    lint = json.loads((repo / "reports" / "lint.json").read_text(encoding="utf-8"))
    assert "E0401" not in json.dumps(lint) and "import-error" not in json.dumps(lint)
    assert (repo / "reports" / "verdict" / "report.html").is_file()

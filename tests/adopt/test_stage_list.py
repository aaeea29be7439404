"""`pipeline stages` is the one stage list: noxfile.py and the CI matrix are derived from it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.cli import main
from pipeline.registry import stage_names

REPO = Path(__file__).resolve().parents[2]


@dataclass
class _Result:
    returncode: int
    stdout: str
    stderr: str


def _cli(*args: str, capsys=None) -> _Result:
    """`pipeline stages ARGS`, in this process (the command line parsing and dispatch of `main`)."""
    code = main(["stages", *args])
    out, err = capsys.readouterr()
    return _Result(code, out, err)


def _load_noxfile(path: Path):
    """Executes a noxfile; nox's session registry is global, so it is reset around it."""
    import nox.registry

    saved = dict(nox.registry.get())
    nox.registry.reset()
    try:
        return _exec(path)
    finally:
        nox.registry.reset()
        nox.registry._REGISTRY.update(saved)  # pylint: disable=protected-access  # get() returns a copy


def _exec(path: Path):
    spec = importlib.util.spec_from_file_location(f"noxfile_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stages_prints_the_registry_one_per_line_and_as_json(capsys):
    plain, as_json = _cli(capsys=capsys), _cli("--json", capsys=capsys)
    assert plain.returncode == 0 and as_json.returncode == 0, plain.stderr + as_json.stderr
    assert plain.stdout.splitlines() == stage_names()
    assert json.loads(as_json.stdout) == stage_names()


def test_configured_stages_follow_the_repository_run_list(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["sast", "lint"]\n', encoding="utf-8")
    proc = _cli("--json", "--configured", "--root", str(tmp_path), capsys=capsys)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["sast", "lint"]
    (tmp_path / "pyproject.toml").write_text('[tool.secure-pipeline]\nrun = ["nope"]\n', encoding="utf-8")
    bad = _cli("--configured", "--root", str(tmp_path), capsys=capsys)
    assert bad.returncode == 3 and "nope" in bad.stderr and bad.stdout == ""


def test_noxfile_sessions_are_the_registry_stages():
    module = _load_noxfile(REPO / "noxfile.py")
    assert list(module.STAGES) == stage_names()
    assert module.nox.needs_version


def test_a_stage_added_to_the_registry_becomes_a_nox_session(tmp_path):
    # The real case: someone adds a stage to the registry; before, noxfile.py kept its own list.
    shutil.copy(REPO / "noxfile.py", tmp_path / "noxfile.py")
    shutil.copytree(REPO / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pipeline" / "stages" / "licence.py").write_text(
        'from ..stage import StageSpec\n\nSPEC = StageSpec(\n    name="licence",\n    description="x",\n)\n', encoding="utf-8")
    registry = tmp_path / "pipeline" / "registry.py"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("from .stages import deps,", "from .stages import licence, deps,")
    text = text.replace("    zap.SPEC,\n)", "    zap.SPEC,\n    licence.SPEC,\n)")
    registry.write_text(text, encoding="utf-8")
    assert _load_noxfile(tmp_path / "noxfile.py").STAGES == (*stage_names(), "licence")


def test_select_checks_names_against_the_registry(capsys):
    ok = _cli("--json", "--select", " sast,lint ,sast", capsys=capsys)
    assert ok.returncode == 0 and json.loads(ok.stdout) == ["sast", "lint"]
    bad = _cli("--json", "--select", "lint,sats", capsys=capsys)
    assert bad.returncode == 3 and "'sats'" in bad.stderr and bad.stdout == ""

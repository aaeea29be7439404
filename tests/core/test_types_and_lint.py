"""The harness's own code passes mypy --strict and ruff with the configuration in pyproject.toml.

Both tools run as subprocesses from the checkout, as a developer or CI would run them; mypy's cache
goes to the test's tmp dir so a stale cache in the checkout cannot hide an error.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
# Generous: a cold mypy run over pipeline/ takes seconds; a hang must fail, not stall the suite.
TIMEOUT = 300


def _run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def _shown(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def _mypy_config() -> dict[str, object]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["mypy"]


def _modules_mypy_should_check() -> list[str]:
    excluded = [re.compile(pattern) for pattern in _mypy_config().get("exclude", [])]
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("*.py")
                  if not any(rx.search(p.relative_to(ROOT).as_posix()) for rx in excluded))


def test_mypy_strict_passes_on_pipeline(tmp_path: Path) -> None:
    proc = _run(["mypy", "--cache-dir", str(tmp_path / "mypy-cache")])
    assert proc.returncode == 0, _shown(proc)
    # Fail closed: a configuration that checks nothing would also exit 0.
    checked = re.search(r"no issues found in (\d+) source files", proc.stdout)
    assert checked, _shown(proc)
    assert int(checked.group(1)) == len(_modules_mypy_should_check()), _shown(proc)


def test_mypy_configuration_is_strict(tmp_path: Path) -> None:
    """The pyproject configuration really is strict: an untyped function and a bare generic are errors."""
    module = tmp_path / "loose.py"
    module.write_text("def untyped(x):\n    return x\n\n\ndef bare() -> dict:\n    return {}\n", encoding="utf-8")
    proc = _run(["mypy", "--config-file", str(PYPROJECT), "--cache-dir", str(tmp_path / "mypy-cache"), str(module)])
    assert proc.returncode == 1, _shown(proc)
    assert "[no-untyped-def]" in proc.stdout and "[type-arg]" in proc.stdout, _shown(proc)


def test_ruff_passes_on_pipeline() -> None:
    proc = _run(["ruff", "check", "--no-cache", "pipeline"])
    assert proc.returncode == 0, _shown(proc)
    listed = _run(["ruff", "check", "--no-cache", "--show-files", "pipeline"])
    assert listed.returncode == 0, _shown(listed)
    # Fail closed: ruff must actually have looked at the package, not an empty selection.
    assert str(ROOT / "pipeline" / "cli.py") in listed.stdout, _shown(listed)


def test_ruff_configuration_enforces_the_selected_families(tmp_path: Path) -> None:
    """A file breaking one rule of each selected family fails under the pyproject configuration."""
    module = tmp_path / "bad.py"
    module.write_text(
        "import sys\nimport os\nimport subprocess\n\n\n"
        "def run(cmd: str, items: list[int] = []) -> None:\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    x = 'unused'\n"
        "    print(\"%s\" % cmd)  \n",
        encoding="utf-8")
    proc = _run(["ruff", "check", "--no-cache", "--config", str(PYPROJECT), "--output-format", "concise",
                 str(module)], cwd=tmp_path)
    assert proc.returncode == 1, _shown(proc)
    for code in ("I001", "F401", "F841", "B006", "S602", "UP031", "W291"):
        assert code in proc.stdout, f"{code} not reported\n{_shown(proc)}"


def test_every_type_ignore_names_its_code_and_reason() -> None:
    bare = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "type: ignore" in line and not re.search(r"# type: ignore\[[a-z-]+(, ?[a-z-]+)*\]  # \S", line):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "a `# type: ignore` needs its code and a reason (`# type: ignore[code]  # why`):\n" + "\n".join(bare)

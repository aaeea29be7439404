"""The vetted configurations keep what the repository meant, checked against the real tools.

pylint itself is the reference: it must pick the same file the harness vets, and lint the same
way with the vetted copy as with the original when the original loads no code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core_helpers import git_init, run_cli, write_tree
from pipeline.scanner import ScanError
from pipeline.vetting import RefusedSetting
from pipeline.vetting import hadolint as vet_hadolint
from pipeline.vetting import pylint as vet_pylint

PYLINT = shutil.which("pylint") or str(Path(sys.executable).parent / "pylint")
CODE = {
    "pkg/__init__.py": "",
    "pkg/mod.py": (
        "import os, sys\n\n\n"
        "def f(a, b, c, d, e, g, h):\n"
        "    x = 1\n"
        "    if a:\n        if b:\n            if c:\n                if d:\n                    return e\n"
        "    return g or h or 'a very long line ............................................................ end'\n\n\n"
        "class lower_case:\n    pass\n"
    ),
}
# A configuration as real projects write them: pylint's own generated file, customised.
CUSTOM = {
    "disable": "missing-module-docstring,missing-function-docstring,C0103,",
    "max-line-length": "88",
    "max-args": "8",
    "good-names": "i,j,x,_,",
    "load-plugins": "pylint.extensions.mccabe",
    "max-complexity": "3",
}


def _generated_rcfile(tmp_path: Path) -> str:
    text = subprocess.run([PYLINT, "--generate-rcfile"], capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    lines, seen = [], set()
    for line in text.splitlines():
        key = line.partition("=")[0]
        seen.add(key)
        lines.append(f"{key}={CUSTOM[key]}" if key in CUSTOM else line)
    lines += ["[EXTENSIONS]", *(f"{k}={v}" for k, v in CUSTOM.items() if k not in seen)]
    return "\n".join(lines) + "\n"


def _messages(root: Path, rcfile: Path) -> set[tuple[str, str, int]]:
    proc = subprocess.run([PYLINT, "--output-format=json2", f"--rcfile={rcfile}", "--", "pkg/__init__.py", "pkg/mod.py"],
                          capture_output=True, text=True, cwd=root, check=False)
    # Messages about the configuration itself name the file pylint was given.
    return {(m["messageId"], "<config>" if m["path"] == str(rcfile) else m["path"], m["line"])
            for m in json.loads(proc.stdout)["messages"]}


def test_vetted_pylintrc_lints_exactly_like_the_repository_file(tmp_path):
    root = write_tree(tmp_path / "repo", {**CODE, ".pylintrc": _generated_rcfile(tmp_path)})
    vetted = vet_pylint.vet(root, tmp_path, frozenset())
    assert vetted.source == ".pylintrc" and vetted.path is not None
    original, kept = _messages(root, root / ".pylintrc"), _messages(root, vetted.path)
    assert original == kept
    ids = {m[0] for m in kept}
    assert "R1260" in ids and "W0611" in ids  # the bundled mccabe extension ran; unused import found
    assert not ids & {"C0114", "C0116", "C0103"}  # the repository's disables hold
    disables = next(change for change in vetted.weakened if change.startswith("disables "))
    assert "missing-module-docstring, missing-function-docstring, C0103, bad-inline-option" in disables
    assert any("max-line-length=88" in change for change in vetted.weakened)


def test_vetted_pyproject_lints_exactly_like_the_repository_file(tmp_path):
    pyproject = (
        "[project]\nname = 'x'\n\n[tool.pylint.main]\njobs = 1\nignore = ['CVS']\n\n"
        "[tool.pylint.'messages control']\ndisable = ['C0114', 'unused-import']\n\n"
        "[tool.pylint.format]\nmax-line-length = 100\n\n"
        "[tool.pylint.basic]\ngood-names = ['f', 'lower_case']\nfunction-rgx = '[a-z_][a-z0-9_%]{0,30}$'\n"
    )
    root = write_tree(tmp_path / "repo", {**CODE, "pyproject.toml": pyproject})
    vetted = vet_pylint.vet(root, tmp_path, frozenset())
    assert vetted.path is not None and vetted.source == "pyproject.toml"
    assert _messages(root, root / "pyproject.toml") == _messages(root, vetted.path)
    assert "ignore (file selection is the harness's job)" in vetted.dropped


@pytest.mark.parametrize("present", [
    ("pylintrc", ".pylintrc", "pyproject.toml", "setup.cfg"),
    (".pylintrc", "pyproject.toml", "setup.cfg", "tox.ini"),
    ("pyproject.toml", "setup.cfg", "tox.ini"),
    ("setup.cfg", "tox.ini"),
    ("tox.ini",),
    (".pylintrc.toml", "pyproject.toml"),
])
def test_the_vetted_file_is_the_one_pylint_itself_would_read(tmp_path, present):
    files = {"a.py": "x = 1\n"}
    for name in present:
        files[name] = ("[tool.pylint.main]\njobs = 1\n" if name.endswith(".toml")
                       else "[pylint.main]\njobs = 1\n" if name in ("setup.cfg", "tox.ini") else "[MAIN]\njobs=1\n")
    root = write_tree(tmp_path / "repo", files)
    (root / ".git").mkdir()  # pylint stops looking for a pyproject.toml above a repository root
    proc = subprocess.run([PYLINT, "--verbose", "a.py"], capture_output=True, text=True, cwd=root, check=False)
    used = next(line for line in proc.stderr.splitlines() if line.startswith("Using config file"))
    found = vet_pylint.find_config(root)
    assert found is not None and used == f"Using config file {found.resolve()}"


@pytest.mark.parametrize(("text", "key"), [
    ("[MAIN]\ninit-hook=import os\n", "init-hook"),
    ("[MAIN]\nload-plugins=pylint.extensions.mccabe,pylint_django\n", "load-plugins"),
    ("[MAIN]\nextension-pkg-allow-list=evil_ext\n", "extension-pkg-allow-list"),
    ("[MAIN]\nextension-pkg-whitelist=evil_ext\n", "extension-pkg-whitelist"),
    ("[MAIN]\nunsafe-load-any=yes\n", "unsafe-load-any"),  # argparse takes the abbreviation
    ("[REPORTS]\noutput-format=evil.Reporter\n", "output-format"),
    ("[REPORTS]\noutput-format=text:../reports/lint.json\n", "output-format"),
    ("[REPORTS]\nevaluation=__import__('os').system('id')\n", "evaluation"),
    ("[IMPORTS]\nimport-graph=/tmp/graph.gv\n", "import-graph"),
    ("[SPELLING]\nspelling-store-unknown-words=y\n", "spelling-store-unknown-words"),
    ("[ANYTHING]\ninit-hook=import os\n", "init-hook"),  # pylint reads every section of an rcfile
])
def test_code_loading_and_file_writing_keys_are_refused(tmp_path, text, key):
    root = write_tree(tmp_path / "repo", {".pylintrc": text})
    with pytest.raises(RefusedSetting) as refused:
        vet_pylint.vet(root, tmp_path, frozenset())
    assert str(refused.value).startswith(f".pylintrc: refused '{key}' (it ")


def test_toml_key_smuggling_an_option_is_refused(tmp_path):
    root = write_tree(tmp_path / "repo", {"pyproject.toml": "[tool.pylint.main]\n'unsafe-load-any-extension=y' = 'x'\n"})
    with pytest.raises(RefusedSetting, match="is not an option name"):
        vet_pylint.vet(root, tmp_path, frozenset())


def test_paths_outside_the_repository_are_refused(tmp_path):
    root = write_tree(tmp_path / "repo", {".pylintrc": "[SPELLING]\nspelling-private-dict-file=/proc/self/environ\n",
                                          "sub/x": ""})
    with pytest.raises(ScanError, match="outside the repository"):
        vet_pylint.vet(root, tmp_path, frozenset())
    with pytest.raises(ScanError, match="outside the repository"):
        vet_pylint.vet(root, tmp_path, frozenset(), configured="../outside.pylintrc")


def test_harmless_code_key_values_of_generated_files_pass(tmp_path):
    root = write_tree(tmp_path / "repo", {".pylintrc": "[MAIN]\ninit-hook=\nload-plugins=\nunsafe-load-any-extension=no\n"
                                                       "extension-pkg-allow-list=\nimport-graph=\n"})
    vetted = vet_pylint.vet(root, tmp_path, frozenset())
    assert vetted.path is not None
    written = tomllib.loads(vetted.path.read_text())["tool"]["pylint"]["main"]
    # The only hook is the harness's own import guard; none of the repository's keys remain.
    assert written["init-hook"].startswith("import runpy; runpy.run_path(") and "\n" not in written["init-hook"]
    assert str(vet_pylint.IMPORT_GUARD) in written["init-hook"]
    assert set(written) == {"init-hook"}


def test_hadolint_rule_changes_are_kept_listed_and_harness_settings_dropped(tmp_path):
    root = write_tree(tmp_path / "repo", {".hadolint.yaml": "ignored: [DL3006]\nfailure-threshold: none\nno-fail: true\n"
                                                            "override:\n  info: [DL3008]\ntrustedRegistries: [docker.io]\n"})
    vetted = vet_hadolint.vet(root, tmp_path)
    assert vetted.weakened == ["ignores hadolint rule(s): DL3006", "changes the level of hadolint rule(s): DL3008->info"]
    assert vetted.path is not None
    written = vetted.path.read_text()
    assert "failure-threshold" not in written and "no-fail" not in written and "docker.io" in written


WORKFLOW = ("name: ci\non: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - uses: actions/checkout@v4\n")


def _harden(root: Path, out: Path) -> dict:
    proc = run_cli(["run", "harden", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads((out / "harden.json").read_text())


def test_zizmor_honours_the_repository_configuration_and_the_report_lists_it(tmp_path):
    root = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW,
                                          ".github/zizmor.yml": "rules:\n  unpinned-uses:\n    disable: true\n"})
    git_init(root)
    report = _harden(root, tmp_path / "reports")
    rules = {f["rule_id"] for f in report["findings"] if f["tool"] == "zizmor"}
    assert "unpinned-uses" not in rules and "artipacked" in rules
    assert report["details"]["notes"] == ["zizmor: .github/zizmor.yml disables zizmor audit(s): unpinned-uses"]


def test_zizmor_reads_no_configuration_from_outside_the_repository(tmp_path):
    # Not a git checkout: zizmor's own discovery would walk up past the repository to this file.
    (tmp_path / "zizmor.yml").write_text("rules:\n  artipacked:\n    disable: true\n", encoding="utf-8")
    root = write_tree(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})
    report = _harden(root, tmp_path / "reports")
    assert "artipacked" in {f["rule_id"] for f in report["findings"] if f["tool"] == "zizmor"}

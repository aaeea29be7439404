"""Issue 9's items closed at their root, each shaped like the real case that passed silently.

* the harness never scans what it wrote itself (a second run found 7 findings for 1 secret);
* a file detect-secrets cannot decode is still scanned (one Latin-1 byte hid two AWS keys);
* pyflakes messages map to pyflakes' own classes, every one of them (F823 and F50x fell through);
* identical inputs give identical reports (pylint's import-cycle count varied with the hash seed).
"""

from __future__ import annotations

import inspect
import json
import string
from pathlib import Path
from types import SimpleNamespace

import pytest

from core_helpers import git_init, run_cli, write_tree
from pipeline.adapters.pyflakes import CODES, message_classes, message_kind


def _findings(out: Path, stage: str) -> list[dict]:
    return json.loads((out / f"{stage}.json").read_text())["findings"]


def test_a_second_run_does_not_scan_the_first_runs_reports(tmp_path, secret_values):
    root = write_tree(tmp_path / "repo", {"settings.py": f'TOKEN = "{secret_values["github_token"]}"\n'})
    git_init(root)
    # The default report folder is inside the scanned tree and not git-ignored: exactly the real case.
    first = run_cli(["run", "secrets", "lint", "--quiet"], cwd=root)
    assert first.returncode == 1, first.stderr
    counts = {s: len(_findings(root / "reports", s)) for s in ("secrets", "lint")}
    assert 1 <= counts["secrets"] <= 2  # the token's own detector, and the keyword detector on `TOKEN =`
    second = run_cli(["run", "secrets", "lint", "--quiet"], cwd=root)
    assert second.returncode == 1, second.stderr
    assert {s: len(_findings(root / "reports", s)) for s in ("secrets", "lint")} == counts
    scanned = json.loads((root / "reports" / "secrets.json").read_text())["tools"][0]["command"]
    assert not any(arg.startswith("reports/") for arg in scanned), scanned


def test_a_latin1_file_is_scanned_not_skipped(tmp_path):
    key_id = "AKIA" + "".join(string.ascii_uppercase[i % 26] for i in (3, 7, 11, 2, 19, 23, 5, 17, 13, 1, 8, 22, 14, 9, 4, 25))
    env_file = b"# caf\xe9 config\nAWS_ACCESS_KEY_ID=" + key_id.encode() + b"\nOTHER_ID=" + key_id[:-1].encode() + b"Q\n"
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").write_bytes(env_file)
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    found = [f for f in _findings(out, "secrets") if f["rule_id"] == "AWS Access Key"]
    assert sorted(f["location"]["line"] for f in found) == [2, 3]
    notes = json.loads((out / "secrets.json").read_text())["details"]["notes"]
    assert any("not UTF-8" in n and ".env" in n for n in notes)


def _rendered(cls: type) -> str:
    """What pyflakes prints for one instance of a message class (its text after `file:line:col: `)."""
    loc = SimpleNamespace(lineno=3, col_offset=4, end_lineno=3, end_col_offset=9)
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name not in ("self", "filename", "loc")]
    required = [p for p in params if p.default is p.empty]
    for value in ("name", 2):
        try:
            # `position` is a (line, column) pair (DoctestSyntaxError); every other argument is text or a count.
            message = cls("mod.py", loc, *[(3, 4) if p.name == "position" else loc if "loc" in p.name else value
                                           for p in required])
            return str(message).split(": ", 1)[1]
        except (TypeError, ValueError, AttributeError):
            continue
    raise AssertionError(f"cannot build a {cls.__name__} message")


def test_every_pyflakes_message_class_maps_to_itself():
    from pyflakes import messages

    classes = message_classes()
    assert len(classes) >= 45  # pyflakes 4.1 has 50; a sudden drop means the introspection broke
    by_template: dict[str, set[str]] = {}
    for name, template in classes.items():
        by_template.setdefault(template, set()).add(name)
    for name in classes:
        text = _rendered(getattr(messages, name))
        kind = message_kind(text)
        # Two classes with one template are indistinguishable in pyflakes' output; any of them is right.
        assert kind in by_template[classes[name]], (name, text, kind)
        # flake8's code, or (for the classes flake8 has not numbered yet) the class name as a rule id.
        assert CODES.get(name, name) != "F999"


@pytest.mark.parametrize("seed", ["1", "12345"])
def test_identical_inputs_give_identical_lint_reports_whatever_the_hash_seed(tmp_path, seed):
    # Import cycles among five modules: pylint's cyclic-import count depends on set order.
    modules = {f"pkg/m{i}.py": "".join(f"from pkg import m{j}\n" for j in range(5) if j != i) for i in range(5)}
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", **modules})
    git_init(root)
    reports = []
    for run in ("0", seed):
        out = tmp_path / f"reports-{run}"
        proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=root, env={"PYTHONHASHSEED": run})
        assert proc.returncode in (0, 1), proc.stderr
        reports.append(sorted((f["rule_id"], f["location"].get("path"), f["message"], f["fingerprint"])
                              for f in _findings(out, "lint")))
    assert any(r[0] == "R0401" for r in reports[0]), "the fixture must have import cycles"
    assert reports[0] == reports[1]

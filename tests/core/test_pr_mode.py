"""PR mode (`pipeline run --base REF`): the scanners scan what the change can affect, the merge base's
counterparts are scanned beside them, and the gate sees only what the change introduces. Real tools,
real git repositories; the last test checks exactness against full scans on this repository's history."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.import_graph import ImportGraph
from tests.support import REPO, feature_branch, run_cli, write_tree
from tests.support import commit_all as _commit
from tests.support import git as _git

CONFIG = '[tool.secure-pipeline]\nrun = ["lint", "sast"]\n'


def _report(out: Path, stage: str) -> dict[str, Any]:
    return json.loads((out / f"{stage}.json").read_text(encoding="utf-8"))


def _verdict(out: Path) -> dict[str, Any]:
    return json.loads((out / "verdict" / "verdict.json").read_text(encoding="utf-8"))


def _by_disposition(verdict: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, bool, str]]:
    """(tool, rule, path:line) -> (disposition, blocking, because)."""
    return {(e["finding"]["tool"], e["finding"]["rule_id"],
             f"{e['finding']['location'].get('path')}:{e['finding']['location'].get('line')}"):
            (e["disposition"], e["blocking"], e["because"]) for e in verdict["findings"]}


def test_import_graph_finds_importers_transitively_relative_imports_included():
    graph = ImportGraph.build({
        "pkg/__init__.py": b"",
        "pkg/models.py": b"X = 1\n",
        "pkg/views.py": b"from .models import X\n",        # relative: pkg.models
        "pkg/api.py": b"from pkg import views\n",          # imports the importer: transitive
        "pkg/unrelated.py": b"import json\n",
        "scripts/tool.py": b"import models\n",             # a sys.path root elsewhere may name it `models`
        "broken.py": b"def (:\n",                          # unparsable: depends on everything
    })
    assert graph.importers(["pkg/models.py"]) == {"pkg/views.py", "pkg/api.py", "scripts/tool.py", "broken.py"}
    # A deleted module's old name still finds who imported it.
    assert "pkg/views.py" in graph.importers(["pkg/gone.py", "pkg/models.py"])
    assert graph.importers(["pkg/unrelated.py"]) == {"broken.py"}


def test_a_module_inside_a_package_is_not_a_top_level_name():
    sources = {"pkg/__init__.py": b"", "pkg/html.py": b"X = 1\n", "web.py": b"import html\n",
               "tools/html.py": b"Y = 1\n"}
    # pkg has an __init__.py on both sides: pkg/html.py is only pkg.html, never the stdlib's html...
    assert ImportGraph.build(sources, packages={"pkg"}).importers(["pkg/html.py"]) == set()
    # ...but tools/ is a folder pylint may put on sys.path: tools/html.py can shadow the stdlib's.
    assert ImportGraph.build(sources, packages={"pkg"}).importers(["tools/html.py"]) == {"web.py"}
    # Where it is unknown whether a folder is a package (no __init__.py on one side), both count.
    assert ImportGraph.build(sources).importers(["pkg/html.py"]) == {"web.py"}


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": CONFIG,
        "pkg/__init__.py": "",
        "pkg/models.py": "class User:\n    name = 'x'\n\n    def greet(self):\n        return self.name\n",
        "pkg/views.py": "from pkg.models import User\n\n\ndef show():\n    return User().greet()\n",
        "pkg/tool.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
        "pkg/other.py": "VALUE = 1\n",
        "old/legacy.py": "def calc(text):\n    return eval(text)\n",
    })
    feature_branch(root)
    # The change: an attribute removed (its unchanged importer breaks), a second shell=True call
    # added beside the old one, and a file with a finding renamed without a change.
    (root / "pkg/models.py").write_text("class User:\n    name = 'x'\n")
    (root / "pkg/tool.py").write_text("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
                                      "\n\ndef run_again(cmd):\n    return subprocess.call(cmd, shell=True)\n")
    (root / "pkg/legacy.py").parent.mkdir(exist_ok=True)
    _git(root, "mv", "old/legacy.py", "pkg/legacy.py")
    _commit(root, "feature")
    return root


def test_pr_mode_scopes_each_tool_and_gates_only_on_what_the_change_introduces(pr_repo: Path, tmp_path: Path):
    out = tmp_path / "out"
    proc = run_cli(["run", "lint", "sast", "--base", "main", "--root", str(pr_repo), "--out", str(out), "--quiet"],
                   cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr

    lint = _report(out, "lint")["details"]["pr_mode"]
    sast = _report(out, "sast")["details"]["pr_mode"]
    assert lint["base_commit"] == _git(pr_repo, "rev-parse", "main").strip()
    assert lint["changed"] == {"pkg/legacy.py": "old/legacy.py", "pkg/models.py": "pkg/models.py",
                               "pkg/tool.py": "pkg/tool.py"}
    # File by file: the changed files only.
    assert sast["tools"]["bandit"]["files"] == ["pkg/legacy.py", "pkg/models.py", "pkg/tool.py"]
    assert lint["tools"]["pyflakes"]["files"] == ["pkg/legacy.py", "pkg/models.py", "pkg/tool.py"]
    bandit_run = next(t for t in _report(out, "sast")["tools"] if t["tool"] == "bandit")
    assert bandit_run["details"]["files_scanned"] == 3
    # pylint: the changed modules, their importer, and one file per package root; never pkg/other.py.
    pylint = lint["tools"]["pylint"]
    assert pylint["dependents"] == ["pkg/views.py"]
    assert "pkg/other.py" not in pylint["files"]
    assert set(pylint["files"]) == {"pkg/__init__.py", "pkg/legacy.py", "pkg/models.py", "pkg/tool.py", "pkg/views.py"}
    assert pylint["disabled_checks"] == ["duplicate-code", "cyclic-import"]
    assert pylint["base_files"]["pkg/legacy.py"] == "old/legacy.py"

    found = _by_disposition(_verdict(out))
    # The removed attribute breaks the unchanged importer: found, new and blocking.
    assert found[("pylint", "E1101", "pkg/views.py:5")][:2] == ("new", True)
    # The old shell=True call was on the base: shown, not blocking; the added one blocks.
    assert found[("bandit", "B602", "pkg/tool.py:5")][:2] == ("baselined", False)
    assert found[("bandit", "B602", "pkg/tool.py:5")][2].startswith("on the base (main at ")
    assert found[("bandit", "B602", "pkg/tool.py:9")][:2] == ("new", True)
    # The renamed file's finding was on the base under its old name: still accepted.
    assert found[("bandit", "B307", "pkg/legacy.py:2")][:2] == ("baselined", False)
    notes = _verdict(out)["notes"]
    assert any(n.startswith("PR mode against main") and "pylint also on 1 dependent(s)" in n
               and "duplicate-code skipped" in n for n in notes)

    # `pipeline verdict` re-derives the same verdict from the reports and the tree...
    again = run_cli(["verdict", str(out / "lint.json"), str(out / "sast.json"), "--root", str(pr_repo),
                     "--out", str(tmp_path / "again"), "--quiet"], cwd=tmp_path)
    assert again.returncode == 1, again.stderr
    assert _by_disposition(json.loads((tmp_path / "again" / "verdict.json").read_text())) == found
    # ...and a report whose scope was narrowed afterwards (the importer dropped) is an error.
    forged = _report(out, "lint")
    forged["details"]["pr_mode"]["tools"]["pylint"]["files"].remove("pkg/views.py")
    forged["findings"] = [f for f in forged["findings"] if f["location"].get("path") != "pkg/views.py"]
    (tmp_path / "forged").mkdir()
    (tmp_path / "forged" / "lint.json").write_text(json.dumps(forged))
    bad = run_cli(["verdict", str(tmp_path / "forged" / "lint.json"), str(out / "sast.json"), "--root", str(pr_repo),
                   "--out", str(tmp_path / "bad"), "--quiet"], cwd=tmp_path)
    assert bad.returncode == 2, bad.stderr
    assert "PR-mode scope is not what this tree's change" in (tmp_path / "bad" / "verdict.json").read_text()


def test_package_root_files_shape_pylints_sys_path_without_being_linted(tmp_path: Path):
    # Two top-level folders, each its own sys.path root, both with a `util` module. In a full scan pylint
    # puts `first` before `second` on sys.path (the order of the files it is given), so second/app.py's
    # `from util import g` resolves to first/util.py, which has no `g`: E0611. PR mode must see the same.
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.secure-pipeline]\nrun = ["lint"]\n',
        "first/util.py": '"""First."""\n\n\ndef f():\n    """F."""\n    return eval("1")\n',
        "second/util.py": '"""Second."""\n\n\ndef g():\n    """G."""\n    return 2\n',
        "second/app.py": '"""App."""\n\nVALUE = 1\n',
    })
    feature_branch(root)
    (root / "second/app.py").write_text('"""App."""\nfrom util import g\n\nVALUE = g()\n', encoding="utf-8")
    _commit(root, "feature")
    outs = {}
    for mode in ("pr", "full"):
        outs[mode] = out = tmp_path / mode
        proc = run_cli(["run", "lint", "--base", "main", "--root", str(root), "--out", str(out), "--quiet",
                        *(["--full"] if mode == "full" else [])], cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
    full = _by_disposition(_verdict(outs["full"]))
    pr = _by_disposition(_verdict(outs["pr"]))
    assert full[("pylint", "E0611", "second/app.py:2")][:2] == ("new", True)
    assert pr[("pylint", "E0611", "second/app.py:2")][:2] == ("new", True)
    scope = _report(outs["pr"], "lint")["details"]["pr_mode"]["tools"]["pylint"]
    assert scope["anchors"] == ["first/util.py"] and scope["files"] == ["first/util.py", "second/app.py"]
    # first/util.py only shaped sys.path: pylint did not lint it on either side (no W0123 eval-used there).
    pylint = next(t for t in _report(outs["pr"], "lint")["tools"] if t["tool"] == "pylint")
    assert pylint["details"]["files_scanned"] == 1
    assert not any(k[2].startswith("first/") for k in pr if k[0] == "pylint")


def test_pr_mode_spares_the_importers_that_read_no_name_the_change_alters(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.secure-pipeline]\nrun = ["lint"]\n',
        "pkg/__init__.py": "",
        "pkg/models.py": "class User:\n    name = 'x'\n\n\nVERSION = 1\n",
        "pkg/views.py": "from pkg.models import User\n\n\ndef show():\n    return User().greet()\n",
        "pkg/version.py": "from pkg import models\n\nprint(models.VERSION)\n",
    })
    feature_branch(root)
    # The class gains the method views.py calls; VERSION, all version.py reads, is untouched.
    (root / "pkg/models.py").write_text("class User:\n    name = 'x'\n\n    def greet(self):\n        return self.name\n"
                                        "\n\nVERSION = 1\n")
    _commit(root, "feature")
    out = tmp_path / "out"
    proc = run_cli(["run", "lint", "--base", "main", "--root", str(root), "--out", str(out), "--quiet"], cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    pylint = _report(out, "lint")["details"]["pr_mode"]["tools"]["pylint"]
    assert pylint["dependents"] == ["pkg/views.py"]
    assert pylint["spared_importers"] == 1 and "pkg/version.py" not in pylint["files"]
    assert any("pylint also on 1 dependent(s)" in n and "(1 importer(s) spared: no name they read changed)" in n
               for n in _verdict(out)["notes"])
    found = _by_disposition(_verdict(out))
    assert ("pylint", "E1101", "pkg/views.py:5") not in found  # the method now exists: no-member is gone


def test_full_scans_everything_and_gates_on_everything(pr_repo: Path, tmp_path: Path):
    out = tmp_path / "out"
    proc = run_cli(["run", "sast", "--base", "main", "--full", "--root", str(pr_repo), "--out", str(out), "--quiet"],
                   cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "pr_mode" not in _report(out, "sast")["details"]
    found = _by_disposition(_verdict(out))
    assert found[("bandit", "B602", "pkg/tool.py:5")][:2] == ("new", True)


def test_hostile_repository_configuration_runs_nothing(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.secure-pipeline]\nrun = ["sast"]\n',
        ".gitattributes": "* filter=evil diff=evil\n",
        "app.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    })
    feature_branch(root)
    (root / "app.py").write_text("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
                                 "\n\nVALUE = 2\n")
    _commit(root, "feature")
    marker = tmp_path / "ran"
    hook = f"sh -c 'echo ran >> {marker}'"
    for key, value in {"core.fsmonitor": hook, "filter.evil.clean": hook, "filter.evil.smudge": hook,
                       "filter.evil.process": hook, "diff.evil.textconv": hook, "diff.external": hook,
                       "core.pager": hook, "core.hooksPath": str(tmp_path)}.items():
        _git(root, "config", key, value)
    (root / "app.py").write_text((root / "app.py").read_text() + "OTHER = 3\n")  # uncommitted: read from disk

    out = tmp_path / "out"
    proc = run_cli(["run", "sast", "--base", "main", "--root", str(root), "--out", str(out), "--quiet"], cwd=tmp_path)

    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 0, proc.stderr  # the only finding was there before the change
    found = _by_disposition(_verdict(out))
    assert found[("bandit", "B602", "app.py:5")][:2] == ("baselined", False)


# --- exactness on this repository's history -----------------------------------------------------------------
# A first-parent series of this repository's commits, each compared with the one before. Both diffs
# leave pyproject.toml alone (every scan reads the same configuration); the first changes modules
# outside the scanned folder that every scanned module imports (pylint rescans them all as
# dependents), the second changes nothing the scanned modules import (PR mode narrows to one file).
SERIES = ("18ed0a0", "6589246", "e789e3c")
SCANNED = '[tool.secure-pipeline]\npaths = ["pipeline/reporters"]\n'  # small, so the test stays short
STAGES = ("lint", "sast")
WHOLE_SET_RULES = {"R0801", "R0401"}  # duplicate-code, cyclic-import: skipped in PR mode, said so


def _fingerprints(report: dict[str, Any]) -> Counter[str]:
    return Counter(f["fingerprint"] for f in report["findings"] if f["rule_id"] not in WHOLE_SET_RULES)


def _scan(clone: Path, commit: str, out: Path, config: Path, *extra: str) -> dict[str, dict[str, Any]]:
    _git(clone, "checkout", "-q", "--detach", commit)
    proc = run_cli(["run", *STAGES, "--no-verdict", "--quiet", "--root", str(clone),
                    "--config", str(config), "--out", str(out), *extra], cwd=config.parent)
    assert proc.returncode in (0, 1), proc.stderr
    return {stage: _report(out, stage) for stage in STAGES}


def test_pr_mode_introduces_exactly_what_two_full_scans_differ_by(tmp_path: Path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    series = [_git(clone, "rev-parse", "--verify", f"{c}^{{commit}}").strip() for c in SERIES]
    assert [_git(clone, "rev-parse", f"{c}~1").strip() for c in series[1:]] == series[:-1], "not a series"
    config = tmp_path / "config" / "secure-pipeline.toml"
    config.parent.mkdir()
    config.write_text(SCANNED)
    full = {c: _scan(clone, c, tmp_path / f"full-{c[:7]}", config, "--full") for c in series}
    compared = Counter[str]()
    narrowed: list[bool] = []
    for base, head in zip(series, series[1:]):
        pr = _scan(clone, head, tmp_path / f"pr-{head[:7]}", config, "--base", base)
        for stage in STAGES:
            details = pr[stage]["details"]["pr_mode"]
            assert details["base_commit"] == base
            assert all(t["status"] != "error" for t in pr[stage]["tools"]), pr[stage]["tools"]
            on_base = Counter({b["fingerprint"]: 0 for b in details["base_findings"]})
            for entry in details["base_findings"]:
                on_base[entry["fingerprint"]] += entry["count"]
            introduced = _fingerprints(pr[stage]) - on_base
            # (No file of this series is renamed: a pure rename keeps its findings' identity only in PR mode.)
            expected = _fingerprints(full[head][stage]) - _fingerprints(full[base][stage])
            assert sorted(introduced.elements()) == sorted(expected.elements()), (head, stage)
            compared[stage] += sum(_fingerprints(full[head][stage]).values())
        pylint_run = next(t for t in pr["lint"]["tools"] if t["tool"] == "pylint")
        full_run = next(t for t in full[head]["lint"]["tools"] if t["tool"] == "pylint")
        narrowed.append(pylint_run["status"] == "skipped"  # nothing the change affects is linted
                        or pylint_run["details"]["files_scanned"] < full_run["details"]["files_scanned"])
    assert compared["lint"] > 0
    assert any(narrowed), "PR mode scanned everything: the series does not test the narrowing"


def test_reusable_workflow_fetches_the_history_pr_mode_needs_on_pull_requests_only():
    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "secure-pipeline.yml").read_text(encoding="utf-8"))
    stage_checkout = next(s for s in workflow["jobs"]["stage"]["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    # '0' and '1' are strings: `cond && 0 || 1` would always give 1 (0 is falsy in GitHub expressions).
    assert stage_checkout["with"]["fetch-depth"] == "${{ github.event_name == 'pull_request' && '0' || '1' }}"
    verdict_checkout = next(s for s in workflow["jobs"]["verdict"]["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert verdict_checkout["with"]["fetch-depth"] == 0  # it derives the PR-mode scopes again from the merge base

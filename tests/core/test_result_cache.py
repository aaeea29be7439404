"""The exact result cache (issue 16): reused only for the exact inputs, tool, configuration and harness it came
from; identical reports with and without it; anything that does not agree with itself is discarded, never
trusted. Real tools throughout (bandit and pyflakes are the quick ones; pylint for its cross-module key)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline import cached_scan
from pipeline.config import stage_config
from pipeline.files import FileSet
from pipeline.registry import SCANNERS
from pipeline.result_cache import SCHEMA, CacheUnavailable, ResultCache, checksum
from pipeline.scanner import CommandScanner, ScanContext, ScanOutput
from tests.support import commit_all as _commit
from tests.support import git_init, run_cli, write_tree

TOOLS: dict[str, CommandScanner] = {s.name: s for s in SCANNERS if isinstance(s, CommandScanner)}

TREE = {
    "pkg/__init__.py": "",
    # bandit quotes the password in its message (B105): the redactor must mask it, cached or not.
    "pkg/evaluate.py": "import os\n\nPASSWORD = 's3cr3t-Value-42'\n\n\ndef run(text):\n    return eval(text)\n",
    "pkg/shell.py": "import subprocess\n\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n",
    "pkg/clean.py": "def add(a, b):\n    return a + b\n",
    "pkg/uses.py": "from pkg.clean import add\n\nVALUE = add(1, 2)  # nosec B101\n",
    "settings.txt": "aws_access_key_id = AKIAIOSFODNN7EXAMPLF\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", TREE)
    git_init(root)
    return root


@pytest.fixture
def cache(tmp_path: Path) -> ResultCache:
    return ResultCache.open(tmp_path / "cache")


def scan(tool: str, root: Path, cache: ResultCache | None, **options: Any) -> ScanOutput:
    scanner = TOOLS[tool]
    work = root.parent / "work" / os.urandom(4).hex()
    work.mkdir(parents=True)
    ctx = ScanContext(root=root, stage=scanner.stage, stage_config=stage_config(scanner.stage, options),
                      files=FileSet(root), work_dir=work, timeout=120, artifacts_dir=root.parent / "out", cache=cache)
    return scanner.scan(ctx)


def result(output: ScanOutput) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Findings and details as the report writes them, without what only says where they came from."""
    details = {k: v for k, v in output.run.details.items() if k not in ("cache", "cpu_s", "max_rss_kb")}
    details["notes"] = [n for n in details.get("notes", []) if "from cache" not in n and not n.startswith("result cache:")]
    return [f.to_dict() for f in output.findings], details


def entries(cache: ResultCache, tool: str) -> list[Path]:
    return sorted((cache.folder / "v1" / tool).glob("*/*.json"))


# --- identical reports ------------------------------------------------------------------------------

def _stage_reports(out: Path) -> dict[str, Any]:
    """Every stage report, minus timings (CPU and memory too), ids and the lines that say what came from the cache (and so
    what ran: a tool's command line and exit code)."""
    reports = {}
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("started_at"), data.pop("duration_s"), data.pop("provenance")
        for tool in data["tools"]:
            for key in ("duration_s", "command", "exit_code"):
                tool.pop(key)
            for measured in ("cache", "cpu_s", "max_rss_kb"):  # what it cost, not what it found
                tool["details"].pop(measured, None)
        notes = [n for n in data["details"].get("notes", []) if "from cache" not in n]
        data["details"] = {**data["details"], "notes": notes} if notes else {}
        reports[path.stem] = data
    return reports


def _run(root: Path, out: str, *flags: str, stages: tuple[str, ...] = ("sast", "secrets")) -> dict[str, Any]:
    proc = run_cli(["run", *stages, "--out", str(root.parent / out), "--quiet", *flags], cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the fixture has findings
    return _stage_reports(root.parent / out)


def test_cached_and_uncached_stage_reports_are_identical_on_a_fixture_and_a_commit_series(repo: Path, tmp_path: Path):
    folder = tmp_path / "cache"
    with_cache = ("--cache", str(folder))
    uncached = _run(repo, "plain", "--no-cache")
    assert _run(repo, "cold", *with_cache) == uncached
    warm = _run(repo, "warm", *with_cache)
    assert warm == uncached
    sast = json.loads((tmp_path / "warm" / "sast.json").read_text(encoding="utf-8"))
    assert sast["tools"][0]["details"]["cache"] == "5 of 5 files from cache" and sast["tools"][0]["command"] == []
    assert "bandit: 5 of 5 files from cache" in sast["details"]["notes"]
    assert "B105" in json.dumps(warm["sast"]["findings"])
    assert not any("s3cr3t-Value-42" in p.read_text(encoding="utf-8") for p in (tmp_path / "warm").rglob("*") if p.is_file())
    secrets = json.loads((tmp_path / "warm" / "secrets.json").read_text(encoding="utf-8"))
    assert secrets["tools"][0]["details"]["cache"] == "6 of 6 files from cache"

    # A series of commits: change a file, add one with a finding, delete one. Each cached run re-scans
    # only what changed and reports exactly what a full scan reports.
    series = [
        {"pkg/clean.py": "import pickle\n\n\ndef add(a, b):\n    return pickle.loads(a) + b\n",
         "pkg/new.py": "import hashlib\n\nDIGEST = hashlib.md5(b'x')\n"},
        {"pkg/shell.py": None, "notes.md": "token: ghp_0123456789abcdefghijABCDEFGHIJ012345\n"},
    ]
    for index, change in enumerate(series):
        for rel, text in change.items():
            if text is None:
                (repo / rel).unlink()
            else:
                (repo / rel).write_text(text, encoding="utf-8")
        _commit(repo, f"step {index}")
        cached = _run(repo, f"cached{index}", *with_cache)
        assert cached == _run(repo, f"plain{index}", "--no-cache"), f"commit {index}"
    bandit = json.loads((tmp_path / "cached0" / "sast.json").read_text(encoding="utf-8"))["tools"][0]
    assert bandit["details"]["cache"] == "4 of 6 files from cache"
    assert "pkg/clean.py" in bandit["command"] and "pkg/new.py" in bandit["command"]
    assert not any(arg.endswith(("pkg/evaluate.py", "pkg/uses.py")) for arg in bandit["command"])


# --- every key part ----------------------------------------------------------------------------------

def _cache_line(output: ScanOutput) -> str:
    return str(output.run.details.get("cache"))


def test_each_part_of_the_key_turns_a_hit_into_a_miss(repo: Path, cache: ResultCache, monkeypatch: pytest.MonkeyPatch):
    assert _cache_line(scan("bandit", repo, cache)) == "0 of 5 files from cache"
    assert _cache_line(scan("bandit", repo, cache)) == "5 of 5 files from cache"
    # The file's content.
    (repo / "pkg/clean.py").write_text("def add(a, b):\n    return b + a\n", encoding="utf-8")
    assert _cache_line(scan("bandit", repo, cache)) == "4 of 5 files from cache"
    # An option of the stage.
    assert _cache_line(scan("bandit", repo, cache, fail_severity="high")) == "0 of 5 files from cache"
    # A configuration file the tool's vetting reads.
    (repo / "pyproject.toml").write_text("[tool.bandit]\nskips = ['B101']\n", encoding="utf-8")
    assert _cache_line(scan("bandit", repo, cache)) == "0 of 5 files from cache"
    assert _cache_line(scan("bandit", repo, cache)) == "5 of 5 files from cache"
    # The environment the harness reads its trusted settings from.
    monkeypatch.setenv("SECURE_PIPELINE_TRUST", "nothing-new")
    assert _cache_line(scan("bandit", repo, cache)) == "0 of 5 files from cache"
    monkeypatch.delenv("SECURE_PIPELINE_TRUST")
    # The tool's version: the same plan looked up under another version finds nothing.
    bandit = TOOLS["bandit"]
    ctx = ScanContext(root=repo, stage="sast", stage_config=stage_config("sast"), files=FileSet(repo),
                      work_dir=repo.parent / "plan", timeout=60, artifacts_dir=repo.parent / "out", cache=cache)
    ctx.work_dir.mkdir()
    plan = bandit.plan(ctx)
    version = bandit.version(bandit.resolve() or "bandit")
    assert len(cached_scan.look_up(bandit, cache, plan, version).hits) == 5
    assert not cached_scan.look_up(bandit, cache, plan, f"{version}.post1").hits
    # The harness: its version and code (plugins, canaries, vetting) are one identity.
    monkeypatch.setattr(cached_scan, "harness_identity", lambda: "0.1.0+another-build")
    assert not cached_scan.look_up(bandit, cache, plan, version).hits


def test_harness_identity_covers_its_own_code_plugins_and_data(tmp_path: Path):
    import shutil

    from pipeline import cache_keys

    package = tmp_path / "pipeline"
    shutil.copytree(Path(cache_keys.__file__).resolve().parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache_keys.package_identity(package, "0.1.0") == cache_keys.harness_identity()
    seen = {cache_keys.package_identity(package, "0.1.0")}
    for rel in ("evidence/canary.py", "evidence/pylint_plugin.py", "data/pylintrc", "vetting/bandit.py"):
        with (package / rel).open("a", encoding="utf-8") as handle:
            handle.write("\n# changed\n")
        seen.add(cache_keys.package_identity(package, "0.1.0"))
    seen.add(cache_keys.package_identity(package, "0.2.0"))
    assert len(seen) == 6  # every change of code, plugin, data or version is another identity


def test_pylint_messages_are_keyed_on_the_other_modules_too(repo: Path, cache: ResultCache):
    first = scan("pylint", repo, cache)
    assert _cache_line(first) == "0 of 5 files from cache", first.run.error
    warm = scan("pylint", repo, cache)
    assert _cache_line(warm) == "5 of 5 files from cache" and result(warm) == result(first)
    pylint = TOOLS["pylint"]
    ctx = ScanContext(root=repo, stage="lint", stage_config=stage_config("lint"), files=FileSet(repo),
                      work_dir=repo.parent / "plan", timeout=60, artifacts_dir=repo.parent / "out", cache=cache)
    ctx.work_dir.mkdir()
    version = pylint.version(pylint.resolve() or "pylint")
    plan = replace(pylint.plan(ctx), executable="pylint")
    assert len(cached_scan.look_up(pylint, cache, plan, version).hits) == 5
    # pkg/uses.py's messages depend on pkg/clean.py (no-name-in-module, arguments...): changing only
    # clean.py makes every module a miss, uses.py included.
    (repo / "pkg/clean.py").write_text("def total(a, b):\n    return a + b\n", encoding="utf-8")
    assert not cached_scan.look_up(pylint, cache, replace(plan, ctx=replace(ctx, files=FileSet(repo))), version).hits
    again = scan("pylint", repo, cache)
    assert any(f.rule_id == "E0611" and f.location.path == "pkg/uses.py" for f in again.findings)  # no-name-in-module



def test_pylint_on_part_of_the_tree_is_keyed_on_the_modules_it_was_not_given(repo: Path, cache: ResultCache):
    # PR mode lints the changed modules and their importers only; their messages still depend on the
    # unchanged modules they import. Found by review: the key covered the linted files alone, so a
    # rebased branch whose imported module had changed on the base got the old messages back.
    def lint_uses() -> ScanOutput:
        work = repo.parent / "work" / os.urandom(4).hex()
        work.mkdir(parents=True)
        ctx = ScanContext(root=repo, stage="lint", stage_config=stage_config("lint"),
                          files=FileSet(repo).restricted(["pkg/uses.py"]), work_dir=work, timeout=120,
                          artifacts_dir=repo.parent / "out", cache=cache)
        return TOOLS["pylint"].scan(ctx)

    assert _cache_line(lint_uses()) == "0 of 1 files from cache"
    assert _cache_line(lint_uses()) == "1 of 1 files from cache"
    (repo / "pkg/clean.py").write_text("def total(a, b):\n    return a + b\n", encoding="utf-8")  # not linted
    changed = lint_uses()
    assert _cache_line(changed) == "0 of 1 files from cache"
    assert any(f.rule_id == "E0611" and f.location.path == "pkg/uses.py" for f in changed.findings)
    (repo / "pkg/clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    assert _cache_line(lint_uses()) == "1 of 1 files from cache"



def _lint_partial(repo: Path, cache: ResultCache | None) -> ScanOutput:
    work = repo.parent / "work" / os.urandom(4).hex()
    work.mkdir(parents=True)
    ctx = ScanContext(root=repo, stage="lint", stage_config=stage_config("lint", {"pylint_jobs": 1}),
                      files=FileSet(repo), work_dir=work, timeout=120, artifacts_dir=repo.parent / "out",
                      cache=cache, partial=True)
    return TOOLS["pylint"].scan(ctx)


def test_pylint_in_pr_mode_is_keyed_per_module_on_what_it_imports(repo: Path, cache: ResultCache):
    # PR mode turns duplicate-code and cyclic-import off, so a module's messages depend on its import
    # closure only: a change re-lints the modules that (transitively) import the changed one.
    assert _cache_line(_lint_partial(repo, cache)) == "0 of 5 files from cache"
    assert _cache_line(_lint_partial(repo, cache)) == "5 of 5 files from cache"
    (repo / "pkg/shell.py").write_text("import subprocess\n\n\ndef go(cmd):\n    subprocess.call(cmd)\n")
    one = _lint_partial(repo, cache)
    assert _cache_line(one) == "4 of 5 files from cache"  # nothing imports pkg/shell.py
    assert result(one)[0] == result(_lint_partial(repo, None))[0]
    (repo / "pkg/clean.py").write_text("def total(a, b):\n    return a + b\n", encoding="utf-8")
    two = _lint_partial(repo, cache)
    assert _cache_line(two) == "3 of 5 files from cache"  # pkg/clean.py and its importer pkg/uses.py
    assert any(f.rule_id == "E0611" and f.location.path == "pkg/uses.py" for f in two.findings)
    assert result(two)[0] == result(_lint_partial(repo, None))[0]
    # A new module can shadow an import: every key changes.
    (repo / "clean.py").write_text("X = 1\n", encoding="utf-8")
    assert _cache_line(_lint_partial(repo, cache)).startswith("0 of ")



def test_pylint_in_pr_mode_lints_its_misses_with_the_same_sys_path(tmp_path: Path, cache: ResultCache):
    # sys.path is built from every file pylint is given, in order: `first` comes before `second`, so
    # second/app.py's `util` is first/util.py, which has no `g` (E0611). Linting the miss alone would
    # resolve second/util.py instead; the hits are given as path hints, so the answer stays the same.
    root = write_tree(tmp_path / "two", {
        "first/util.py": "def f():\n    return 1\n",
        "second/util.py": "def g():\n    return 2\n",
        "second/app.py": "from util import g\n\nVALUE = g()\n",
    })
    git_init(root)
    assert _cache_line(_lint_partial(root, cache)) == "0 of 3 files from cache"
    (root / "second/app.py").write_text("from util import g\n\nVALUE = g() + 1\n", encoding="utf-8")
    again = _lint_partial(root, cache)
    assert _cache_line(again) == "2 of 3 files from cache"
    assert any(f.rule_id == "E0611" and f.location.path == "second/app.py" for f in again.findings)
    assert result(again)[0] == result(_lint_partial(root, None))[0]


# --- entries that do not agree with themselves ---------------------------------------------------------

def _rewrite(path: Path, change: Any) -> None:
    entry = json.loads(path.read_text(encoding="utf-8"))
    change(entry)
    path.write_text(json.dumps(entry), encoding="utf-8")


def test_corrupted_forged_and_truncated_entries_are_discarded_with_a_note(repo: Path, cache: ResultCache):
    uncached = result(scan("bandit", repo, None))
    scan("bandit", repo, cache)
    files = entries(cache, "bandit")
    assert len(files) == 5
    truncated, edited, schema, moved, _ = files
    truncated.write_text(truncated.read_text(encoding="utf-8")[:40], encoding="utf-8")
    _rewrite(edited, lambda e: e["payload"].update(notes=["edited by hand"]))  # checksum no longer matches
    _rewrite(schema, lambda e: e.update(schema="secure-pipeline-result-cache/0"))
    other = json.loads(moved.read_text(encoding="utf-8"))
    _rewrite(moved, lambda e: e.update(payload=other["payload"] | {"input": "pkg/elsewhere.py"},
                                       checksum=checksum(other["payload"] | {"input": "pkg/elsewhere.py"})))
    output = scan("bandit", repo, cache)
    assert _cache_line(output) == "1 of 5 files from cache"
    notes = "\n".join(output.run.details["notes"])
    for why in ("not valid JSON", "checksum mismatch", "another schema", "records another input"):
        assert why in notes
    assert result(output) == uncached  # the tool ran on the four, and reported what it always reports
    # A moved entry (its recorded key is not its address) is discarded too.
    first = entries(cache, "bandit")[0]
    data = json.loads(first.read_text(encoding="utf-8"))
    _rewrite(first, lambda e: e.update(key="0" * 64))
    output = scan("bandit", repo, cache)
    assert "its recorded key or tool is not its address" in "\n".join(output.run.details["notes"])
    assert result(output) == uncached
    assert data["schema"] == SCHEMA


def test_a_forged_clean_entry_under_another_key_is_never_used(repo: Path, cache: ResultCache):
    scan("bandit", repo, cache)
    evaluate = next(p for p in entries(cache, "bandit")
                    if json.loads(p.read_text(encoding="utf-8"))["payload"]["input"] == "pkg/evaluate.py")
    payload = json.loads(evaluate.read_text(encoding="utf-8"))["payload"]
    assert payload["findings"]  # B307 eval
    forged = payload | {"findings": []}
    # A self-consistent entry claiming zero findings, stored under the key of another content of the file
    # (what an attacker can compute without knowing the real key), and one in the right place that still
    # records the other key.
    cache.put("bandit", "f" * 64, forged)
    evaluate.write_text(json.dumps({"schema": SCHEMA, "key": "f" * 64, "tool": "bandit", "checksum": checksum(forged),
                                    "payload": forged}), encoding="utf-8")
    output = scan("bandit", repo, cache)
    assert any(f.rule_id == "B307" and f.location.path == "pkg/evaluate.py" for f in output.findings)
    assert "its recorded key or tool is not its address" in "\n".join(output.run.details["notes"])


# --- off, location, privacy, size --------------------------------------------------------------------

def test_cache_off_runs_everything_and_writes_nothing(repo: Path, tmp_path: Path):
    folder = tmp_path / "never"
    output = scan("pyflakes", repo, None)
    assert "cache" not in output.run.details and output.run.command
    proc = run_cli(["run", "sast", "--no-cache", "--out", str(tmp_path / "out"), "--quiet"], cwd=repo,
                   env={"SECURE_PIPELINE_CACHE": str(folder)})
    assert proc.returncode == 1, proc.stderr
    assert not folder.exists()
    sast = json.loads((tmp_path / "out" / "sast.json").read_text(encoding="utf-8"))
    assert all("cache" not in t["details"] for t in sast["tools"])


def test_the_location_comes_from_the_environment_and_never_from_the_scanned_tree(repo: Path, tmp_path: Path):
    folder = tmp_path / "from-env"
    proc = run_cli(["run", "sast", "--out", str(tmp_path / "out"), "--quiet"], cwd=repo,
                   env={"SECURE_PIPELINE_CACHE": str(folder)})
    assert proc.returncode == 1, proc.stderr
    assert len(list((folder / "v1" / "bandit").glob("*/*.json"))) == 5
    # A folder inside the scanned repository could come with the repository: refused, said why.
    proc = run_cli(["run", "harden", "--cache", str(repo / ".cache"), "--out", str(tmp_path / "out2")], cwd=repo)
    assert "result cache off" in proc.stdout + proc.stderr and "inside the scanned repository" in proc.stdout + proc.stderr
    assert not (repo / ".cache").exists()


def test_entries_are_private_and_a_shared_folder_is_refused(repo: Path, tmp_path: Path):
    cache = ResultCache.open(tmp_path / "private")
    scan("bandit", repo, cache)
    assert (cache.folder.stat().st_mode & 0o777) == 0o700
    for path in entries(cache, "bandit"):
        assert (path.stat().st_mode & 0o777) == 0o600
        assert (path.parent.stat().st_mode & 0o077) == 0
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(CacheUnavailable, match="accessible to other users"):
        ResultCache.open(shared)


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path: Path):
    cache = ResultCache.open(tmp_path / "small")
    for index in range(10):
        key = f"{index:02d}" + "a" * 62
        assert cache.put("bandit", key, {"input": f"f{index}.py", "blob": "x" * 500}) == ""
        os.utime(cache.path_for("bandit", key), (1_000_000 + index, 1_000_000 + index))
    size = cache.path_for("bandit", "00" + "a" * 62).stat().st_size  # every entry has this size
    cache = ResultCache.open(tmp_path / "small", max_bytes=5 * size)
    cache.prune()
    kept = sorted(p.name[:2] for p in entries(cache, "bandit"))
    assert kept == ["05", "06", "07", "08", "09"]
    assert cache.get("bandit", "09" + "a" * 62)[0] == {"input": "f9.py", "blob": "x" * 500}

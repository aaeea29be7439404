"""The leak suite: no byte of a planted secret in any report, artifact, log or stream.

One repository (tests/core/leak_fixture.py) holds a secret of every detect-secrets type in every
syntactic position; the tools that quote code quote them (pylint R0801 and W0511, bandit B105/B106,
ZAP evidence and URLs, a crashing tool that echoes the configuration files on stderr), the harness
environment holds credentials too, and files with hostile names sit in the tree. Every stage runs
for real, once, in GitHub Actions mode (annotations and the step summary are written). Then every
file under the output folder, the step summary, stdout and stderr are searched for any 10-character
piece of any planted value, and the harmless identifiers are checked to come out as they were.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import leak_fixture
from core_helpers import REPO, fake_tool, git_init, run_cli, write_tree

HOSTILE_NAMES = ("evil\n::error title=INJECTED::x.py", "pct%0A::warning::y.py", "ansi\x1b[2J\x1b[31mALL PASSED.py")
WINDOW = 10  # a leak of any 10 consecutive characters of a value counts (bandit used to leak 14 of 17)
# A workflow command this harness prints: its annotations (always titled) and the stop-commands pair.
OUR_COMMAND = re.compile(r"::(?:(?:error|warning|notice) [^:]*title=(?:\[|secure-pipeline)"
                         r"|stop-commands::[0-9a-f]{32}$|[0-9a-f]{32}::$)")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _outputs(out: Path, summary: Path, proc: subprocess.CompletedProcess) -> dict[str, str]:
    texts = {str(p.relative_to(out)): p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()}
    texts.update({"step summary": summary.read_text(encoding="utf-8"), "stdout": proc.stdout, "stderr": proc.stderr})
    return texts


def _leaks(values: dict[str, str], texts: dict[str, str]) -> list[str]:
    found = []
    for what, value in values.items():
        pieces = {value[i:i + WINDOW] for i in range(max(len(value) - WINDOW + 1, 1))}
        for name, text in texts.items():
            piece = next((p for p in pieces if p in text), None)
            if piece is not None:
                found.append(f"{what}: {piece!r} in {name}")
    return found


@pytest.fixture(scope="module", name="leak_run")
def _leak_run(tmp_path_factory):
    """The one run of every stage over the planted repository (module-scoped: it is the expensive part)."""
    base = tmp_path_factory.mktemp("leaks")
    planted = leak_fixture.build()
    web = leak_fixture.zap_values()
    server, port = leak_fixture.start_app(web)
    root = write_tree(base / "repo", {})
    for rel, text in planted.files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")  # not dedented: the values are exact
    for name in HOSTILE_NAMES:
        (root / "app" / name).write_text('"""Hostile name."""\nimport os\n', encoding="utf-8")
    git_init(root)
    # pyflakes crashes and echoes the configuration files (and the directory listing) on stderr.
    bin_dir = base / "bin"
    # (It runs in the harness's copies folder, so it reads the tree by its absolute path.)
    fake_tool(bin_dir, "pyflakes", f"cd '{root}' && grep -h -e KEY -e password -e _authToken -e index-url -e PASSWORD "
                                   ".env .npmrc config/app.yaml Dockerfile requirements.txt .github/workflows/ci.yml >&2\n"
                                   "exit 3")
    fake_tool(bin_dir, "hadolint", "ls app >&2\nexit 3")  # lists the hostile file names
    out, summary = base / "reports", base / "step_summary.md"
    env = {**planted.env, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_OUTPUT": str(base / "gh_output"),
           "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    target = f"http://scan:{web['zap target userinfo']}@127.0.0.1:{port}/"
    try:
        proc = run_cli(["run", "lint", "sast", "secrets", "harden", "deps", "zap", "--out", str(out),
                        "--offline", "--advisory-db", str(REPO / "tests" / "deps" / "fixtures"),
                        "--target", target, "--set", "zap.engine=embedded"], cwd=root, env=env)
    finally:
        server.shutdown()
        server.server_close()
    values = {**planted.values, **web, **{f"environment {k}": v for k, v in planted.env.items()}}
    return proc, out, _outputs(out, summary, proc), values, planted


def test_every_stage_saw_the_planted_secrets(leak_run):
    # Otherwise the search below would prove nothing.
    proc, out, _texts, _values, _planted = leak_run
    assert proc.returncode == 2, proc.stderr  # the crashing pyflakes makes lint an error
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    by_tool: dict[str, set[str]] = {}
    for item in verdict["findings"]:
        by_tool.setdefault(item["finding"]["tool"], set()).add(item["finding"]["rule_id"])
    expected_types = set(leak_fixture.typed_secrets())
    assert expected_types <= by_tool["detect-secrets"], expected_types - by_tool["detect-secrets"]
    assert {"R0801", "W0511"} <= by_tool["pylint"] and {"B105", "B106"} <= by_tool["bandit"]
    assert {"10010", "10024"} <= by_tool["zap"]  # cookie without HttpOnly (evidence), sensitive info in URL
    assert "CVE-2023-30861" in by_tool["pip-audit"]
    tools = {t["tool"]: t for s in verdict["stages"] for t in s["tools"]}
    assert tools["pyflakes"]["status"] == "error" and "ghp_" not in tools["pyflakes"]["stderr_tail"]
    echoed = tools["pyflakes"]["stderr_tail"]  # the crash really echoed every configuration file
    assert all(key in echoed for key in ("SECRET_KEY=", "_authToken=", "password:", "ENV API_KEY=", "--index-url",
                                         "DEPLOY_PASSWORD:")), echoed
    assert (out / "zap" / "zap-traditional.json").is_file()


def test_no_piece_of_any_planted_value_anywhere(leak_run):
    _proc, _out, texts, values, _planted = leak_run
    leaks = _leaks(values, texts)
    assert not leaks, leaks
    assert {"verdict/secure-pipeline.sarif", "verdict/report.html", "verdict/summary.md", "verdict/junit.xml",
            "verdict/verdict.json", "zap/zap-traditional.json", "lint.json", "zap.json"} <= set(texts)


def test_harmless_identifiers_stay_readable(leak_run):
    _proc, out, texts, _values, planted = leak_run
    verdict = texts["verdict/verdict.json"]
    assert f"TODO pin the base image to commit {planted.commit}" in texts["lint.json"]
    assert "Potential secret: Base64 High Entropy String" in verdict
    assert 'Module name \\"1038c2174f5d_make_case\\"' in texts["lint.json"]
    assert "flask 2.2.4" in texts["deps.json"] or "flask==2.2.4" in texts["deps.json"]
    assert "app/settings.py" in verdict and "requirements.txt" in verdict
    hashes = {item["finding"]["properties"]["hashed_secret"]
              for item in json.loads(verdict)["findings"] if item["finding"]["tool"] == "detect-secrets"}
    assert hashes and all(h in texts["verdict/summary.md"] or h in verdict for h in hashes)
    report = json.loads((out / "zap" / "zap-traditional.json").read_text())
    evidence = [i["evidence"] for site in report["site"] for a in site["alerts"] for i in a["instances"]]
    assert any("'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='" in e for e in evidence)  # pragma: allowlist secret
    assert any(e.startswith("Set-Cookie: sessionid") for e in evidence)


def test_hostile_file_names_issue_no_workflow_command_and_no_control_sequence(leak_run):
    proc, _out, texts, _values, _planted = leak_run
    for stream in (proc.stdout, proc.stderr):
        for line in re.split(r"\r\n|\r|\n", stream):
            if line.lstrip().startswith("::"):
                assert OUR_COMMAND.match(line.lstrip()), f"a workflow command the harness did not mean: {line[:120]!r}"
        assert not CONTROL.search(stream.replace("\n", "").replace("\t", ""))
    assert not any(line.startswith("::") for line in proc.stderr.splitlines())
    # The names did reach the streams, escaped: the file list in hadolint's stderr, the annotations.
    assert "ansi\\x1b[2J\\x1b[31mALL PASSED.py" in proc.stdout
    assert "file=app/evil%0A%3A%3Aerror title=INJECTED%3A%3Ax.py" in proc.stdout
    assert "file=app/pct%250A%3A%3Awarning%3A%3Ay.py" in proc.stdout
    for name in ("summary.md", "report.html", "junit.xml", "secure-pipeline.sarif"):
        assert not CONTROL.search(texts[f"verdict/{name}"].replace("\n", "").replace("\t", "")), name

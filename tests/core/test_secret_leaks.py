"""No report format and no log line contains a secret value that a scanner found.

Several distinct secrets are planted (made at run time, never committed); every stage that could see
them runs for real, in GitHub Actions mode so annotations and the step summary are written too, and
a crashing tool echoes one of them on stderr. Then every byte written anywhere is searched.
"""

from __future__ import annotations

import os
from pathlib import Path

from core_helpers import fake_tool, git_init, run_cli, write_tree


def _plant(root: Path, s: dict[str, str]) -> None:
    write_tree(root, {
        "app/__init__.py": "",
        "app/settings.py": (
            f'AWS_ACCESS_KEY_ID = "{s["aws_key_id"]}"\n'
            f'aws_secret_access_key = "{s["aws_secret"]}"\n'
            f'password = "{s["password"]}"\n'
            f'GITHUB_TOKEN = "{s["github_token"]}"\n'
            "\n\ndef connect(user, pwd=None):\n    return (user, pwd)\n\n\n"
            f'CONN = connect("admin", pwd="{s["password"]}")\n'
        ),
        "deploy/key.pem": s["private_key"],
        "app/keys.py": 'PRIVATE_KEY = """' + s["private_key"] + '"""\n',
    })


def _every_output(out: Path, extra: list[Path]) -> dict[str, str]:
    texts = {}
    for path in [*out.rglob("*"), *extra]:
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_no_report_or_log_contains_a_planted_secret(tmp_path, secret_values):
    root = tmp_path / "repo"
    _plant(root, secret_values)
    git_init(root)
    out = tmp_path / "reports"
    summary = tmp_path / "step_summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp_path / "gh_output")}
    proc = run_cli(["run", "lint", "sast", "secrets", "--out", str(out)], cwd=root, env=env)
    assert proc.returncode == 1, proc.stderr
    # The scanners really saw the secrets (otherwise this test would prove nothing).
    verdict = (out / "verdict" / "verdict.json").read_text()
    for kind in ("AWS Access Key", "GitHub Token", "Private Key", "Secret Keyword"):
        assert kind in verdict
    assert "B105" in verdict or "B106" in verdict  # bandit quotes hardcoded passwords in its messages

    # A tool that crashes and echoes a secret on stderr.
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "pyflakes", f'echo "config: token={secret_values["github_token"]} key {secret_values["aws_key_id"]}" >&2\nexit 3')
    out2 = tmp_path / "reports-crash"
    crash = run_cli(["run", "lint", "--out", str(out2)], cwd=root,
                    env={**env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert crash.returncode == 2

    logs = {"run stdout": proc.stdout, "run stderr": proc.stderr, "crash stdout": crash.stdout, "crash stderr": crash.stderr}
    outputs = {**_every_output(out, [summary]), **_every_output(out2, []), **logs}
    assert any(name.endswith("secure-pipeline.sarif") for name in outputs)
    assert any(name.endswith("report.html") for name in outputs)
    needles = {k: v for k, v in secret_values.items() if k != "private_key"}
    for name, text in outputs.items():
        for kind, value in needles.items():
            assert value not in text, f"{kind} leaked into {name}"

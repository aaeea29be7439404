"""The runner: argument lists, timeouts that kill the process group, credentials kept from scanners."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline import runner
from pipeline.redact import redact


def test_credentials_are_not_passed_unless_declared(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "gh-token-value")
    monkeypatch.setenv("ACTIONS_RUNTIME_TOKEN", "rt-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-value")
    monkeypatch.setenv("SAFETY_API_KEY", "safety-value")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    out = runner.run([sys.executable, "-c", code], cwd=tmp_path, timeout=30)
    env = __import__("json").loads(out.stdout)
    assert "GITHUB_TOKEN" not in env and "ACTIONS_RUNTIME_TOKEN" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env and "SAFETY_API_KEY" not in env
    assert env["HARMLESS_SETTING"] == "kept" and "PATH" in env
    declared = runner.run([sys.executable, "-c", code], cwd=tmp_path, timeout=30, passthrough_env=["SAFETY_API_KEY"])
    assert __import__("json").loads(declared.stdout)["SAFETY_API_KEY"] == "safety-value"


def test_shell_metacharacters_are_plain_arguments(tmp_path):
    marker = tmp_path / "pwned"
    out = runner.run([sys.executable, "-c", "import sys; print(sys.argv[1])", f"x; touch {marker}"], cwd=tmp_path, timeout=30)
    assert out.stdout.strip() == f"x; touch {marker}" and not marker.exists()


def test_timeout_reports_and_kills(tmp_path):
    started = time.monotonic()
    out = runner.run([sys.executable, "-c", "import time; print('partial', flush=True); time.sleep(60)"], cwd=tmp_path, timeout=1)
    assert out.timed_out and time.monotonic() - started < 10
    assert "partial" in out.stdout  # what it printed before the kill is kept, not dropped


def test_stdin_is_closed(tmp_path):
    # pyflakes with no arguments lints stdin; a scanner must never wait on ours.
    out = runner.run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"], cwd=tmp_path, timeout=10)
    assert out.stdout.strip() == "''"


def test_missing_executable(tmp_path):
    out = runner.run([str(Path(tmp_path) / "nope")], cwd=tmp_path, timeout=5)
    assert out.not_found


def test_redaction_of_common_secret_shapes():
    samples = {
        "Possible hardcoded password: 'Sup3rS3cretValue'": "Sup3rS3cretValue",
        "key AKIAZ3MPLE7KEY9ID2QX used": "AKIAZ3MPLE7KEY9ID2QX",
        "postgresql://app:Pa55w0rdValue@db:5432/x": "Pa55w0rdValue",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=bXlrZXl2YWx1ZWhlcmU=;": "bXlrZXl2YWx1ZWhlcmU=",
        "api_key = 'k3y-v4lue-123'": "k3y-v4lue-123",
        "Authorization token: xoxb-123456789012-abcdefghijkl": "xoxb-123456789012-abcdefghijkl",
    }
    for text, value in samples.items():
        assert value not in redact(text), text
    # Ordinary diagnostics survive.
    for text in ("Potential secret: Secret Keyword", "Unused import os", "undefined name 'token'",
                 "fingerprint 0123456789abcdef0123456789abcdef01234567"):
        assert redact(text) == text

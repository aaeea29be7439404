"""Requirement files are hostile input: includes stay inside the repository, nothing is quoted or run.

Shaped like the reported cases: `-r /proc/self/environ` printed the harness's environment, `-r`
followed `../` paths, and index URLs with a token appeared raw. Each test plants the secret and
checks that not one byte of it comes out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from deps_helpers import FIXTURES
from pipeline.adapters.pip_audit import PipAudit
from pipeline.dependencies import MAX_SOURCE_BYTES, SourceError, collect, strip_userinfo
from pipeline.model import Status

REPO = Path(__file__).resolve().parents[2]
TOKEN = "ghp_R3qu1r3m3ntT0kenValue9f8e7d6c5b4a"  # pragma: allowlist secret - planted test value
OUTSIDE_SECRET = "AKIAQUTSIDEKEY7EXAMPL"  # pragma: allowlist secret - planted test value


def _repo(tmp_path: Path, requirements: str, **files: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "requirements.txt").write_text(requirements)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _error(root: Path, sources: tuple[str, ...] = ("requirements.txt",)) -> str:
    with pytest.raises(SourceError) as caught:
        collect(root, list(sources), [])
    return str(caught.value)


def test_proc_self_environ_include_is_an_error_and_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", TOKEN)
    root = _repo(tmp_path, "flask==2.2.4\n-r /proc/self/environ\n")
    message = _error(root)
    assert "requirements.txt:2" in message and "-r '/proc/self/environ'" in message and "outside" in message
    assert TOKEN not in message


@pytest.mark.parametrize("line", [
    "-r ../outside.txt", "-r../outside.txt", "--requirement=../outside.txt", "--requirement ../outside.txt",
    "-c ../outside.txt", "--constraint=../outside.txt", "-r {outside}", "-c {outside}", "-r sub/../../outside.txt",
])
def test_includes_leaving_the_repository_are_errors_naming_file_line_and_include(tmp_path: Path, line: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(f"aws-secret=={OUTSIDE_SECRET}\n")
    root = _repo(tmp_path, "# app\n" + line.format(outside=outside) + "\n")
    message = _error(root)
    assert "requirements.txt:2" in message and "outside the scanned repository" in message
    assert OUTSIDE_SECRET not in message


def test_nested_include_escaping_is_named_at_the_nested_file(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text(f"x=={OUTSIDE_SECRET}\n")
    root = _repo(tmp_path, "-r reqs/base.txt\n", **{"reqs/base.txt": "flask==2.2.4\n-c ../../outside.txt\n"})
    message = _error(root)
    assert "reqs/base.txt:2" in message and "-c '../../outside.txt'" in message and OUTSIDE_SECRET not in message


def test_symlinked_include_leading_outside_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text(f"x=={OUTSIDE_SECRET}\n")
    root = _repo(tmp_path, "-r pinned.txt\n")
    (root / "pinned.txt").symlink_to(tmp_path / "outside.txt")
    message = _error(root)
    assert "requirements.txt:1" in message and "symlink" in message and OUTSIDE_SECRET not in message


def test_symlinked_source_leading_to_dev_zero_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").symlink_to("/dev/zero")
    assert "outside the scanned repository" in _error(root)


def test_symlink_staying_inside_the_repository_is_followed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "-r current.txt\n", **{"pins/v1.txt": "flask==2.2.4\n"})
    (root / "current.txt").symlink_to(root / "pins" / "v1.txt")
    assert [(p.name, p.version) for p in collect(root, ["requirements.txt"], []).pins] == [("flask", "2.2.4")]


def test_fifo_include_is_an_error_not_a_hang(tmp_path: Path) -> None:
    root = _repo(tmp_path, "-r pipe.txt\n")
    os.mkfifo(root / "pipe.txt")
    assert "pipe.txt: not a regular file" in _error(root)


def test_oversized_requirement_file_is_an_error(tmp_path: Path) -> None:
    root = _repo(tmp_path, "-r huge.txt\n")
    with open(root / "huge.txt", "wb") as handle:
        handle.truncate(MAX_SOURCE_BYTES + 1)  # sparse: no disk is spent
    assert "huge.txt" in _error(root) and "more than" in _error(root)


def test_configured_source_outside_the_repository_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text(f"x=={OUTSIDE_SECRET}\n")
    root = _repo(tmp_path, "flask==2.2.4\n")
    message = _error(root, ("requirements.txt", "../outside.txt"))
    assert "../outside.txt" in message and "outside" in message and OUTSIDE_SECRET not in message


def test_url_include_is_never_fetched_and_its_credentials_are_not_shown(tmp_path: Path) -> None:
    root = _repo(tmp_path, f"-r https://deploy:{TOKEN}@index.example/reqs.txt\n")
    message = _error(root)
    assert "URL include is never fetched" in message and "https://index.example/reqs.txt" in message
    assert TOKEN not in message


def test_credentials_in_requirement_urls_never_reach_a_message(tmp_path: Path) -> None:
    root = _repo(tmp_path, f"-e git+https://deploy:{TOKEN}@git.example/app.git#egg=app\n"
                           f"flask @ https://{TOKEN}@files.example/flask-2.2.4.tar.gz\n")
    message = _error(root)
    assert "not pinned" in message and "https://files.example/flask-2.2.4.tar.gz" in message and TOKEN not in message


def test_a_line_that_is_not_a_requirement_is_named_but_never_quoted(tmp_path: Path) -> None:
    root = _repo(tmp_path, f"flask==2.2.4\nGITHUB_TOKEN={TOKEN}\n")
    message = _error(root)
    assert "requirements.txt:2: not a valid requirement" in message and TOKEN not in message


def test_local_paths_and_archives_are_errors_never_built(tmp_path: Path) -> None:
    root = _repo(tmp_path, "./vendor/lib\nwheels/app-1.0.tar.gz\n")
    message = _error(root)
    assert "requirements.txt:1: a local path or archive" in message and "requirements.txt:2" in message


def test_lock_file_name_cannot_smuggle_an_option_into_the_pins_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "uv.lock").write_text('version = 1\n[[package]]\nname = "flask\\n--index-url https://evil.example/simple"\n'
                                  'version = "2.2.4"\n')
    assert "is not a valid project name" in _error(root, ("uv.lock",))


def test_strip_userinfo_keeps_host_and_path() -> None:
    assert strip_userinfo(f"see https://deploy:{TOKEN}@index.example/simple and ssh://git@host/x") == \
        "see https://index.example/simple and ssh://host/x"


# --- through the real pip-audit ---------------------------------------------------------------------
PIP_OPTIONS = f"""\
--index-url https://deploy:{TOKEN}@index.example/simple
--extra-index-url=https://{TOKEN}@extra.example/simple
--find-links ./wheels
--trusted-host index.example
--use-pep517
--no-build-isolation
--pre
flask==2.2.4 --config-settings=editable_mode=compat --global-option=--verbose --hash=sha256:abc
"""


def test_pip_options_are_never_passed_on_and_are_named_in_a_note(make_ctx) -> None:
    ctx = make_ctx(PIP_OPTIONS)
    out = PipAudit().scan(ctx)
    assert out.run.status is Status.PASSED, out.run.error
    assert [f.rule_id for f in out.findings] and {f.location.package for f in out.findings} == {"flask"}
    # What pip-audit was given: exact pins the harness wrote (flask, and two canaries), no option of the file.
    pins = (ctx.work_dir / "pins-1.txt").read_text().splitlines()
    assert "flask==2.2.4" in pins and all(line.count("==") == 1 and " " not in line and not line.startswith("-")
                                          for line in pins)
    assert not any(arg.startswith(("--index", "--extra", "--find", "--trusted", "--use-pep", "--config", "--global"))
                   for arg in out.run.command)
    assert {"--no-deps", "--disable-pip"} <= set(out.run.command)
    ignored = out.run.details["ignored_pip_options"]
    assert ignored == ["requirements.txt:1 --index-url", "requirements.txt:2 --extra-index-url",
                       "requirements.txt:3 --find-links", "requirements.txt:4 --trusted-host", "requirements.txt:5 --use-pep517",
                       "requirements.txt:6 --no-build-isolation", "requirements.txt:7 --pre",
                       "requirements.txt:8 --config-settings", "requirements.txt:8 --global-option"]
    assert any("pip option(s)" in note for note in out.run.details["notes"])
    assert TOKEN not in json.dumps([out.run.details, out.run.error, out.run.command, [f.message for f in out.findings]],
                                   default=str)


def test_interpreter_inside_the_repository_is_never_run(make_ctx) -> None:
    ctx = make_ctx("flask==2.2.4\n")
    marker = ctx.root.parent / "RAN"
    script = ctx.root / "venv" / "bin" / "python"
    script.parent.mkdir(parents=True)
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    ctx = replace(ctx, stage_config=ctx.stage_config.with_values({"sources": ["env:venv/bin/python"]}))
    out = PipAudit().scan(ctx)
    assert out.run.status is Status.ERROR and "inside the scanned repository is never run" in out.run.error
    assert not marker.exists()


def test_environment_source_does_not_import_modules_of_the_scanned_tree(make_ctx) -> None:
    ctx = make_ctx("flask==2.2.4\n")
    marker = ctx.root.parent / "IMPORTED"
    (ctx.root / "json.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(3)\n")
    deps = collect(ctx.root, [f"env:{sys.executable}"], [])
    assert deps.pins and not marker.exists()


def test_cli_run_with_proc_environ_include_leaks_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, "flask==2.2.4\n-r /proc/self/environ\n-r ../outside.txt\n")
    (tmp_path / "outside.txt").write_text(f"x=={OUTSIDE_SECRET}\n")
    out = tmp_path / "out"
    env = {**os.environ, "DEPLOY_TOKEN": TOKEN, "SENTRY_DSN": f"https://{TOKEN[:32]}@o1.ingest.sentry.io/1"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "deps", "--root", str(root), "--out", str(out),
         "--offline", "--advisory-db", str(FIXTURES)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    report = json.loads((out / "deps.json").read_text())
    assert report["status"] == "error" and "requirements.txt:2" in report["reason"] and "/proc/self/environ" in report["reason"]
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    for stream in (result.stdout, result.stderr, written):
        assert TOKEN not in stream and TOKEN[:32] not in stream and OUTSIDE_SECRET not in stream

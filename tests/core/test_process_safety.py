"""Process safety: no wait without a deadline, nothing outlives its tool, interruption kills every
scanner, one run per output folder, no credential readable by a scanner, bad files are exit 2/3.

Fake tools are small Python scripts first on PATH, shaped like the real faults (a detached
`setsid` child holding stdout, a hang, 70 MiB of output, a tool snooping on /proc). "Does not
hang" is proven by the tool not timing out (its timeout is far beyond what the test needs) or by
the test's own subprocess deadline, never by measuring time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core_helpers import REPO as REPO_ROOT, run_cli
from pipeline import runner, sandbox
from process_helpers import fake_python_tool, running_with_arg, sleep_marker

ISOLATION_MODES = ["namespaces", "off"]


def _path_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **extra}


def _isolation(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the in-process runner with or without namespaces (the probe result is cached per process)."""
    if mode == "off":
        monkeypatch.setenv(sandbox.DISABLE_VAR, "off")
    else:
        monkeypatch.delenv(sandbox.DISABLE_VAR, raising=False)
    monkeypatch.setattr(sandbox, "_cache", {})
    if mode == "namespaces" and not sandbox.isolation().namespaces:
        pytest.fail(f"namespaces are expected to work on this machine: {sandbox.isolation().description}")


def _detached_child_tool(bin_dir: Path, name: str, marker: str, stdout: str = "[]") -> Path:
    # Like a tool whose plugin daemonises: the child keeps the tool's stdout and stderr open.
    return fake_python_tool(bin_dir, name, f"""
        import os
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}"])
            os._exit(0)
        print({stdout!r}, flush=True)
        """)


def _wait_for(path: Path, proc: subprocess.Popen, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the harness ended before the tool started: {proc.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail("the fake tool never started")
        time.sleep(0.1)


# --- runner.run: deadlines, output limit, leftovers ---------------------------------------------

@pytest.mark.parametrize("mode", ISOLATION_MODES)
def test_detached_child_holding_stdout_does_not_hold_the_runner(tmp_path, monkeypatch, mode):
    _isolation(mode, monkeypatch)
    marker = sleep_marker()
    tool = _detached_child_tool(tmp_path / "bin", "daemonising-tool", marker)
    with runner.collect_problems() as problems:
        out = runner.run([str(tool)], cwd=tmp_path, timeout=600)
    assert not out.timed_out  # it returned long before its timeout: it did not wait for the child
    assert out.stdout.strip() == "[]" and out.exit_code == 0
    assert out.problem and problems == [out.problem]
    assert "left behind" in out.problem or "left 1 process" in out.problem
    assert not running_with_arg(marker), "the detached child survived"


@pytest.mark.parametrize("mode", ISOLATION_MODES)
def test_hang_with_detached_child_is_killed_at_the_timeout(tmp_path, monkeypatch, mode):
    _isolation(mode, monkeypatch)
    marker = sleep_marker()
    tool = fake_python_tool(tmp_path / "bin", "hanging-tool", f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            os.execvp("sleep", ["sleep", "{marker}"])
        print("partial", flush=True)
        time.sleep(1000)
        """)
    out = runner.run([str(tool)], cwd=tmp_path, timeout=2)
    assert out.timed_out and "partial" in out.stdout
    assert not running_with_arg(marker)


@pytest.mark.parametrize("mode", ISOLATION_MODES)
def test_output_beyond_the_limit_is_an_error_and_the_tool_is_killed(tmp_path, monkeypatch, mode):
    _isolation(mode, monkeypatch)
    tool = fake_python_tool(tmp_path / "bin", "chatty-tool", """
        import sys
        chunk = b"[" + b"1," * 32768
        while True:
            sys.stdout.buffer.write(chunk)
        """)
    out = runner.run([str(tool)], cwd=tmp_path, timeout=600)
    assert not out.timed_out
    assert out.problem.startswith(f"printed more than {runner.MAX_OUTPUT_BYTES // 2**20} MiB on stdout")
    assert out.stdout == ""  # a truncated prefix is never handed to a parser


def test_tool_killed_by_a_signal_is_reported_as_such_inside_a_namespace(tmp_path, monkeypatch):
    _isolation("namespaces", monkeypatch)
    tool = fake_python_tool(tmp_path / "bin", "self-killing-tool", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    out = runner.run([str(tool)], cwd=tmp_path, timeout=60)
    assert out.killed_by_signal == signal.SIGKILL and "namespaces" in out.isolation


def test_a_tool_cannot_forge_the_namespace_status_line(tmp_path, monkeypatch):
    _isolation("namespaces", monkeypatch)
    # It writes a fake "exit 0 0" on every descriptor it inherited and every one of the namespace
    # init's (/proc/1/fd), then dies by SIGKILL: a forged line would hide or garble that death.
    tool = fake_python_tool(tmp_path / "bin", "forging-tool", """
        import os, signal
        targets = [str(fd) for fd in range(3, 64)] + [f"/proc/1/fd/{fd}" for fd in range(64)]
        for target in targets:
            try:
                fd = int(target) if target.isdigit() else os.open(target, os.O_WRONLY)
                os.write(fd, b"exit 0 0\\n")
            except OSError:
                pass
        os.kill(os.getpid(), signal.SIGKILL)
        """)
    out = runner.run([str(tool)], cwd=tmp_path, timeout=60)
    assert out.exit_code == -signal.SIGKILL and not out.problem


def test_a_detached_child_makes_the_stage_an_error(clean_repo, tmp_path):
    marker = sleep_marker()
    bin_dir = tmp_path / "bin"
    _detached_child_tool(bin_dir, "pyflakes", marker, stdout="")
    out = tmp_path / "reports"
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo,
                   env=_path_env(bin_dir), timeout=300)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    report = json.loads((out / "lint.json").read_text())
    run = next(t for t in report["tools"] if t["tool"] == "pyflakes")
    assert run["status"] == "error" and "left" in run["error"], run
    assert run["details"]["isolation"]
    assert not running_with_arg(marker)


def test_huge_output_makes_the_stage_an_error(clean_repo, tmp_path):
    bin_dir = tmp_path / "bin"
    # bandit's JSON, padded with 70 MiB of valid whitespace-free content.
    fake_python_tool(bin_dir, "bandit", """
        import sys
        sys.stdout.write('{"results": [], "errors": [], "metrics": {}, "padding": "')
        for _ in range(70):
            sys.stdout.write("x" * 2**20)
        sys.stdout.write('"}')
        """)
    out = tmp_path / "reports"
    proc = run_cli(["run", "sast", "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo,
                   env=_path_env(bin_dir), timeout=300)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    run = next(t for t in json.loads((out / "sast.json").read_text())["tools"] if t["tool"] == "bandit")
    assert run["status"] == "error"
    assert run["error"].startswith(f"bandit: printed more than {runner.MAX_OUTPUT_BYTES // 2**20} MiB on stdout"), run


# --- interruption and the output folder --------------------------------------------------------

def _slow_pyflakes(bin_dir: Path, started: Path, marker: str) -> None:
    fake_python_tool(bin_dir, "pyflakes", f"""
        import os, subprocess, time
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)  # a detached grandchild too
        open({str(started)!r}, "w").close()
        time.sleep(1000)
        """)


def _start_run(repo: Path, out: Path, bin_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(_path_env(bin_dir))
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", "lint", "--out", str(out), "--quiet"],
                            cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interruption_kills_every_scanner_and_leaves_no_stale_verdict(clean_repo, tmp_path, signum):
    bin_dir, out, started = tmp_path / "bin", tmp_path / "reports", tmp_path / "started"
    marker = sleep_marker()
    _slow_pyflakes(bin_dir, started, marker)
    # What the previous, passing run left behind.
    (out / "verdict").mkdir(parents=True)
    (out / "verdict" / "verdict.json").write_text('{"schema": "secure-pipeline/verdict", "status": "passed"}')
    (out / "lint.json").write_text('{"schema": "secure-pipeline/stage-report", "status": "passed"}')
    proc = _start_run(clean_repo, out, bin_dir)
    try:
        _wait_for(started, proc)
        assert running_with_arg(marker)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)  # the deadline that proves it does not hang
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, (stdout, stderr)
    assert stderr.strip().count("\n") == 0 and "interrupted by " + signal.Signals(signum).name in stderr
    assert not running_with_arg(marker), "a scanner's process survived the interruption"
    assert not (out / "verdict").exists() and not (out / "lint.json").exists()


def test_two_runs_into_one_folder_do_not_mix(clean_repo, tmp_path):
    bin_dir, out, started = tmp_path / "bin", tmp_path / "reports", tmp_path / "started"
    marker = sleep_marker()
    _slow_pyflakes(bin_dir, started, marker)
    first = _start_run(clean_repo, out, bin_dir)
    try:
        _wait_for(started, first)
        second = run_cli(["run", "sast", "--out", str(out), "--quiet"], cwd=clean_repo, timeout=120)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert second.returncode == 3, (second.stdout, second.stderr)
    line = second.stderr.strip()
    assert "\n" not in line and str(out) in line and "another `pipeline run`" in line
    assert not (out / "sast.json").exists()
    assert not running_with_arg(marker)


def test_stage_reports_carry_the_run_id_of_the_folder_lock(clean_repo, tmp_path):
    out = tmp_path / "reports"
    proc = run_cli(["run", "secrets", "--out", str(out), "--quiet"], cwd=clean_repo)
    assert proc.returncode == 0, proc.stderr
    run_id = (out / ".secure-pipeline.lock").read_text().split()[0]
    assert json.loads((out / "secrets.json").read_text())["provenance"]["run_id"] == run_id


# --- credentials --------------------------------------------------------------------------------

_SNOOP = """
    import os, re
    found, visible = [], []
    def environ(pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                return handle.read()
        except OSError:
            return b""
    pid = os.getpid()
    while pid > 1:  # every ancestor, as an init-hook reading /proc/$PPID/environ would
        status = open(f"/proc/{pid}/status").read()
        pid = int(re.search(r"^PPid:\\s+(\\d+)", status, re.M).group(1))
        visible.append(pid)
        found += re.findall(rb"GITHUB_TOKEN=([^\\0]*)", environ(pid))
    for entry in os.listdir("/proc"):  # and every other process it can see
        if entry.isdigit():
            found += re.findall(rb"GITHUB_TOKEN=([^\\0]*)", environ(entry))
    own = environ("self")
    with open(os.environ["SNOOP_REPORT"], "w") as report:
        report.write(repr({"found": found, "ancestors": visible, "canary": b"SNOOP_CANARY=" in own}))
    print("[]")
    """


def test_a_scanner_reads_no_credential_of_the_harness_or_its_ancestors(clean_repo, tmp_path):
    bin_dir, out, snoop = tmp_path / "bin", tmp_path / "reports", tmp_path / "snoop.txt"
    fake_python_tool(bin_dir, "pyflakes", _SNOOP)
    token = "ghp_" + os.urandom(18).hex()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(_path_env(bin_dir, GITHUB_TOKEN=token, SNOOP_REPORT=str(snoop), SNOOP_CANARY="1"))
    # The CI runner's shell: an ancestor of the harness that keeps the token in its environment.
    shell = [sys.executable, "-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"]
    proc = subprocess.run([*shell, sys.executable, "-m", "pipeline", "run", "lint", "--out", str(out), "--quiet"],
                          cwd=clean_repo, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stderr
    seen = snoop.read_text()
    assert "'canary': True" in seen  # the snoop could read environments: its own, at least
    assert token not in seen and token not in proc.stdout and token not in proc.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace"), path
    assert json.loads((out / "lint.json").read_text())["tools"][0]["details"]["isolation"].startswith("user+pid+mount")


def test_without_namespaces_the_harness_itself_still_hides_its_credentials(clean_repo, tmp_path):
    bin_dir, out, snoop = tmp_path / "bin", tmp_path / "reports", tmp_path / "snoop.txt"
    # Only the direct parent (the harness): its ancestors are beyond what it can protect without namespaces.
    fake_python_tool(bin_dir, "pyflakes", f"""
        import os
        with open("/proc/{{}}/environ".format(os.getppid()), "rb") as handle:
            parent = handle.read()
        open({str(snoop)!r}, "wb").write(parent)
        print("[]")
        """)
    token = "ghp_" + os.urandom(18).hex()
    proc = run_cli(["run", "lint", "--out", str(out), "--quiet"], cwd=clean_repo,
                   env=_path_env(bin_dir, GITHUB_TOKEN=token, **{sandbox.DISABLE_VAR: "off"}), timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stderr
    parent = snoop.read_bytes()
    assert b"PATH=" in parent  # it did read the harness's environment
    assert token.encode() not in parent
    assert "none: namespaces turned off" in json.loads((out / "lint.json").read_text())["tools"][0]["details"]["isolation"]


# --- bad input files: one line, exit 3 (configuration) or 2 (a stage cannot run), never a hang ----

def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_pyproject_symlinked_to_dev_zero(clean_repo):
    (clean_repo / "pyproject.toml").symlink_to("/dev/zero")
    proc = run_cli(["run", "lint", "--quiet"], cwd=clean_repo, timeout=120)
    assert proc.returncode == 3
    line = _one_line(proc.stderr)
    assert "pyproject.toml" in line and "not a regular file" in line


def test_suppressions_symlinked_to_dev_zero(clean_repo):
    (clean_repo / ".secure-pipeline").mkdir()
    (clean_repo / ".secure-pipeline" / "suppressions.toml").symlink_to("/dev/zero")
    proc = run_cli(["run", "lint", "--quiet"], cwd=clean_repo, timeout=120)
    assert proc.returncode == 3
    assert "suppressions.toml" in _one_line(proc.stderr)


def test_oversized_pyproject_is_refused(clean_repo):
    (clean_repo / "pyproject.toml").write_text("# padding\n" * (2 * 1024 * 1024))
    proc = run_cli(["run", "lint", "--quiet"], cwd=clean_repo, timeout=120)
    assert proc.returncode == 3
    assert "larger than 16 MiB" in _one_line(proc.stderr)


def test_out_pointing_at_a_file(clean_repo, tmp_path):
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    proc = run_cli(["run", "lint", "--out", str(target), "--quiet"], cwd=clean_repo, timeout=120)
    assert proc.returncode == 3
    assert str(target) in _one_line(proc.stderr)
    assert target.read_text() == "x"


def test_fifo_as_secrets_baseline_is_an_error_not_a_hang(clean_repo, tmp_path):
    os.mkfifo(clean_repo / ".secrets.baseline")
    out = tmp_path / "reports"
    proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo, timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    run = json.loads((out / "secrets.json").read_text())["tools"][0]
    assert ".secrets.baseline" in run["error"] and "not a regular file (a FIFO)" in run["error"], run


def test_an_unexpected_exception_is_exit_2_with_one_line(monkeypatch, capsys):
    from pipeline import cli

    def broken(_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "cmd_run", broken)
    assert cli.main(["run", "lint"]) == 2
    assert _one_line(capsys.readouterr().err).startswith("pipeline: error: internal error: RuntimeError: disk on fire")


def test_reexec_keeps_arguments_and_working_directory(clean_repo):
    # The credential-free re-exec must be invisible: same command line, same answers.
    proc = subprocess.run([sys.executable, "-m", "pipeline", "--version"], cwd=clean_repo, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "GITHUB_TOKEN": "ghp_" + "a" * 36,
                                                      })
    assert proc.returncode == 0 and proc.stdout.startswith("secure-pipeline ")


def test_refused_namespaces_fall_back_and_say_so(tmp_path, monkeypatch):
    # Where the kernel or its policy refuses user namespaces, unshare fails like this.
    fake_python_tool(tmp_path / "sbin", "unshare", """
        sys.stderr.write("unshare: write failed /proc/self/uid_map: Operation not permitted\\n")
        sys.exit(1)
        """)
    monkeypatch.setenv("PATH", f"{tmp_path / 'sbin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(sandbox.DISABLE_VAR, raising=False)
    monkeypatch.setattr(sandbox, "_cache", {})
    out = runner.run([sys.executable, "-c", "import os; print(os.getpid() != 1 and os.path.exists('/proc/1'))"],
                     cwd=tmp_path, timeout=60)
    assert out.exit_code == 0 and out.stdout.strip() == "True"
    assert out.isolation.startswith("none: the kernel refused new namespaces (unshare: write failed")


@pytest.mark.parametrize("mode", ISOLATION_MODES)
def test_a_scanner_cannot_plant_a_verdict_for_this_run(clean_repo, tmp_path, mode):
    # In a namespace the folder is hidden; without, what it planted is removed before reports are written.
    out = tmp_path / "reports"
    bin_dir = tmp_path / "bin"
    # A scanner (or a plugin it loads) writes a passing verdict where this run's will go, then fails.
    fake_python_tool(bin_dir, "pyflakes", f"""
        import os
        os.makedirs({str(out / 'verdict')!r}, exist_ok=True)
        open({str(out / 'verdict' / 'verdict.json')!r}, "w").write('{{"status": "passed", "planted": true}}')
        open({str(out / 'verdict' / 'planted.sarif')!r}, "w").write("{{}}")
        raise SystemExit(70)
        """)
    env = _path_env(bin_dir, **({sandbox.DISABLE_VAR: "off"} if mode == "off" else {}))
    proc = run_cli(["run", "lint", "--out", str(out), "--quiet"], cwd=clean_repo, env=env, timeout=300)
    assert proc.returncode == 2
    assert "planted" not in (out / "verdict" / "verdict.json").read_text()
    assert not (out / "verdict" / "planted.sarif").exists()


def test_in_a_namespace_scanners_neither_see_nor_touch_the_output_folder(clean_repo, tmp_path):
    out, seen, bin_dir = tmp_path / "reports", tmp_path / "seen.json", tmp_path / "bin"
    out.mkdir()
    (out / "deps.json").write_text("{}")  # another stage's report, from an earlier run
    fake_python_tool(bin_dir, "pyflakes", f"""
        import json, os
        try:
            open({str(out / 'deps.json')!r}, "w").write("tampered")
            wrote = True
        except OSError:
            wrote = False
        json.dump({{"listing": os.listdir({str(out)!r}), "wrote": wrote}}, open({str(seen)!r}, "w"))
        """)
    proc = run_cli(["run", "lint", "--out", str(out), "--no-verdict", "--quiet"], cwd=clean_repo,
                   env=_path_env(bin_dir), timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert json.loads(seen.read_text()) == {"listing": [], "wrote": False}
    assert (out / "deps.json").read_text() == "{}"
    assert "output folder hidden" in json.loads((out / "lint.json").read_text())["tools"][0]["details"]["isolation"]


def test_an_output_folder_holding_the_tool_itself_is_not_hidden(tmp_path, monkeypatch):
    # `--out /` or `--out $HOME` must not make the scanner unrunnable: such a folder stays visible.
    _isolation("namespaces", monkeypatch)
    tool = fake_python_tool(tmp_path / "bin", "tool", "print('ran')\n")
    with runner.hidden_from_scanners([tmp_path]):
        out = runner.run([str(tool)], cwd=REPO_ROOT, timeout=60)
    assert out.exit_code == 0 and out.stdout.strip() == "ran"

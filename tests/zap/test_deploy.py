"""Deploying the app for the scan: the URL line, /readyz, and teardown on success, failure and Ctrl-C.

The startup/teardown mechanics use small real Python servers; the last tests deploy the real
sample app (embedded PostgreSQL + gunicorn) and scan it with the default rules."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.adapters.zap import Zap
from pipeline.config import load
from pipeline.model import Status
from pipeline.zap.deploy import DeployError, deployed_app

from .test_stage import context

ROOT = Path(__file__).resolve().parents[2]

SERVER = textwrap.dedent("""
    import http.server, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/readyz" else 404); self.end_headers()
        def log_message(self, *a): pass
    s = http.server.HTTPServer(("127.0.0.1", 0), H)
    print(f"Serving on http://127.0.0.1:{s.server_port}/", flush=True)
    s.serve_forever()
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pid_of(url: str) -> int:
    import subprocess
    port = url.rsplit(":", 1)[1].strip("/")
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(out.split("pid=")[1].split(",")[0])


def test_yields_url_after_readyz_and_stops_the_process(tmp_path):
    with deployed_app(tmp_path, ("python", "-c", SERVER), start_timeout=10, ready_timeout=10) as url:
        assert url.startswith("http://127.0.0.1:")
        pid = _pid_of(url)
        assert alive(pid)
    assert not alive(pid)


def test_teardown_on_exception_and_ctrl_c(tmp_path):
    for error in (RuntimeError("scan blew up"), KeyboardInterrupt()):
        with pytest.raises(type(error)):
            with deployed_app(tmp_path, ("python", "-c", SERVER), start_timeout=10, ready_timeout=10) as url:
                pid = _pid_of(url)
                raise error
        assert not alive(pid)


def test_app_that_exits_before_serving(tmp_path):
    script = "import sys; print('error: PGDATA is not writable', file=sys.stderr); sys.exit(2)"
    with pytest.raises(DeployError, match="exited with code 2 before serving: error: PGDATA is not writable"):
        with deployed_app(tmp_path, ("python", "-c", script), start_timeout=10, ready_timeout=10):
            pass


def test_app_that_never_prints_its_url(tmp_path):
    with pytest.raises(DeployError, match="no `Serving on URL` line within 0.5s"):
        with deployed_app(tmp_path, ("python", "-c", "import time; time.sleep(30)"), start_timeout=0.5, ready_timeout=1):
            pass


def test_app_that_never_becomes_ready(tmp_path):
    script = SERVER.replace('200 if self.path == "/readyz" else 404', "503")
    with pytest.raises(DeployError, match=r"not ready within 0.5s \(/readyz: HTTP 503\)"):
        with deployed_app(tmp_path, ("python", "-c", script), start_timeout=10, ready_timeout=0.5):
            pass


def _postgres_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.add(int(entry.name))
            except OSError:
                pass
    return pids


def test_sample_app_default_rules_have_no_fail_and_leave_no_process():
    before = _postgres_pids()
    # No target: this repository's zap.deploy_command (pyproject.toml) deploys the sample app; scan; tear down.
    command = load(ROOT).stages["zap"]["deploy_command"]
    assert command[:3] == ["python", "-m", "app"]
    out = Zap().scan(context(ROOT, deploy_command=command))
    assert out.run.status is Status.PASSED, out.run.error
    fails = [f for f in out.findings if f.tool_gate == "fail"]
    assert fails == [], [(f.rule_id, f.title, f.location.url) for f in fails]
    visited = {u.split("/", 3)[3] for u in out.run.details["urls_visited"]}
    assert {"", "suggest", "suggestions", "static/style.css", "robots.txt", "sitemap.xml"} <= visited
    # The app's postgres runs in its own process group and finishes shutting down just after the app
    # exits (about 1.5 s here); it must be gone soon after, not left running.
    deadline = time.monotonic() + 15
    while _postgres_pids() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _postgres_pids() - before == set()

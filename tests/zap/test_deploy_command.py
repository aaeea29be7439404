"""zap.deploy_command: the repository says how its app starts, the harness hard-codes nothing, and
the app (the repository's own code) runs without the harness's credentials, in the scanners' sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from pipeline.adapters.zap import NOTHING_TO_SCAN, Zap
from pipeline.model import Status
from pipeline.sandbox import isolation
from pipeline.zap.choose import choose
from pipeline.zap.daemon import DaemonEngine
from pipeline.zap.embedded import EmbeddedEngine
from pipeline.zap.engine import Engine
from pipeline.zap.engine_result import EngineError
from tests.support import neutral_env, write_tree

from .test_stage import context

PLANTED = "ghp_" + "PlantedDeployToken0123456789abcdefXYZ"  # pragma: allowlist secret - a planted test value

# A tiny app that says what it could see: the planted token in its own environment, or in any
# process's /proc/<pid>/environ it can read (the harness's ancestors hold the CI's credentials).
APP = textwrap.dedent('''
    import http.server, json, os, sys
    token = sys.argv[1]
    seen = {"env": any(token in v for v in os.environ.values()), "proc": [], "pids": 0}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            seen["pids"] += 1
            try:
                if token.encode() in open(f"/proc/{pid}/environ", "rb").read():
                    seen["proc"].append(int(pid))
            except OSError:
                pass
    open("seen.json", "w").write(json.dumps(seen))
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html><head><title>t</title></head><body>hello</body></html>"
            self.send_response(200); self.send_header("Content-Type", "text/html"); self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass
    s = http.server.HTTPServer(("127.0.0.1", 0), H)
    print(f"Serving on http://127.0.0.1:{s.server_port}/", flush=True)
    s.serve_forever()
''')


def test_both_engines_implement_the_one_interface_and_choose_picks_one():
    engines: list[Engine] = [choose("auto", "", None), choose("embedded", "http://127.0.0.1:9", None),
                             choose("auto", "http://127.0.0.1:9", "k"), choose("zap", "http://127.0.0.1:9", None)]
    assert [type(e) for e in engines] == [EmbeddedEngine, EmbeddedEngine, DaemonEngine, DaemonEngine]
    assert [e.name for e in engines] == ["embedded", "embedded", "zap", "zap"]
    try:
        choose("zap", "", None)
    except EngineError as exc:
        assert "neither ZAP_API_URL nor zap.api_url is set" in str(exc)
    else:
        raise AssertionError("engine zap without a daemon must be an error")


def test_an_app_without_deploy_command_is_not_deployed_even_with_app_main(tmp_path):
    # The harness used to start any repository's app/__main__.py; now only what deploy_command says.
    root = write_tree(tmp_path, {"app/__main__.py": "raise SystemExit('must never run')\n"})
    out = Zap().scan(context(root))
    assert out.run.status is Status.SKIPPED and out.run.reason == NOTHING_TO_SCAN


def test_deploy_command_starts_the_app_and_it_is_scanned(tmp_path):
    root = write_tree(tmp_path, {"serve.py": APP})
    out = Zap().scan(context(root, deploy_command=["python", "serve.py", PLANTED], engine="embedded"))
    assert out.run.status is Status.PASSED, out.run.error
    assert out.run.details["urls_scanned"] >= 1 and out.run.details["deploy_isolation"] == isolation().description
    assert out.run.command[2] == "target=deploy_command (local deploy)"


def test_a_deploy_command_that_cannot_start_is_an_error_naming_it(tmp_path):
    out = Zap().scan(context(tmp_path, deploy_command=["no-such-server-binary", "--port", "0"]))
    assert out.run.status is Status.ERROR
    assert "could not start the app (deploy_command no-such-server-binary --port 0)" in out.run.error


def test_the_deployed_app_cannot_read_the_harness_credentials(tmp_path):
    # The real CLI, started with a CI token in its environment (as a workflow step's shell has it):
    # the repository's app sees it neither in its own environment nor in any /proc/<pid>/environ.
    root = write_tree(tmp_path / "repo", {
        "serve.py": APP,
        "pyproject.toml": f'[tool.secure-pipeline.stages.zap]\nengine = "embedded"\n'
                          f'deploy_command = ["python", "serve.py", "{PLANTED}"]\n',
    })
    # bash stays the harness's parent (`; exit`), holding the token in its /proc/<pid>/environ.
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m pipeline "$@"; exit $?', "bash", "run", "zap",
                           "--out", str(tmp_path / "reports"), "--quiet"], cwd=root, capture_output=True, text=True,
                          env=neutral_env({"GITHUB_TOKEN": PLANTED}), timeout=180, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    seen = json.loads((root / "seen.json").read_text())
    assert seen["env"] is False
    if isolation().namespaces:
        assert seen["proc"] == [] and seen["pids"] <= 4, seen  # a fresh /proc: the app and its init, no ancestor
    report = json.loads((tmp_path / "reports" / "zap.json").read_text())
    assert "namespaces" in report["tools"][0]["details"]["deploy_isolation"] or not isolation().namespaces

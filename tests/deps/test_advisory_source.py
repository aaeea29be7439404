"""Where advisories come from: canaries, the trusted setting, odd versions, and errors that keep findings.

The real cases: an OSV endpoint answering ``{}`` cleared flask 0.12 and requests 2.19.0; ``osv_url``
could be set from the scanned repository's own pyproject; PYSEC-2019-125 (steam ``2019-09-12``) and
PYSEC-2021-371 (binderhub ``0.2.0-n653``) crashed pip-audit; and ``unknown_packages = "error"``
replaced two real CVEs with an error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deps_helpers import FIXTURES, PYPA, SHARED_SNAPSHOT
from pipeline import runner
from pipeline.adapters.pip_audit import PipAudit, _Plan, pin_label
from pipeline.advisories.database import AdvisoryDB
from pipeline.advisories.server import MirrorServer
from pipeline.config import ConfigError
from pipeline.dependencies import collect
from pipeline.model import Status
from pipeline.scanner import Command, Outcome, Plan
from pipeline.stages.deps import merge

REPO = Path(__file__).resolve().parents[2]
needs_snapshot = pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(),
                                    reason=f"the shared PyPA advisory snapshot is missing at {SHARED_SNAPSHOT} (CI provides it)")


@pytest.fixture
def empty_osv() -> Iterator[Callable[[], str]]:
    """An OSV-compatible endpoint that answers ``{}`` (no vulnerabilities) to every query, as a broken or hostile one does."""
    servers: list[ThreadingHTTPServer] = []

    def start() -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1/query"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# --- canaries -----------------------------------------------------------------------------------------
def test_endpoint_answering_empty_for_everything_is_an_error(make_ctx, empty_osv) -> None:
    out = PipAudit().scan(make_ctx("flask==0.12\nrequests==2.19.0\n", offline=False, advisory_db="", osv_url=empty_osv()))
    assert out.run.status is Status.ERROR, "an endpoint that knows nothing cleared flask 0.12 and requests 2.19.0"
    assert "did not report the canary" in out.run.error and "flask==0.12 (CVE-2018-1000656)" in out.run.error


def test_endpoint_from_the_harness_environment_is_used(make_ctx, empty_osv, monkeypatch: pytest.MonkeyPatch) -> None:
    url = empty_osv()
    monkeypatch.setenv("SECURE_PIPELINE_OSV_URL", url)
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", offline=False, advisory_db=""))
    assert out.run.status is Status.ERROR and url in out.run.error and "canary" in out.run.error


def test_real_osv_endpoint_that_knows_advisories_passes_its_canaries(make_ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    # The harness's own OSV-compatible server on loopback, serving the real records, stands in for api.osv.dev.
    with MirrorServer(AdvisoryDB.load(FIXTURES)) as endpoint:
        monkeypatch.setenv("SECURE_PIPELINE_OSV_URL", endpoint.url)
        out = PipAudit().scan(make_ctx("flask==2.2.4\n", offline=False, advisory_db=""))
    assert out.run.status is Status.PASSED, out.run.error
    assert [f.rule_id for f in merge(out.findings)] == ["CVE-2023-30861"]  # canary findings are evidence, not findings
    assert out.run.details["canary"] == {"asked": ["requests==2.19.0 (CVE-2018-18074)", "jinja2==2.10 (CVE-2019-10906)"],
                                         "missing": []}


def test_local_database_without_the_canaries_is_an_error(make_ctx, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(PYPA / "flask", partial / "flask")  # flask's records only: requests, jinja2 ... unknown
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", advisory_db=str(partial)))
    assert out.run.status is Status.ERROR and "no advisory for the canary release(s)" in out.run.error
    assert "requests==2.19.0" in out.run.error
    assert [f.rule_id for f in merge(out.findings)] == ["CVE-2023-30861"]  # what it did find stays


def test_canary_pinned_by_the_repository_is_audited_once_and_reported(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==0.12\nrequests==2.19.0\n"))
    assert out.run.status is Status.PASSED, out.run.error
    assert out.run.details["pip_audit_runs"] == 1 and out.run.details["mirror"]["canary_queries"] == 0
    found = {(f.location.package, i) for f in merge(out.findings) for i in f.properties["ids"]}
    assert {("flask", "CVE-2018-1000656"), ("requests", "CVE-2018-18074")} <= found


# --- the advisory source is a trusted setting ----------------------------------------------------------
def _repo_setting(root: Path, key: str, value: str) -> None:
    (root / "pyproject.toml").write_text(f'[project]\nname = "app"\nversion = "1"\n\n'
                                         f'[tool.secure-pipeline.stages.deps]\n{key} = "{value}"\n')


@pytest.mark.parametrize("key", ["osv_url", "advisory_db", "safety_db"])
def test_repository_pyproject_cannot_choose_the_advisory_source(make_ctx, key: str) -> None:
    ctx = make_ctx("flask==0.12\n")
    _repo_setting(ctx.root, key, "http://127.0.0.1:9/v1/query")
    with pytest.raises(ConfigError, match=f"{key}: the advisory source cannot be chosen by the scanned repository"):
        PipAudit().validate(ctx.root, ctx.stage_config)
    out = PipAudit().scan(ctx)  # and a direct scan refuses it too
    assert out.run.status is Status.ERROR and "cannot be chosen by the scanned repository" in out.run.error


def test_cli_refuses_osv_url_from_the_repository_with_exit_3(tmp_path: Path, empty_osv) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==0.12\nrequests==2.19.0\n")
    _repo_setting(root, "osv_url", empty_osv())
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", "deps", "--root", str(root), "--out", str(tmp_path / "out")],
                            cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "osv_url" in result.stderr and "pyproject.toml" in result.stderr and "SECURE_PIPELINE_OSV_URL" in result.stderr


# --- advisories whose bounds are not PEP 440 -----------------------------------------------------------
@needs_snapshot
def test_non_pep440_fixed_versions_are_served_as_affected_with_a_note(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("steam==1.0\nbinderhub==0.1.0\nflask==0.12\n", advisory_db=str(SHARED_SNAPSHOT)))
    assert out.run.status is Status.PASSED, out.run.error  # pip-audit crashed on '2019-09-12' for every pin
    found = {(f.location.package, f.rule_id): f for f in merge(out.findings)}
    steam = next(f for (package, _id), f in found.items() if package == "steam")
    binderhub = next(f for (package, _id), f in found.items() if package == "binderhub")
    assert "PYSEC-2019-125" in steam.properties["ids"] and "'2019-09-12'" in steam.properties["unevaluable_range"]
    assert "PYSEC-2021-371" in binderhub.properties["ids"] and "'0.2.0-n653'" in binderhub.properties["unevaluable_range"]
    assert any(p == "flask" for p, _i in found)
    notes = " ".join(out.run.details["notes"])
    assert "PYSEC-2019-125" in notes and "2019-09-12" in notes and "PYSEC-2021-371" in notes


def test_unreadable_introduced_means_affected_from_the_first_release(tmp_path: Path) -> None:
    record = {"id": "PYSEC-X", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "x"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "r2019"}, {"fixed": "2.0"}, {"limit": "latest"}]}]}]}
    (tmp_path / "PYSEC-X.json").write_text(json.dumps(record))
    db = AdvisoryDB.load(tmp_path)
    assert [r["id"] for r in db.query("x", "0.1")] == ["PYSEC-X"] and not db.query("x", "2.0")
    assert db.unevaluable["PYSEC-X"] == ["introduced 'r2019' is not a PEP 440 version", "limit 'latest' is not a PEP 440 version"]


# --- an error adds to the findings ---------------------------------------------------------------------
def test_unknown_package_error_keeps_the_matched_cves(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\nrequests==2.19.1\nclick==8.1.7\n"))
    assert out.run.status is Status.ERROR and "click" in out.run.error
    assert {f.rule_id for f in merge(out.findings)} == {"CVE-2023-30861", "CVE-2018-18074", "CVE-2023-32681"}


def test_cli_stage_error_keeps_findings_in_report_and_verdict(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==2.2.4\nclick==8.1.7\n")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", "deps", "--root", str(root), "--out", str(out),
                             "--offline", "--advisory-db", str(FIXTURES), "--quiet"],
                            cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    report = json.loads((out / "deps.json").read_text())
    assert report["status"] == "error" and "click" in report["reason"]
    assert [f["rule_id"] for f in report["findings"]] == ["CVE-2023-30861"]
    verdict = json.loads((out / "verdict" / "verdict.json").read_text())
    assert "CVE-2023-30861" in json.dumps(verdict)


def test_a_skipped_dependency_keeps_the_vulnerabilities_found_beside_it(make_ctx) -> None:
    # pip-audit's real answer when one requirement cannot be audited (a URL one here, a private package on
    # its PyPI service): the skip is an error, and requests' CVEs in the same answer stay found.
    ctx = make_ctx("flask @ https://example.invalid/flask-2.2.4.tar.gz\nrequests==2.19.1\n")
    with MirrorServer(AdvisoryDB.load(FIXTURES)) as endpoint:
        outcome = runner.run([shutil.which("pip-audit") or "pip-audit", "--no-deps", "--disable-pip", "-r", "requirements.txt",
                              "-f", "json", "--aliases", "on", "-s", "osv", "--osv-url", endpoint.url,
                              "--progress-spinner", "off"], cwd=ctx.root, timeout=120)
    assert '"skip_reason"' in outcome.stdout and outcome.exit_code == 1
    (ctx.root / "pins.txt").write_text("flask==2.2.4\nrequests==2.19.1\n")  # what the harness would have audited
    deps = collect(ctx.root, ["pins.txt"], [])
    plan = Plan(ctx, inputs=tuple(pin_label(p) for p in deps.pins), state=_Plan(deps=deps, db=AdvisoryDB.load(FIXTURES)))
    parsed = PipAudit().parse(plan, Outcome(Command(outcome.argv, state=tuple(deps.pins)), outcome))
    assert "did not audit 1 dependency: flask" in parsed.error
    assert {i for f in parsed.findings for i in f.properties["ids"]} >= {"CVE-2018-18074", "CVE-2023-32681"}

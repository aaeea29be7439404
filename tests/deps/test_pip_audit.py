"""The real pip-audit against the local OSV mirror, and every way it must fail closed."""

from __future__ import annotations

import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deps_helpers import FIXTURES, PYPA, deps_stage_findings
from pipeline import runner
from pipeline.adapters.pip_audit import PipAudit, _Plan, pin_label
from pipeline.scanner import Command, Outcome, Plan
from pipeline.dependencies import collect
from pipeline.model import Severity, Status
from pipeline.stages.deps import merge

VULNERABLE = """\
    Flask==2.2.4
    werkzeug==2.2.2
    requests==2.19.1
    urllib3==1.24.1
    Jinja2==2.10
"""
# The real records of the canary candidates (pipeline/advisories/canary.py) a database must hold.
CANARY_RECORDS = [PYPA / "flask" / "PYSEC-2018-66.yaml", PYPA / "requests" / "PYSEC-2018-28.yaml",
                  PYPA / "jinja2" / "PYSEC-2019-217.yaml", PYPA / "urllib3" / "PYSEC-2021-108.yaml",
                  PYPA / "werkzeug" / "PYSEC-2022-203.yaml"]
EXPECTED = {
    ("flask", "CVE-2023-30861"), ("werkzeug", "CVE-2023-23934"), ("werkzeug", "CVE-2023-25577"),
    ("werkzeug", "CVE-2023-46136"), ("requests", "CVE-2018-18074"), ("requests", "CVE-2023-32681"),
    ("urllib3", "CVE-2018-25091"), ("urllib3", "CVE-2021-33503"), ("urllib3", "CVE-2023-43804"),
    ("urllib3", "CVE-2023-45803"), ("jinja2", "CVE-2019-10906"), ("jinja2", "CVE-2020-28493"),
}


def test_offline_mirror_reports_every_real_advisory(make_ctx) -> None:
    out = PipAudit().scan(make_ctx(VULNERABLE))
    assert out.run.status is Status.PASSED, out.run.error
    findings = merge(out.findings)
    assert {(f.location.package, f.rule_id) for f in findings} == EXPECTED
    assert out.run.command[:3] == ["pip-audit", "--no-deps", "--disable-pip"] and "--osv-url" in out.run.command
    # The canaries are two of its own pins here (jinja2 2.10, urllib3 1.24.1), so no extra query is needed.
    assert out.run.details["mirror"]["queries"] == 5 and out.run.details["mirror"]["canary_queries"] == 0
    assert out.run.details["canary"] == {"asked": ["jinja2==2.10 (CVE-2019-10906)", "urllib3==1.24.1 (CVE-2021-33503)"],
                                         "missing": []}


def test_flask_finding_carries_ids_fixes_severity_and_location(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("# app\nflask==2.2.4\n"))
    [finding] = merge(out.findings)
    assert finding.rule_id == "CVE-2023-30861"
    assert finding.properties["ids"] == ["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq", "PYSEC-2023-62"]
    assert finding.properties["fixed_versions"] == ["2.2.5", "2.3.2"]
    assert finding.severity is Severity.HIGH and "7.5" in finding.properties["severity_source"]  # CVSS from the GHSA record
    assert (finding.location.path, finding.location.line, finding.location.package, finding.location.version) == \
        ("requirements.txt", 2, "flask", "2.2.4")
    assert finding.help_uri == "https://github.com/advisories/GHSA-m2qf-hxjv-5gpq"
    assert "2.2.5" in finding.fix_hint


def test_fixed_releases_are_clean(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.5\nurllib3==1.26.18\nrequests==2.31.0\n"))
    assert out.run.status is Status.PASSED and out.findings == []


def test_fix_hint_is_the_smallest_upgrade_clearing_all(make_ctx) -> None:
    findings = merge(PipAudit().scan(make_ctx("urllib3==1.24.1\n")).findings)
    assert len(findings) == 4 and {f.properties["upgrade_to"] for f in findings} == {"1.26.18"}


def test_zip_of_osv_export_works_end_to_end(make_ctx, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in [*FIXTURES.rglob("*.json"), *CANARY_RECORDS]:  # an export must hold the canaries too
            zf.write(path, path.name)
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", advisory_db=str(archive)))
    assert out.run.status is Status.PASSED and [f.rule_id for f in merge(out.findings)] == ["CVE-2023-30861"]
    assert "export" in out.run.details["advisory_source"]["layout"]


def test_fingerprint_is_independent_of_primary_id_and_alias_order(make_ctx, tmp_path: Path) -> None:
    both = deps_stage_findings(PipAudit().scan(make_ctx("flask==2.2.4\n")).findings, tmp_path)
    only_ghsa = tmp_path / "ghsa"
    shutil.copytree(FIXTURES / "osv-export", only_ghsa)
    for record in CANARY_RECORDS:  # without them the database is refused as unable to show what it knows
        shutil.copy(record, only_ghsa)
    alone = deps_stage_findings(PipAudit().scan(make_ctx("flask==2.2.4\n", advisory_db=str(only_ghsa))).findings, tmp_path)
    assert both[0].fingerprint and both[0].fingerprint == alone[0].fingerprint


def test_verdict_notes_name_the_source_and_its_age(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\n"))
    notes = out.run.details["notes"]
    assert any(str(FIXTURES) in n and "days old" in n and "WARNING" in n for n in notes)
    assert out.run.details["advisory_source"]["stale"] is True


def test_duplicate_packages_at_two_versions_are_both_audited(make_ctx) -> None:
    ctx = make_ctx("flask==2.2.4\n")
    (ctx.root / "requirements-old.txt").write_text("flask==2.3.1\n")
    ctx = replace(ctx, stage_config=ctx.stage_config.with_values({"sources": ["requirements.txt", "requirements-old.txt"]}))
    out = PipAudit().scan(ctx)
    assert out.run.details["pip_audit_runs"] == 2
    assert {f.location.version for f in merge(out.findings)} == {"2.2.4", "2.3.1"}


def test_false_marker_is_reported_not_dropped(make_ctx) -> None:
    out = PipAudit().scan(make_ctx('flask==2.2.4\nurllib3==1.24.1 ; python_version < "3"\n'))
    assert out.run.status is Status.PASSED
    assert out.run.details["marker_skipped"] and any("marker" in n for n in out.run.details["notes"])


# --- fail closed ----------------------------------------------------------------------------------
def test_package_unknown_to_the_database_is_an_error(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\nclick==8.1.7\n"))
    assert out.run.status is Status.ERROR and "click" in out.run.error and "no record" in out.run.error


def test_unknown_package_can_be_reviewed_or_downgraded_to_a_warning(make_ctx) -> None:
    assert PipAudit().scan(make_ctx("click==8.1.7\n", known_clean_packages=["Click"])).run.status is Status.PASSED
    out = PipAudit().scan(make_ctx("click==8.1.7\n", unknown_packages="warn"))
    assert out.run.status is Status.PASSED and out.run.details["unknown_packages"] == ["click"]


def test_unpinned_requirement_is_an_error_naming_it(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask>=2\nrequests==2.31.0\n"))
    assert out.run.status is Status.ERROR and "flask>=2" in out.run.error and "requirements.txt:1" in out.run.error


def test_unpinned_requirement_resolved_by_a_lock_is_audited(make_ctx) -> None:
    ctx = make_ctx("flask==2.2.4\n")
    (ctx.root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\ndependencies = ["flask>=2"]\n')
    ctx = replace(ctx, stage_config=ctx.stage_config.with_values({"sources": ["pyproject.toml", "requirements.txt"]}))
    out = PipAudit().scan(ctx)
    assert out.run.status is Status.PASSED and out.run.details["resolved_by_lock"]


def test_missing_configured_source_is_an_error_naming_it(make_ctx) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", sources=["requirements.txt", "locks/missing.txt"]))
    assert out.run.status is Status.ERROR and "locks/missing.txt" in out.run.error


def test_offline_without_a_database_is_an_error(make_ctx, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nocache"))
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", advisory_db=""))
    assert out.run.status is Status.ERROR and "advisory database" in out.run.error


def test_corrupt_database_is_an_error(make_ctx, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(PYPA, bad)
    (bad / "flask" / "PYSEC-2099-1.yaml").write_text("id: [unclosed\n")
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", advisory_db=str(bad)))
    assert out.run.status is Status.ERROR and "PYSEC-2099-1.yaml" in out.run.error


def test_real_skip_reason_fails_naming_the_package(make_ctx) -> None:
    ctx = make_ctx("flask @ https://example.invalid/flask-2.2.4.tar.gz\n")
    outcome = runner.run([shutil.which("pip-audit"), "--no-deps", "--disable-pip", "-r", "requirements.txt", "-f", "json",
                          "-s", "osv", "--osv-url", "http://127.0.0.1:9/v1/query", "--progress-spinner", "off"],
                         cwd=ctx.root, timeout=120)
    assert "skip_reason" in outcome.stdout  # the real tool's output shape
    deps = collect(ctx.root, ["flask-pin.txt"], []) if _write_pin(ctx.root) else None
    assert deps is not None
    plan = Plan(ctx, inputs=tuple(pin_label(p) for p in deps.pins), state=_Plan(deps=deps, db=None))
    parsed = PipAudit().parse(plan, Outcome(Command(outcome.argv, state=tuple(deps.pins)), outcome))
    assert "did not audit 1 dependency" in parsed.error and "flask" in parsed.error


def _write_pin(root: Path) -> bool:
    """What the harness would have audited for that URL requirement had it been pinned."""
    (root / "flask-pin.txt").write_text("flask==2.2.4\n")
    return True


@pytest.fixture
def faulty_osv() -> Iterator[callable]:
    servers = []

    def start(mode: str) -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body = {"500": (500, b"internal error"), "garbage": (200, b"<html>not json"),
                                "shape": (200, b'{"results": []}')}[mode]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1/query"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("mode", "cause"), [
    ("500", "answered with an error"),
    ("garbage", "not JSON"),
    ("shape", "wrong shape"),
])
def test_bad_advisory_service_answers_are_errors(make_ctx, faulty_osv, mode: str, cause: str) -> None:
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", offline=False, advisory_db="", osv_url=faulty_osv(mode)))
    assert out.run.status is Status.ERROR and cause in out.run.error, out.run.error


def test_unreachable_advisory_service_is_an_error(make_ctx) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", offline=False, advisory_db="", osv_url=f"http://127.0.0.1:{port}/v1/query"))
    assert out.run.status is Status.ERROR and "unreachable" in out.run.error


def test_pip_audit_printing_garbage_is_an_error(make_ctx, fake_tool) -> None:
    fake_tool("pip-audit", "print('No known vulnerabilities found')\nsys.exit(0)")
    out = PipAudit().scan(make_ctx("flask==2.2.4\n"))
    assert out.run.status is Status.ERROR and "not valid pip-audit JSON" in out.run.error


def test_pip_audit_reporting_fewer_dependencies_is_an_error(make_ctx, fake_tool) -> None:
    fake_tool("pip-audit", "print('{\"dependencies\": [], \"fixes\": []}')\nsys.exit(0)")
    out = PipAudit().scan(make_ctx("flask==2.2.4\n"))
    assert out.run.status is Status.ERROR and "did not scan 1 of the 1 input(s) it was given: flask==2.2.4" in out.run.error


def test_pip_audit_hanging_is_killed_and_an_error(make_ctx, fake_tool) -> None:
    fake_tool("pip-audit", "if '--version' in sys.argv:\n    print('pip-audit 0')\n    sys.exit(0)\ntime.sleep(60)")
    out = PipAudit().scan(make_ctx("flask==2.2.4\n", timeout=1.0))
    assert out.run.status is Status.ERROR and "timed out" in out.run.error


def test_pip_audit_exit_1_without_json_is_an_error(make_ctx, fake_tool) -> None:
    fake_tool("pip-audit", "sys.stderr.write('Traceback...\\nrequests.exceptions.ConnectionError: boom\\n')\nsys.exit(1)")
    out = PipAudit().scan(make_ctx("flask==2.2.4\n"))
    assert out.run.status is Status.ERROR and "without a JSON report" in out.run.error

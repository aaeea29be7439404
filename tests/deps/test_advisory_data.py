"""Loading OSV records (folder or zip, JSON or YAML, both layouts), severity from CVSS, and the query server."""

from __future__ import annotations

import json
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pytest

from pipeline.advisories.database import AdvisoryDB, AdvisoryError
from pipeline.advisories.server import MirrorServer
from pipeline.advisories.severity import BadVector, cvss3_base_score, rate_record
from pipeline.model import Severity

from deps_helpers import FIXTURES, OSV_EXPORT, PYPA


def _zip_as_osv_export(folder: Path, target: Path) -> Path:
    """Records flattened to <ID>.json at the top of a zip, like the OSV PyPI export all.zip."""
    db = AdvisoryDB.load(folder)
    with zipfile.ZipFile(target, "w") as archive:
        for records in db.by_package.values():
            for record in records:
                archive.writestr(f"{record['id']}.json", json.dumps(record))
    return target


def test_pypa_layout_loads_and_ignores_withdrawn() -> None:
    db = AdvisoryDB.load(PYPA)
    assert db.records == 17 and db.withdrawn == 1
    assert "PYSEC-2023-73" not in db.by_id and not db.knows("redis")
    assert "PyPA" in db.layout


def test_vulns_subfolder_of_a_pypa_checkout_is_used(tmp_path: Path) -> None:
    shutil.copytree(PYPA, tmp_path / "vulns")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "workflow.yml").write_text("on: push\n")
    assert AdvisoryDB.load(tmp_path).records == 17


def test_zip_of_json_records_matches_the_yaml_folder(tmp_path: Path) -> None:
    archive = _zip_as_osv_export(PYPA, tmp_path / "all.zip")
    from_zip, from_dir = AdvisoryDB.load(archive), AdvisoryDB.load(PYPA)
    assert "export" in from_zip.layout
    assert [r["id"] for r in from_zip.query("urllib3", "1.24.1")] and \
        sorted(r["id"] for r in from_zip.query("urllib3", "1.24.1")) == sorted(r["id"] for r in from_dir.query("urllib3", "1.24.1"))


def test_yaml_versions_stay_strings() -> None:
    record = AdvisoryDB.load(PYPA).by_id["PYSEC-2018-66"][0]
    assert "0.10" in record["affected"][0]["versions"]  # not the float 0.1


def test_timestamps_are_served_as_rfc3339() -> None:
    # The real PYSEC-2023-192 says "published: 2023-10-04 17:15:00+00:00", which pip-audit cannot parse.
    record = AdvisoryDB.load(PYPA).by_id["PYSEC-2023-192"][0]
    assert record["published"] == "2023-10-04T17:15:00Z"


def test_ghsa_and_pysec_are_indexed_by_every_alias() -> None:
    db = AdvisoryDB.load(FIXTURES)
    assert {r["id"] for r in db.records_for(["CVE-2023-30861"])} == {"PYSEC-2023-62", "GHSA-m2qf-hxjv-5gpq"}


def test_unparseable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "BAD-1.json").write_text("{not json")
    with pytest.raises(AdvisoryError, match="BAD-1.json"):
        AdvisoryDB.load(tmp_path)


def test_non_osv_document_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("hello: world\n")
    with pytest.raises(AdvisoryError, match="not an OSV record"):
        AdvisoryDB.load(tmp_path)


def test_unsupported_schema_major_version_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "A-1.json").write_text(json.dumps({"id": "A-1", "schema_version": "2.0.0", "affected": []}))
    with pytest.raises(AdvisoryError, match="schema_version 2.0.0"):
        AdvisoryDB.load(tmp_path)


def test_empty_source_and_missing_source_are_errors(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError, match="no OSV records"):
        AdvisoryDB.load(tmp_path)
    with pytest.raises(AdvisoryError, match="not found"):
        AdvisoryDB.load(tmp_path / "nope")


def test_record_with_unorderable_range_is_reported_for_every_version(tmp_path: Path) -> None:
    record = {"id": "PYSEC-X", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "steam"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2019-09-12"}]}]}]}
    (tmp_path / "PYSEC-X.json").write_text(json.dumps(record))
    db = AdvisoryDB.load(tmp_path)
    assert "PYSEC-X" in db.unevaluable and [r["id"] for r in db.query("steam", "1.0")] == ["PYSEC-X"]


@pytest.mark.parametrize(("vector", "score"), [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),   # GHSA-m2qf-hxjv-5gpq (Flask)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),   # PYSEC-2023-221 (Werkzeug)
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1),   # PYSEC-2023-192 (urllib3)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),   # PYSEC-2023-207 (urllib3)
    ("CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.2),   # PYSEC-2023-212 (urllib3; NVD says 4.2)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
])
def test_cvss3_base_score(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


def test_malformed_vector_is_rejected() -> None:
    with pytest.raises(BadVector):
        cvss3_base_score("CVSS:3.1/AV:N/AC:L")


def test_cvss_v4_falls_back_to_database_severity() -> None:
    record = {"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}],
              "database_specific": {"severity": "MODERATE"}}
    rating = rate_record(record)
    assert rating is not None and rating.severity is Severity.MEDIUM


def test_record_without_any_severity_has_no_rating() -> None:
    assert rate_record({"id": "PYSEC-2018-28"}) is None


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST")  # no Content-Type, like pip-audit
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_server_answers_the_osv_query_contract() -> None:
    with MirrorServer(AdvisoryDB.load(FIXTURES)) as mirror:
        status, body = _post(mirror.url, json.dumps({"package": {"name": "Flask", "ecosystem": "PyPI"}, "version": "2.2.4"}).encode())
        assert status == 200 and {v["id"] for v in body["vulns"]} == {"PYSEC-2023-62", "GHSA-m2qf-hxjv-5gpq"}
        status, body = _post(mirror.url, json.dumps({"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "2.3.2"}).encode())
        assert (status, body) == (200, {})
        status, _ = _post(mirror.url, json.dumps({"package": {"name": "flask", "ecosystem": "npm"}, "version": "1"}).encode())
        assert status == 400
        assert mirror.log.queries == [("flask", "2.2.4"), ("flask", "2.3.2")] and mirror.log.errors


def test_osv_export_fixture_is_a_real_ghsa_record() -> None:
    record = json.loads((OSV_EXPORT / "GHSA-m2qf-hxjv-5gpq.json").read_text())
    assert record["aliases"] == ["CVE-2023-30861"] and len(record["affected"]) == 2

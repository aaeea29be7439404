"""OSV version matching (ECOSYSTEM ranges, versions lists, PEP 440 ordering, PEP 503 names): one edge case per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.version import InvalidVersion, Version

from deps_helpers import SHARED_SNAPSHOT
from pipeline.advisories.database import AdvisoryDB
from pipeline.advisories.versions import BadRange, canonical_name, entry_affects, in_range, record_affects

# The real PYSEC-2023-62 (Flask CVE-2023-30861) range: two branches.
FLASK_EVENTS = [{"introduced": "0"}, {"fixed": "2.2.5"}, {"introduced": "2.3.0"}, {"fixed": "2.3.2"}]


def affected(version: str, events: list[dict[str, str]] = FLASK_EVENTS) -> bool:
    return in_range(Version(version), events)


def test_introduced_zero_covers_the_oldest_release() -> None:
    assert affected("0.1")


def test_last_version_before_fix_is_affected() -> None:
    assert affected("2.2.4")


def test_fixed_version_itself_is_not_affected() -> None:
    assert not affected("2.2.5")


def test_gap_between_branches_is_not_affected() -> None:
    assert not affected("2.2.9")


def test_second_branch_introduced_version_is_affected() -> None:
    assert affected("2.3.0") and affected("2.3.1")


def test_second_branch_fixed_and_later_are_not_affected() -> None:
    assert not affected("2.3.2") and not affected("3.0.0")


def test_events_out_of_order_are_sorted_first() -> None:
    # The real PYSEC-2023-212 (urllib3) lists the 2.x branch before the 1.x one.
    events = [{"introduced": "2.0.0"}, {"fixed": "2.0.7"}, {"introduced": "0"}, {"fixed": "1.26.18"}]
    assert affected("1.26.17", events) and not affected("1.26.18", events) and affected("2.0.6", events)


def test_pre_release_of_fixed_version_is_still_affected() -> None:
    assert affected("2.2.5rc1")


def test_pre_release_before_introduced_is_not_affected() -> None:
    assert not affected("2.3.0rc1")


def test_post_release_of_fixed_version_is_not_affected() -> None:
    assert not affected("2.2.5.post1")


def test_post_release_of_vulnerable_version_is_affected() -> None:
    assert affected("2.2.4.post1")


def test_local_version_of_vulnerable_release_is_affected() -> None:
    assert affected("2.2.4+ubuntu1")


def test_dev_release_orders_before_its_final() -> None:
    assert affected("2.2.5.dev3")


def test_last_affected_is_inclusive() -> None:
    events = [{"introduced": "1.0"}, {"last_affected": "1.4"}]
    assert affected("1.4", events) and not affected("1.4.1", events) and not affected("0.9", events)


def test_limit_bounds_the_range() -> None:
    events = [{"introduced": "0"}, {"limit": "3.0"}]
    assert affected("2.9", events) and not affected("3.0", events)


def test_limit_star_is_unbounded() -> None:
    assert affected("99.0", [{"introduced": "1.0"}, {"limit": "*"}])


def test_introduced_without_fix_affects_everything_after() -> None:
    assert affected("100.0", [{"introduced": "1.0"}]) and not affected("0.9", [{"introduced": "1.0"}])


def test_versions_list_alone_matches_exactly() -> None:
    entry = {"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0", "1.2"]}
    assert entry_affects(entry, Version("1.2")) and not entry_affects(entry, Version("1.1"))


def test_versions_list_compares_normalised_versions() -> None:
    entry = {"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0.0-RC1"]}
    assert entry_affects(entry, Version("1.0.0rc1"))


def test_git_ranges_are_ignored() -> None:
    entry = {"ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}]}
    assert not entry_affects(entry, Version("1.0"))


def test_unorderable_event_version_raises() -> None:
    with pytest.raises(BadRange):
        affected("1.0", [{"introduced": "0"}, {"fixed": "2019-09-12x"}])


@pytest.mark.parametrize("name", ["Flask", "flask", "FLASK"])
def test_case_is_normalised(name: str) -> None:
    assert canonical_name(name) == "flask"


def test_separators_are_normalised() -> None:
    assert canonical_name("Flask_X") == canonical_name("flask.x") == canonical_name("flask--x") == "flask-x"


def test_record_matches_only_its_canonical_package_in_pypi() -> None:
    record = {"affected": [
        {"package": {"ecosystem": "PyPI", "name": "Flask_Login"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
        {"package": {"ecosystem": "npm", "name": "flask"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
    ]}
    assert record_affects(record, "flask-login", Version("1.0"))
    assert not record_affects(record, "flask", Version("1.0"))


# --- ranges whose events tie: one interval's `fixed` is the next one's `introduced` ----------------
# The real PYSEC-2023-72 (pyspark CVE-2023-32007, remote command execution), events as the record lists them.
PYSPARK_EVENTS = [{"introduced": "0"}, {"fixed": "3.1.1"}, {"introduced": "3.2.0"}, {"fixed": "3.2.2"},
                  {"introduced": "3.1.1"}, {"fixed": "3.2.0"}]
# The real PYSEC-2022-42972 (apache-iotdb CVE-2022-43766).
IOTDB_EVENTS = [{"introduced": "0.13.0"}, {"fixed": "0.14.0rc1"}, {"introduced": "0.12.2"}, {"fixed": "0.13.0"}]


@pytest.mark.parametrize("version", ["3.1.1", "3.1.3", "3.2.0", "3.2.1"])
def test_pyspark_versions_where_a_fix_meets_the_next_introduction_are_affected(version: str) -> None:
    assert affected(version, PYSPARK_EVENTS)


@pytest.mark.parametrize("version", ["3.2.2", "3.4.0"])
def test_pyspark_fixed_releases_are_not_affected(version: str) -> None:
    assert not affected(version, PYSPARK_EVENTS)


@pytest.mark.parametrize(("version", "expected"), [
    ("0.12.1", False), ("0.12.2", True), ("0.12.6", True), ("0.13.0", True), ("0.13.1", True), ("0.13.3", True),
    ("0.14.0rc1", False), ("0.14.0", False)])
def test_iotdb_ranges_meeting_at_0_13_0(version: str, expected: bool) -> None:
    assert affected(version, IOTDB_EVENTS) is expected


def test_last_affected_equal_to_an_introduction_covers_that_one_version() -> None:
    events = [{"introduced": "1.0"}, {"last_affected": "1.0"}]
    assert affected("1.0", events) and not affected("1.0.1", events)


def test_limit_bounds_a_tied_range_from_above() -> None:
    events = [*PYSPARK_EVENTS[:4], {"introduced": "3.3.0"}, {"limit": "3.3.5"}]
    assert affected("3.2.1", events) and affected("3.3.4", events) and not affected("3.3.5", events)


def test_versions_list_matches_outside_every_range() -> None:
    entry = {"versions": ["3.2.2"], "ranges": [{"type": "ECOSYSTEM", "events": PYSPARK_EVENTS}]}
    assert entry_affects(entry, Version("3.2.2")) and not entry_affects(entry, Version("3.2.3"))


def _tied_ranges(snapshot: Path) -> list[tuple[str, dict[str, Any], list[dict[str, str]]]]:
    """(record id, affected entry, events) of every ECOSYSTEM range of the snapshot in which a fixed meets an introduced."""
    db = AdvisoryDB.load(snapshot)
    records = {r["id"]: r for package in db.by_package.values() for r in package}
    found = []
    for record_id, record in sorted(records.items()):
        for entry in record["affected"]:
            for rng in entry.get("ranges") or ():
                events = list(rng.get("events") or ())
                fixes = {str(e["fixed"]) for e in events if "fixed" in e}
                if rng.get("type") == "ECOSYSTEM" and fixes & {str(e["introduced"]) for e in events if "introduced" in e}:
                    found.append((record_id, entry, events))
    return found


@pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(),
                    reason=f"the shared PyPA advisory snapshot is missing at {SHARED_SNAPSHOT} (CI provides it)")
def test_every_tied_range_of_the_snapshot_covers_its_own_versions_list() -> None:
    tied = _tied_ranges(SHARED_SNAPSHOT)
    assert {record_id for record_id, _e, _v in tied} >= {"PYSEC-2023-72", "PYSEC-2022-42972"}
    missed = []
    checked = 0
    for record_id, entry, events in tied:
        for listed in entry.get("versions") or ():
            try:
                version = Version(str(listed))
            except InvalidVersion:
                continue
            checked += 1
            if not in_range(version, events):  # the range alone, not the list, must cover every listed version
                missed.append(f"{record_id} {listed}")
    assert checked > 0 and not missed, missed

"""The one finding pipeline: frozen findings; merge, identity, fingerprint and redaction in one place.

Findings are built here as the real adapters build them (pylint's and pyflakes' unused import on one
line, a ZAP alert on a URL with a token in its query), then run through the lint and zap stages'
real pipeline with a redactor that knows the secret, as the engine runs it after every stage.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from pipeline import finding_pipeline, fingerprint
from pipeline.model import Finding, Location, Severity
from pipeline.redact import Redactor
from pipeline.registry import scanners_for, stage_spec
from tests.support import write_tree

# Made at import time, never committed: a value the redactor is told about, as for_run tells it.
SECRET = "Zq8v" + "3Kp0sLw2Xn7Rt5Yb1Hm4"
OTHER_SECRET = "Wd2m" + "9Lr6Tq1Vc8Xs3Nb5Pk7"


def _unused_import(tool: str, rule_id: str, rule_name: str) -> Finding:
    return Finding(tool, rule_id, f"{rule_name}: os", Severity.LOW, Location(path="app.py", line=1, column=1),
                   message=f"'os' imported but unused (token {SECRET})", rule_name=rule_name)


def _zap_alert(secret: str) -> Finding:
    return Finding("zap", "10021", "X-Content-Type-Options Header Missing", Severity.LOW,
                   Location(url=f"http://127.0.0.1:5123/suggest?token={secret}", method="GET", param="x-content-type"),
                   message="header missing", identity=f"GET /suggest?token={secret}")


def test_a_finding_cannot_be_changed_in_place() -> None:
    finding = _unused_import("pylint", "W0611", "unused-import")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.fingerprint = "0" * 32  # type: ignore[misc]  # the point: it is refused
    # Still built with the same constructor: found_by defaults to the tool.
    assert finding.found_by == ("pylint",)
    assert dataclasses.replace(finding, fingerprint="f").fingerprint == "f"


def test_lint_findings_are_merged_fingerprinted_and_redacted_as_new_values(tmp_path) -> None:
    root = write_tree(tmp_path / "repo", {"app.py": "import os\n"})
    parsed = [_unused_import("pylint", "W0611", "unused-import"), _unused_import("pyflakes", "F401", "UnusedImport")]
    before = [f.to_dict() for f in parsed]
    redactor = Redactor([SECRET])

    [final] = finding_pipeline.stage_findings(stage_spec("lint"), scanners_for("lint"), parsed, root, redactor)

    assert final.found_by == ("pylint", "pyflakes")
    assert SECRET not in json.dumps(final.to_dict())
    # The fingerprint is the one the harness always gave: of the masked finding, with the source line.
    assert final.fingerprint == fingerprint.compute(redactor.finding(parsed[0]), root)
    assert final.fingerprint == fingerprint.digest(fingerprint.Key("pylint", "W0611", "app.py|import os"))
    # What the adapters handed over is untouched: no step changed an earlier step's values.
    assert [f.to_dict() for f in parsed] == before


def test_a_secret_in_a_url_or_identity_never_reaches_the_fingerprint(tmp_path) -> None:
    redactor = Redactor([SECRET, OTHER_SECRET])
    spec, scanners = stage_spec("zap"), scanners_for("zap")
    [one] = finding_pipeline.stage_findings(spec, scanners, [_zap_alert(SECRET)], tmp_path, redactor)
    [two] = finding_pipeline.stage_findings(spec, scanners, [_zap_alert(OTHER_SECRET)], tmp_path, redactor)
    # Two different secret values, one problem: the hash saw neither value.
    assert one.fingerprint == two.fingerprint
    assert one.fingerprint != fingerprint.compute(_zap_alert(SECRET), tmp_path)  # unmasked, it would differ
    assert SECRET not in json.dumps(one.to_dict()) and OTHER_SECRET not in json.dumps(two.to_dict())

"""Parser tests on recorded real output, one per registered adapter; no tool runs here.

Every case in fixtures/recorded/<tool>/ holds what the real tool printed for a small tree of our own
(recorded by tests/core/recorded_outputs.py, which runs the real tool through the adapter's own
plan and commands; the tool's version is in the file). The test makes the same plan for that tree,
checks the commands are the ones recorded, feeds the recorded output to ``parse()`` and compares
the findings, coverage evidence, details and error with what was recorded and reviewed.

Two tools cannot run here, and their cases say so in ``recorded_with``:
- safety: a real-format sample of safety 2.3.5 ``check --output json`` (exit 64), from
  /work/shared/reference/scanner-formats-and-traps.md section 6; there is no API key and no local
  safety database here.
- zap: a real-format page of ZAP 2.16's ``alert.alerts`` (fields from
  /work/shared/reference/zap-baseline.md section 2, as tests/zap/zap_double.py serves them), turned
  into findings by the daemon engine's ``to_alert`` and the rules-file gate; no ZAP daemon runs here.

Re-record after a tool upgrade with ``python tests/core/recorded_outputs.py TOOL`` and review the diff.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.adapters.zap import Zap
from pipeline.registry import SCANNERS
from pipeline.runner import ProcessOutcome
from pipeline.scanner import CommandScanner, Outcome, Parsed
from pipeline.zap import daemon, findings
from pipeline.zap.settings import ZapSettings

from recorded_outputs import RECORDED, Placeholders, context, normalise, scanner_named, seeded_canaries, summary

COMMAND_TOOLS = [s.name for s in SCANNERS if isinstance(s, CommandScanner)]


def _recorded(tool: str) -> dict[str, Any]:
    return json.loads((RECORDED / tool / "recorded.json").read_text(encoding="utf-8"))


def test_every_registered_adapter_has_a_recorded_output_test() -> None:
    """A new adapter without a recording fails here: record its real output before registering it."""
    recorded = {p.parent.name for p in RECORDED.glob("*/recorded.json")}
    missing = [s.name for s in SCANNERS if s.name not in recorded]
    assert not missing, f"no recorded real output for {', '.join(missing)}: run tests/core/recorded_outputs.py"
    not_command = [s.name for s in SCANNERS if s.name not in COMMAND_TOOLS]
    assert not_command == ["zap"], f"{not_command}: only zap is replayed by its own test below"
    for tool in recorded:
        data = _recorded(tool)
        assert data["version"] and data["recorded_with"], tool


@pytest.mark.parametrize("tool", COMMAND_TOOLS)
def test_parse_turns_recorded_real_output_into_the_reviewed_findings(tool: str, tmp_path: Path) -> None:
    data = _recorded(tool)
    scanner = scanner_named(tool)
    with seeded_canaries():
        ctx = context(tool, tmp_path)
        plan = scanner.plan(ctx)
    executable = f"/replay/bin/{scanner.executable}"  # never run: the output below is the real tool's
    holders = Placeholders(ctx, executable)
    plan = replace(plan, executable=executable)
    parsed: Parsed | None = None
    with scanner.session(plan) as plan:
        commands = scanner.commands(plan)
        assert [[normalise(holders.hide(a)) for a in c.argv] for c in commands] == [c["argv"] for c in data["commands"]], (
            f"{tool}: the adapter's commands changed since the recording; re-record")
        for command, recorded in zip(commands, data["commands"], strict=True):
            for rel, text in recorded["files_written"].items():  # what the tool wrote besides stdout (pylint's evidence)
                (ctx.work_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (ctx.work_dir / rel).write_text(holders.fill(text), encoding="utf-8")
            process = ProcessOutcome(command.argv, recorded["exit_code"], holders.fill(recorded["stdout"]),
                                     holders.fill(recorded["stderr"]), 0.0)
            part = scanner.parse(plan, Outcome(command, process))
            parsed = part if parsed is None else parsed.combine(part)
    assert json.loads(holders.hide(json.dumps(summary(parsed)))) == data["expected"]
    assert data["expected"]["findings"], f"{tool}: a recording must show findings, or it tests no parsing"


def test_zap_alerts_become_the_reviewed_gated_findings() -> None:
    data = _recorded("zap")
    rules = Zap().rules(RECORDED / "zap" / "tree", ZapSettings())
    gated = findings.gate([daemon.to_alert(raw) for raw in data["alerts"]], rules, "zap")
    assert [f.to_dict() for f in gated.findings] == data["expected"]["findings"]
    assert dict(sorted(gated.levels.items())) == data["expected"]["levels"] == {"FAIL": 1, "IGNORE": 1, "WARN": 1}

"""Recorded real tool output, replayed through an adapter's ``parse()`` without running the tool.

Each case is ``fixtures/recorded/<tool>/``: a small tree of our own (``tree/``), the stage settings
it runs with, and ``recorded.json``: the tool's version, every command's argv, exit code, stdout and
stderr as the real tool printed them, and the findings and coverage ``parse()`` made of them when
they were recorded (reviewed by hand then). Scratch paths are stored as placeholders, and the
canary tokens come from a seeded generator, so the plan made at replay names the same files.

Record (runs the real tool, here, through the adapter's own plan and commands):

    python tests/core/recorded_outputs.py pylint [more tools...]
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).resolve().parent / "fixtures" / "recorded"
SEED = 20261202  # the canary tokens' generator: the same plan at recording and at replay
_PORT = re.compile(r"127\.0\.0\.1:\d+")  # a loopback mirror's port differs from run to run

if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))

from pipeline.config import stage_config  # noqa: E402
from pipeline.evidence import canary  # noqa: E402
from pipeline.files import FileSet  # noqa: E402
from pipeline.registry import SCANNERS  # noqa: E402
from pipeline.scanner import CommandScanner, Outcome, Parsed, Plan, ScanContext  # noqa: E402


def scanner_named(tool: str) -> CommandScanner:
    (scanner,) = [s for s in SCANNERS if s.name == tool]
    assert isinstance(scanner, CommandScanner), tool
    return scanner


@contextmanager
def seeded_canaries() -> Iterator[None]:
    with mock.patch.object(canary, "secrets", random.Random(SEED)):
        yield


def case_settings(tool: str) -> dict[str, Any]:
    path = RECORDED / tool / "settings.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class Placeholders:
    """Absolute paths of one run, written as {ROOT}, {WORK}... so a recording replays anywhere."""

    def __init__(self, ctx: ScanContext, executable: str) -> None:
        pairs = [(str(ctx.work_dir), "{WORK}"), (str(ctx.root), "{ROOT}"), (str(REPO), "{REPO}"), (executable, "{EXE}")]
        self.pairs = sorted(pairs, key=lambda p: -len(p[0]))

    def hide(self, text: str) -> str:
        for real, name in self.pairs:
            text = text.replace(real, name)
        return text

    def fill(self, text: str) -> str:
        for real, name in self.pairs:
            text = text.replace(name, real)
        return text


def context(tool: str, tmp: Path) -> ScanContext:
    scanner = scanner_named(tool)
    root, work = tmp / "root", tmp / "work"
    shutil.copytree(RECORDED / tool / "tree", root)
    work.mkdir()
    raw = json.loads(json.dumps(case_settings(tool)).replace("{REPO}", str(REPO)))
    return ScanContext(root=root, stage=scanner.stage, stage_config=stage_config(scanner.stage, raw), files=FileSet(root),
                       work_dir=work, timeout=300, artifacts_dir=tmp / "artifacts")


def summary(parsed: Parsed | None) -> dict[str, Any]:
    """What parse() made of the output: findings, coverage evidence, details and any error."""
    assert parsed is not None
    covered = parsed.covered
    return {
        "findings": [f.to_dict() for f in parsed.findings],
        "covered": sorted(covered.scanned) if covered.scanned is not None else None,
        "no_evidence": covered.no_evidence,
        "details": json.loads(json.dumps(parsed.details, default=str)),
        "error": parsed.error,
    }


def normalise(text: str) -> str:
    return _PORT.sub("127.0.0.1:<port>", text)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def written_by_tool(before: dict[str, bytes], folder: Path) -> dict[str, str]:
    """Text files the tool wrote in the scratch folder (pylint's evidence file): part of its output.

    Caches (pip-audit's HTTP cache) and binary files are not output the adapter reads.
    """
    written: dict[str, str] = {}
    for rel, data in _snapshot(folder).items():
        if before.get(rel) == data or "/cache/" in f"/{rel}":
            continue
        try:
            written[rel] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return written


def record(tool: str, sample: tuple[str, int, str, str] | None = None) -> Path:
    """Run the real tool through the adapter's plan and commands, and store what it printed.

    ``sample`` = (stdout, exit code, version, where it comes from): for a tool that cannot run here,
    a real-format sample replaces the run (the file says so).
    """
    from pipeline import runner
    from pipeline.runner import ProcessOutcome

    scanner = scanner_named(tool)
    with tempfile.TemporaryDirectory(prefix="secure-pipeline-record-") as scratch, seeded_canaries():
        ctx = context(tool, Path(scratch))
        executable = scanner.resolve() if sample is None else f"/replay/bin/{scanner.executable}"
        assert executable, f"{tool} is not installed"
        version = scanner.version(executable) if sample is None else sample[2]
        holders = Placeholders(ctx, executable)
        commands: list[dict[str, Any]] = []
        parsed: Parsed | None = None
        plan: Plan = replace(scanner.plan(ctx), executable=executable)
        assert not plan.skip, plan.skip
        with scanner.session(plan) as plan:
            for command in scanner.commands(plan):
                before = _snapshot(ctx.work_dir)
                if sample is None:
                    process = runner.run(command.argv, cwd=command.cwd or ctx.root, timeout=ctx.timeout,
                                         passthrough_env=scanner.env_passthrough, extra_env=dict(command.env))
                else:
                    process = ProcessOutcome(command.argv, sample[1], sample[0], "", 0.0)
                files = written_by_tool(before, ctx.work_dir) if sample is None else {}
                commands.append({"argv": [normalise(holders.hide(a)) for a in command.argv], "exit_code": process.exit_code,
                                 "stdout": holders.hide(process.stdout), "stderr": holders.hide(process.stderr),
                                 "files_written": {k: holders.hide(v) for k, v in files.items()}})
                part = scanner.parse(plan, Outcome(command, process))
                parsed = part if parsed is None else parsed.combine(part)
        expected = json.loads(holders.hide(json.dumps(summary(parsed))))
    out = RECORDED / tool / "recorded.json"
    source = "the real tool, run here by tests/core/recorded_outputs.py" if sample is None else sample[3]
    out.write_text(json.dumps({"tool": tool, "version": version, "recorded_with": source,
                               "commands": commands, "expected": expected}, indent=1, sort_keys=True) + "\n",
                   encoding="utf-8")
    return out


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(record(name))

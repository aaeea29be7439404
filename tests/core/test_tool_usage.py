"""The runner records what a tool cost the machine: CPU seconds and peak memory of it and its children."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline import runner

# A child process that burns at least 0.3 s of its own CPU time (not wall time) and holds 64 MiB.
BURN = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
        "'import time\\nblock = bytes(64 * 1024 * 1024) + b\\'x\\'\\nwhile time.process_time() < 0.3: pass'], check=True)")


def test_cpu_seconds_and_peak_memory_include_the_tools_children(tmp_path: Path):
    outcome = runner.run([sys.executable, "-c", BURN], cwd=tmp_path, timeout=120)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.cpu_s is not None and outcome.cpu_s >= 0.3
    assert outcome.max_rss_kb is not None and outcome.max_rss_kb >= 64 * 1024


def test_a_killed_tool_has_no_usage_figures(tmp_path: Path):
    outcome = runner.run([sys.executable, "-c", "import time; time.sleep(60)"], cwd=tmp_path, timeout=1)
    assert outcome.timed_out
    assert outcome.cpu_s is None and outcome.max_rss_kb is None

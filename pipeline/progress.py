"""Live progress: a rich table on a terminal, plain timestamped lines in CI logs."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from .model import Status, ToolRun


class Progress:
    """Plain lines, one per event: what CI logs want (no cursor tricks, greppable)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    def _line(self, text: str) -> None:
        with self._lock:
            print(f"[{time.monotonic() - self._t0:6.1f}s] {text}", file=self.stream, flush=True)

    def start(self, tasks: list[tuple[str, str]]) -> None:
        self._line(f"running {len(tasks)} tool(s): " + ", ".join(f"{s}/{t}" for s, t in tasks))

    def tool_started(self, stage: str, tool: str) -> None:
        self._line(f"{stage}/{tool}: started")

    def note(self, stage: str, tool: str, message: str) -> None:
        self._line(f"{stage}/{tool}: {message}")

    def tool_finished(self, stage: str, tool: str, run: ToolRun, findings: int) -> None:
        if run.status is Status.ERROR:
            outcome = f"ERROR: {run.error}"
        elif run.status is Status.SKIPPED:
            outcome = f"skipped: {run.reason}"
        else:
            outcome = f"done, {findings} finding(s)"
        self._line(f"{stage}/{tool}: {outcome} ({run.duration_s:.1f}s)")

    def stop(self) -> None:
        pass


class RichProgress(Progress):
    """A live table of every tool's state, redrawn in place on an interactive terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=self.stream)
        self._state: dict[tuple[str, str], str] = {}
        self._started: dict[tuple[str, str], float] = {}
        # get_renderable: redrawn on every refresh, so running times tick while a tool works.
        self._live = Live(console=self._console, refresh_per_second=4, transient=False, get_renderable=self._render)

    def _render(self):
        from rich.table import Table

        table = Table(title="secure-pipeline", expand=False)
        table.add_column("stage")
        table.add_column("tool")
        table.add_column("state")
        for (stage, tool), state in list(self._state.items()):
            if state == "running" and (stage, tool) in self._started:
                state = f"running {time.monotonic() - self._started[(stage, tool)]:.0f}s"
            table.add_row(stage, tool, state)
        return table

    def _refresh(self) -> None:
        with self._lock:
            self._live.refresh()

    def start(self, tasks: list[tuple[str, str]]) -> None:
        self._state = {task: "queued" for task in tasks}
        self._live.start()

    def tool_started(self, stage: str, tool: str) -> None:
        self._started[(stage, tool)] = time.monotonic()
        self._state[(stage, tool)] = "running"
        self._refresh()

    def note(self, stage: str, tool: str, message: str) -> None:
        self._state[(stage, tool)] = message[:60]
        self._refresh()

    def tool_finished(self, stage: str, tool: str, run: ToolRun, findings: int) -> None:
        if run.status is Status.ERROR:
            state = "[red]error[/red]"
        elif run.status is Status.SKIPPED:
            state = "[yellow]skipped[/yellow]"
        else:
            state = f"[green]done[/green] {findings} finding(s), {run.duration_s:.1f}s"
        self._state[(stage, tool)] = state
        self._refresh()

    def stop(self) -> None:
        self._refresh()
        self._live.stop()


def choose(quiet: bool = False) -> Progress:
    if quiet:
        return Progress(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the run
    if sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb":
        return RichProgress()
    return Progress()

"""Live progress: a rich table on a terminal, plain timestamped lines in CI logs.

Progress lines are printed while stages run, before the run's findings are known, so they pass
through the redactor of what is known then (the environment's credentials and detect-secrets'
detectors) and are escaped for their stream: tool errors and notes carry file names and URLs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from rich.text import Text

from .model import Status, ToolRun
from .output import for_terminal, safe_line
from .redact import Redactor

if TYPE_CHECKING:  # rich's Table is imported when the live display starts
    from rich.table import Table


class Progress:
    """Plain lines, one per event: what CI logs want (no cursor tricks, greppable)."""

    def __init__(self, stream: TextIO | None = None, redactor: Redactor | None = None) -> None:
        self.stream = stream or sys.stderr
        self.redactor = redactor or Redactor.for_environment()
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    def _line(self, text: str) -> None:
        safe = safe_line(self.redactor.text(text), self.stream)
        with self._lock:
            print(f"[{time.monotonic() - self._t0:6.1f}s] {safe}", file=self.stream, flush=True)

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

    def __init__(self, stream: TextIO | None = None, redactor: Redactor | None = None) -> None:
        super().__init__(stream, redactor)
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=self.stream)
        self._state: dict[tuple[str, str], Text] = {}
        self._started: dict[tuple[str, str], float] = {}
        # get_renderable: redrawn on every refresh, so running times tick while a tool works.
        self._live = Live(console=self._console, refresh_per_second=4, transient=False, get_renderable=self._render)

    def _render(self) -> Table:
        from rich.table import Table

        table = Table(title="secure-pipeline", expand=False)
        table.add_column("stage")
        table.add_column("tool")
        table.add_column("state")
        for (stage, tool), state in list(self._state.items()):
            if state.plain == "running" and (stage, tool) in self._started:
                state = Text(f"running {time.monotonic() - self._started[(stage, tool)]:.0f}s")
            table.add_row(Text(stage), Text(tool), state)
        return table

    def _refresh(self) -> None:
        with self._lock:
            self._live.refresh()

    def start(self, tasks: list[tuple[str, str]]) -> None:
        self._state = {task: Text("queued") for task in tasks}
        self._live.start()

    def tool_started(self, stage: str, tool: str) -> None:
        self._started[(stage, tool)] = time.monotonic()
        self._state[(stage, tool)] = Text("running")
        self._refresh()

    def note(self, stage: str, tool: str, message: str) -> None:
        # Text, never markup: a note can carry a file name such as "[red]x[/red].py".
        self._state[(stage, tool)] = Text(for_terminal(self.redactor.text(message))[:60])
        self._refresh()

    def tool_finished(self, stage: str, tool: str, run: ToolRun, findings: int) -> None:
        if run.status is Status.ERROR:
            state = Text("error", style="red")
        elif run.status is Status.SKIPPED:
            state = Text("skipped", style="yellow")
        else:
            state = Text.assemble(("done", "green"), f" {findings} finding(s), {run.duration_s:.1f}s")
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

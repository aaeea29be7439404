"""The one interface both ZAP engines implement: ``Engine.scan(target, settings) -> EngineResult``.

The adapter (pipeline/adapters/zap.py) builds one ``ScanSettings`` from the stage's options and hands
it to whichever engine ``choose`` picked; each engine takes from it what applies to it (the embedded
crawler its page limit, the daemon its AJAX spider and passive-queue wait) and raises EngineError
with a one-line cause when its scan cannot be trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .engine_result import EngineResult
from .passive.settings import DEFAULT_SETTINGS, RuleSettings


def _quiet(_message: str) -> None:
    """No progress lines."""


@dataclass(frozen=True)
class ScanSettings:
    spider_minutes: float  # 0: unlimited (the time limit still bounds it)
    max_depth: int
    max_alerts_per_rule: int  # 0 keeps all
    time_limit: float  # the stage's timeout: no wait of any engine goes past it
    max_pages: int = 200  # embedded crawler
    post_forms: bool = True  # embedded crawler
    ajax_spider: bool = False  # daemon
    pscan_timeout: float = 300.0  # daemon: the passive-scan queue
    alerts_page_size: int = 5000  # daemon: alert.alerts paging
    rules: RuleSettings = DEFAULT_SETTINGS
    note: Callable[[str], None] = field(default=_quiet, compare=False)


class Engine(Protocol):
    name: str  # "embedded" or "zap", as reported in EngineResult.engine and the tool run's details

    def scan(self, target: str, settings: ScanSettings) -> EngineResult:
        """Spider ``target`` and passive-scan what it finds; EngineError when the scan cannot be trusted."""
        ...

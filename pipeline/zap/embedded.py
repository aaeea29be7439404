"""The embedded engine: crawl the target within limits and run ZAP's passive rules on every response."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from . import passive
from .crawler import CrawlError, CrawlLimits, crawl
from .engine import ScanSettings
from .engine_result import EngineError, EngineResult, dedupe_and_cap
from .passive.settings import DEFAULT_SETTINGS, RuleSettings

VERSION = "embedded-1"


def run(target: str, limits: CrawlLimits, max_alerts_per_rule: int = 10, note: Callable[[str], None] = lambda _m: None,
        settings: RuleSettings = DEFAULT_SETTINGS) -> EngineResult:
    started = time.monotonic()
    rules = passive.rules_for(settings)
    note(f"crawling {target}")
    try:
        crawled = crawl(target, limits)
    except CrawlError as exc:
        raise EngineError(str(exc)) from exc
    if not crawled.exchanges:
        raise EngineError(f"the crawler found no URL at {target}")
    if crawled.failures:
        more = f" (and {len(crawled.failures) - 1} more)" if len(crawled.failures) > 1 else ""
        raise EngineError(f"{len(crawled.failures)} request(s) got no response, "
                          f"so those pages were not scanned: {crawled.failures[0]}{more}")
    crawl_s = time.monotonic() - started
    note(f"passive scan of {len(crawled.exchanges)} responses")
    raw = []
    for exchange in crawled.exchanges:
        try:
            raw.extend(passive.scan(exchange, rules))
        except passive.RuleCrashed as exc:
            raise EngineError(str(exc)) from exc
    alerts, capped = dedupe_and_cap(raw, max_alerts_per_rule)
    statuses = Counter(str(e.status) for e in crawled.exchanges)
    return EngineResult(
        engine="embedded", version=VERSION, target=target, alerts=alerts, urls=crawled.urls,
        details={
            "requests": len(crawled.exchanges),
            "urls_visited": crawled.urls,
            "status_codes": dict(sorted(statuses.items())),
            "offsite_links_skipped": crawled.offsite_links,
            "crawl_stopped_by": crawled.stopped_by or "finished",
            "alerts_capped": capped,
            "crawl_s": round(crawl_s, 3),
            "rules": [r.plugin_id for r in rules],
            "passive_s": round(time.monotonic() - started - crawl_s, 3),
        },
    )


class EmbeddedEngine:
    """The Engine interface over the embedded crawler and passive rules (no daemon, no network but the target)."""

    name = "embedded"

    def scan(self, target: str, settings: ScanSettings) -> EngineResult:
        minutes = settings.spider_minutes
        limits = CrawlLimits(max_pages=settings.max_pages, max_depth=settings.max_depth,
                             max_seconds=min(minutes * 60, settings.time_limit) if minutes > 0 else settings.time_limit,
                             post_forms=settings.post_forms)
        return run(target, limits, settings.max_alerts_per_rule, note=settings.note, settings=settings.rules)

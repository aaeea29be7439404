"""10096 Timestamp Disclosure - Unix (Low, Low; CWE-497, WASC-13).

Looks in the response body and headers (except caching, HSTS, rate-limit and reporting headers, as
in ZAP) for 10-digit numbers starting 10-22 that fit a signed 32-bit integer and fall within ten
years of now by the calendar (ZAP's MEDIUM threshold; any date at LOW, within a year at HIGH,
where JavaScript is skipped). Param is the lower-cased header name ('' for the body).
Follows ZAP's ``TimestampDisclosureScanRule`` (zap-extensions pscanrules v76).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from ..exchange import Exchange
from ..html import Document
from ..model import CONF_LOW, RISK_LOW, Alert
from .base import PassiveRule

_UNIX = re.compile(r"\b(?:1\d|2[0-2])\d{8}\b(?!%)")
IGNORED_HEADERS = frozenset(h.lower() for h in (
    "Keep-Alive", "Cache-Control", "ETag", "Age", "Strict-Transport-Security", "Report-To", "NEL", "Expect-CT",
    "RateLimit-Reset", "X-RateLimit-Reset", "X-Rate-Limit-Reset"))
_Y2038 = 2147483647


def _years_from(now: datetime, years: int) -> datetime:
    """ZonedDateTime.plusYears: the same calendar day (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year + years)
    except ValueError:
        return now.replace(year=now.year + years, day=28)


class TimestampDisclosure(PassiveRule):
    follows = "TimestampDisclosureScanRule, pscanrules v76"
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "10096", "Timestamp Disclosure - Unix", RISK_LOW, CONF_LOW, 497, 13
    description = "A timestamp was disclosed by the application/web server. - Unix"
    solution = "Manually confirm that the timestamp data is not sensitive, and that the data cannot be aggregated to disclose exploitable patterns."
    reference = "https://cwe.mitre.org/data/definitions/200.html"

    def scan(self, ex: Exchange, doc: Document) -> Iterator[Alert]:
        if ex.is_font:
            return
        if self.threshold == "HIGH" and ex.is_javascript:
            return
        now = datetime.now(UTC)
        low = _years_from(now, -10).timestamp()
        high = min(_Y2038, _years_from(now, 10).timestamp())
        year_ago, year_ahead = _years_from(now, -1).timestamp(), _years_from(now, 1).timestamp()
        haystacks = [(k.lower(), v) for k, v in ex.headers if k.lower() not in IGNORED_HEADERS] + [("", ex.text)]
        for param, text in haystacks:
            for match in _UNIX.finditer(text):
                value = int(match.group(0))
                if value > _Y2038:
                    continue  # not an int: ZAP's Integer.parseInt fails
                if self.threshold != "LOW" and not low <= value <= high:
                    continue
                if self.threshold == "HIGH" and not year_ago < value < year_ahead:
                    continue
                when = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S")
                yield self.alert(ex, param=param, evidence=match.group(0),
                                 other=f"{match.group(0)} is a Unix timestamp, which is {when} UTC.")

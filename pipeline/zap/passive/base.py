"""What every embedded passive rule shares: its ZAP identity and a helper that builds its alerts."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from ..exchange import Exchange
from ..html import Document
from ..model import Alert
from .settings import DEFAULT_SETTINGS, RuleSettings


class PassiveRule:
    """One ZAP passive scan rule: same plugin id, alert names, default risk and confidence as ZAP's.

    Subclasses set the class attributes and implement :meth:`scan`; ``https_only`` documents rules
    that, as in ZAP, look only at responses to secure requests.
    """

    plugin_id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    risk: ClassVar[int] = 0
    confidence: ClassVar[int] = 2
    cwe_id: ClassVar[int] = 0
    wasc_id: ClassVar[int] = 0
    description: ClassVar[str] = ""
    solution: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    https_only: ClassVar[bool] = False
    # The ZAP class and add-on version a rule follows, for the reader and the report.
    follows: ClassVar[str] = ""

    def __init__(self, settings: RuleSettings = DEFAULT_SETTINGS) -> None:
        self.settings = settings

    @property
    def threshold(self) -> str:
        """ZAP's alert threshold for this rule: LOW reports more, HIGH fewer (MEDIUM by default)."""
        return self.settings.threshold(self.plugin_id)

    def scan(self, ex: Exchange, doc: Document) -> Iterable[Alert]:
        raise NotImplementedError

    def alert(self, ex: Exchange, **fields: Any) -> Alert:  # fields: Alert's own, by name
        base = Alert(
            plugin_id=self.plugin_id, name=self.name, risk=self.risk, confidence=self.confidence,
            url=ex.url, method=ex.method, cwe_id=self.cwe_id, wasc_id=self.wasc_id,
            description=self.description, solution=self.solution, reference=self.reference,
        )
        return replace(base, **fields)


# --- cookie helpers, after ZAP's CookieUtils -------------------------------------------------------
def set_cookie_headers(ex: Exchange) -> list[str]:
    return ex.header_values("Set-Cookie") + ex.header_values("Set-Cookie2")


def cookie_name(value: str) -> str:
    eq, semi = value.find("="), value.find(";")
    if eq < 0 or (semi >= 0 and eq > semi):
        return ""
    return value[:eq].strip()


def cookie_attribute(value: str, attribute: str) -> str | None:
    """The value of an attribute (None when absent or valueless); the first part is the name=value pair."""
    for part in value.split(";")[1:]:
        key, sep, val = part.partition("=")
        if sep and key.strip().lower() == attribute.lower():
            return val.strip()
    return None


def has_cookie_attribute(value: str, attribute: str) -> bool:
    return any(part.partition("=")[0].strip().lower() == attribute.lower() for part in value.split(";")[1:])


def cookie_expired(value: str) -> bool:
    """Deleting cookies are not findings. An unparseable Expires counts as expired, as in ZAP."""
    expires = cookie_attribute(value, "expires")
    if expires is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(expires)
    except (TypeError, ValueError, IndexError):
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < datetime.now(UTC)


def set_cookie_evidence(ex: Exchange, value: str) -> str:
    """``Set-Cookie: name``: the header line up to the cookie name, as ZAP's getSetCookiePlusName."""
    name = cookie_name(value)
    match = re.search("Set-Cookie.*" + re.escape(value), ex.header_block(), re.I)
    if not match:
        return ""
    text = match.group(0)
    if not name.strip():
        end = text.find(";")
        return text if end < 0 else text[:end]
    return text[: text.find(name) + len(name)]

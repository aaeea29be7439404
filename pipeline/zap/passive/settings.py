"""The passive-rule settings ZAP users tune with ``-z "-config ..."`` in zap-baseline, as one value
both engines honour: the alert threshold per rule (``pscans.pscanner(n).level``), the anti-CSRF token
names (``anticsrf.tokens``), ``rules.csrf.ignorelist``, ``rules.cookie.ignorelist`` and
``rules.domains.trusted``. Defaults are ZAP's own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

# ZAP's Plugin.AlertThreshold values a user can set; OFF disables the rule.
THRESHOLDS = ("OFF", "LOW", "MEDIUM", "HIGH")
DEFAULT_THRESHOLD = "MEDIUM"

# ZAP's AntiCsrfParam.DEFAULT_TOKENS_NAMES (zaproxy 2.16).
DEFAULT_CSRF_TOKENS = (
    "anticsrf", "CSRFToken", "__RequestVerificationToken", "csrfmiddlewaretoken", "authenticity_token",
    "OWASP_CSRFTOKEN", "anoncsrf", "csrf_token", "_csrf", "_csrfSecret", "__csrf_magic", "CSRF", "_token",
    "_csrf_token", "_csrfToken",
)


class SettingsError(ValueError):
    """A rule setting that ZAP would refuse (unknown threshold, bad regex)."""


@dataclass(frozen=True)
class RuleSettings:
    thresholds: Mapping[str, str] = field(default_factory=dict)  # plugin id -> one of THRESHOLDS
    csrf_tokens: tuple[str, ...] = DEFAULT_CSRF_TOKENS
    csrf_partial_matching: bool = True  # ZAP's anticsrf.partialMatchingEnabled, on by default
    csrf_ignore_list: tuple[str, ...] = ()  # form ids or names
    cookie_ignore_list: tuple[str, ...] = ()  # cookie names
    trusted_domains: tuple[str, ...] = ()  # regexes a whole URL must match

    def __post_init__(self) -> None:
        for plugin_id, level in self.thresholds.items():
            if level not in THRESHOLDS:
                raise SettingsError(f"alert threshold {level!r} for rule {plugin_id} is not one of {', '.join(THRESHOLDS)}")
        for regex in self.trusted_domains:
            try:
                re.compile(regex)
            except re.error as exc:
                raise SettingsError(f"trusted domain {regex!r} is not a valid regular expression: {exc}") from exc

    def threshold(self, plugin_id: str) -> str:
        return self.thresholds.get(plugin_id, DEFAULT_THRESHOLD)

    def enabled(self, plugin_id: str) -> bool:
        return self.threshold(plugin_id) != "OFF"

    @cached_property
    def _trusted(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(r) for r in self.trusted_domains)

    def is_trusted(self, url: str) -> bool:
        """commonlib TrustedDomains.isIncluded: any configured regex matches the whole URL."""
        return any(p.fullmatch(url) for p in self._trusted)

    def is_csrf_token(self, name: str) -> bool:
        """ExtensionAntiCSRF.isKnownAntiCsrfToken: equal ignoring case, or containing a known name."""
        lowered = name.lower()
        return any(lowered == t.lower() or (self.csrf_partial_matching and t.lower() in lowered) for t in self.csrf_tokens)


DEFAULT_SETTINGS = RuleSettings()


def from_settings(alert_thresholds: tuple[str, ...], csrf_tokens: tuple[str, ...], csrf_partial_matching: bool,
                  csrf_ignore_list: tuple[str, ...], cookie_ignore_list: tuple[str, ...],
                  trusted_domains: tuple[str, ...]) -> RuleSettings:
    """The stage's ``[tool.secure-pipeline.stages.zap]`` rule settings; raises SettingsError naming the option."""
    thresholds: dict[str, str] = {}
    for entry in _strings(alert_thresholds):
        plugin_id, sep, level = entry.partition("=")
        if not sep or not plugin_id.strip().isdigit():
            raise SettingsError(f"zap.alert_thresholds entry {entry!r} is not `<rule id>=<OFF|LOW|MEDIUM|HIGH>`")
        thresholds[plugin_id.strip()] = level.strip().upper()
    extra_tokens = tuple(t for t in _strings(csrf_tokens) if t not in DEFAULT_CSRF_TOKENS)
    return RuleSettings(
        thresholds=thresholds, csrf_tokens=DEFAULT_CSRF_TOKENS + extra_tokens,
        csrf_partial_matching=csrf_partial_matching,
        csrf_ignore_list=_strings(csrf_ignore_list), cookie_ignore_list=_strings(cookie_ignore_list),
        trusted_domains=_strings(trusted_domains))


def _strings(values: tuple[str, ...]) -> tuple[str, ...]:
    """The entries without surrounding blanks; empty ones dropped (the configuration validated the types)."""
    return tuple(v.strip() for v in values if v.strip())

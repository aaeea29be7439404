"""The embedded engine's passive rules: ZAP's passive scan rules with the same plugin ids, alert
names, default risks and confidences (ZAP's default MEDIUM alert threshold), one module per rule or
rule family. Each module's docstring says what triggers it, its CWE and WASC ids.

``RULES`` is the ordered set; :func:`scan` runs every rule over one exchange, and a rule that
crashes is reported by name instead of being silently skipped.
"""

from __future__ import annotations

from ..exchange import Exchange
from ..html import EMPTY, parse
from ..model import Alert
from .app_errors import ApplicationErrorDisclosure
from .base import PassiveRule
from .cache_control import CacheControl
from .cacheable import ContentCacheability
from .clickjacking import AntiClickjacking
from .content_type import ContentTypeMissing
from .content_type_options import XContentTypeOptions
from .cookies import CookieNoHttpOnly, CookieSameSite, CookieWithoutSecure, LooselyScopedCookie
from .cors import CrossDomainMisconfiguration
from .csp import ContentSecurityPolicy
from .csp_missing import CspMissing
from .csrf import AbsenceOfAntiCsrfTokens
from .debug_errors import DebugErrorMessages
from .header_leaks import XAspNetVersionLeak, XBackendServerLeak, XChromeLoggerDataLeak, XDebugTokenLeak
from .hsts import StrictTransportSecurity
from .js_functions import DangerousJsFunctions
from .misc_disclosure import CharsetMismatch, HashDisclosure, HttpParameterOverride, UsernameHashFound, ZapOutOfDate
from .mixed_content import MixedContent
from .page_links import InsecureFormLoad, InsecureFormPost, ModernWebApplication, PolyfillCdnScript, ReverseTabnabbing
from .permissions_policy import PermissionsPolicy
from .pii import PiiDisclosure
from .private_data import PrivateIpDisclosure, SensitiveInfoInReferrer, SessionIdInUrl
from .retrieved_from_cache import RetrievedFromCache
from .script_inclusion import CrossDomainScriptInclusion
from .serialized_state import InsecureJsfViewState, JavaSerializationObject, SourceCodeDisclosure
from .server_banners import ServerVersionLeak, XPoweredByLeak
from .server_disclosure import BigRedirect, DirectoryBrowsing, HeartbleedIndicative, InPageBanner
from .settings import RuleSettings
from .site_isolation import SiteIsolation
from .sri import SubResourceIntegrityMissing
from .suspicious_comments import SuspiciousComments
from .timestamps import TimestampDisclosure
from .url_disclosure import SensitiveInfoInUrl
from .user_controlled import CookiePoisoning, OffSiteRedirect, UserControlledCharset, UserControlledJavascriptEvent
from .user_controlled_attributes import UserControlledHtmlAttributes
from .viewstate import Viewstate
from .weak_auth import WeakAuthentication

RULES: tuple[PassiveRule, ...] = (
    CookieNoHttpOnly(), CookieWithoutSecure(), CacheControl(), CrossDomainScriptInclusion(), ContentTypeMissing(),
    AntiClickjacking(), XContentTypeOptions(), DebugErrorMessages(), SensitiveInfoInUrl(), SuspiciousComments(),
    StrictTransportSecurity(), ServerVersionLeak(), XPoweredByLeak(), CspMissing(), MixedContent(), CookieSameSite(),
    ContentSecurityPolicy(), PermissionsPolicy(), TimestampDisclosure(), CrossDomainMisconfiguration(),
    WeakAuthentication(), AbsenceOfAntiCsrfTokens(), SiteIsolation(), ApplicationErrorDisclosure(), LooselyScopedCookie(),
    ContentCacheability(), SubResourceIntegrityMissing(), DangerousJsFunctions(), UserControlledHtmlAttributes(),
    XBackendServerLeak(), XChromeLoggerDataLeak(), XDebugTokenLeak(), XAspNetVersionLeak(), RetrievedFromCache(),
    InPageBanner(), DirectoryBrowsing(), HeartbleedIndicative(), BigRedirect(), InsecureFormLoad(), InsecureFormPost(),
    ReverseTabnabbing(), ModernWebApplication(), PolyfillCdnScript(), PrivateIpDisclosure(), SessionIdInUrl(),
    SensitiveInfoInReferrer(), OffSiteRedirect(), CookiePoisoning(), UserControlledCharset(), UserControlledJavascriptEvent(),
    HashDisclosure(), CharsetMismatch(), UsernameHashFound(), HttpParameterOverride(), ZapOutOfDate(),
    SourceCodeDisclosure(), InsecureJsfViewState(), JavaSerializationObject(), PiiDisclosure(), Viewstate(),
)


def rules_for(settings: RuleSettings) -> tuple[PassiveRule, ...]:
    """Every rule configured with the user's settings; rules whose threshold is OFF are left out."""
    return tuple(type(rule)(settings) for rule in RULES if settings.enabled(rule.plugin_id))


class RuleCrashed(Exception):
    """A passive rule raised: the scan cannot claim it looked at this response."""


def scan(ex: Exchange, rules: tuple[PassiveRule, ...] = RULES) -> list[Alert]:
    doc = parse(ex.text) if ex.is_html and ex.body else EMPTY
    alerts: list[Alert] = []
    for rule in rules:
        try:
            alerts.extend(rule.scan(ex, doc))
        except Exception as exc:  # a rule bug must not look like "no alert"
            raise RuleCrashed(f"passive rule {rule.plugin_id} ({rule.name}) crashed on {ex.url}: {type(exc).__name__}: {exc}") from exc
    return alerts

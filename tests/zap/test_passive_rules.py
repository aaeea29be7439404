"""Each embedded passive rule against a real local HTTP(S) server: one response that must raise it
(with ZAP's plugin id, alert name, risk and evidence) and one that must not."""

from __future__ import annotations

import time

import pytest

from pipeline.zap import passive
from pipeline.zap.crawler import fetch
from pipeline.zap.model import RISK_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM

HTML = [("Content-Type", "text/html; charset=utf-8")]
GOOD_HEADERS = HTML + [
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    ("Permissions-Policy", "camera=()"), ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"), ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Strict-Transport-Security", "max-age=31536000"), ("Cache-Control", "no-cache, no-store, must-revalidate"),
]
PAGE = b"<html><body><p>hello</p></body></html>"
NOW = str(int(time.time()))


def without(*names: str) -> list[tuple[str, str]]:
    lowered = {n.lower() for n in names}
    return [(k, v) for k, v in GOOD_HEADERS if k.lower() not in lowered]


# plugin id, https?, positive (headers, body, path), negative (headers, body, path), name, risk, evidence fragment
CASES = [
    ("10010", False, (GOOD_HEADERS + [("Set-Cookie", "sid=abc; Path=/; Secure; SameSite=Lax")], PAGE, "/"),
     (GOOD_HEADERS + [("Set-Cookie", "sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax")], PAGE, "/"),
     "Cookie No HttpOnly Flag", RISK_LOW, "Set-Cookie: sid"),
    ("10011", True, (GOOD_HEADERS + [("Set-Cookie", "sid=abc; HttpOnly; SameSite=Lax")], PAGE, "/"),
     (GOOD_HEADERS + [("Set-Cookie", "sid=abc; HttpOnly; Secure; SameSite=Lax")], PAGE, "/"),
     "Cookie Without Secure Flag", RISK_LOW, "Set-Cookie: sid"),
    ("10015", True, (without("Cache-Control") + [("Cache-Control", "max-age=3600")], PAGE, "/"),
     (GOOD_HEADERS, PAGE, "/"), "Re-examine Cache-control Directives", RISK_INFO, "max-age=3600"),
    ("10017", False, (GOOD_HEADERS, b'<html><body><script src="https://cdn.example.com/lib.js"></script></body></html>', "/"),
     (GOOD_HEADERS, b'<html><body><script src="https://cdn.example.com/lib.js" integrity="sha384-abc"></script>'
      b'<script src="/local.js"></script></body></html>', "/"),
     "Cross-Domain JavaScript Source File Inclusion", RISK_LOW, '<script src="https://cdn.example.com/lib.js">'),
    ("10019", False, (without("Content-Type"), b"some bytes", "/"), (GOOD_HEADERS, PAGE, "/"),
     "Content-Type Header Missing", RISK_INFO, ""),
    ("10020", False, (without("X-Frame-Options", "Content-Security-Policy"), PAGE, "/"),
     (without("Content-Security-Policy"), PAGE, "/"), "Missing Anti-clickjacking Header", RISK_MEDIUM, ""),
    ("10021", False, (without("X-Content-Type-Options"), PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     "X-Content-Type-Options Header Missing", RISK_LOW, ""),
    ("10023", False, (GOOD_HEADERS, b"<html><body>Warning: Division by zero in /var/www/x.php</body></html>", "/"),
     (GOOD_HEADERS, PAGE, "/"), "Information Disclosure - Debug Error Messages", RISK_LOW, "Warning: Division by zero in"),
    ("10024", False, (GOOD_HEADERS, PAGE, "/account?email=alice@example.com"), (GOOD_HEADERS, PAGE, "/account?page=2"),
     "Information Disclosure - Sensitive Information in URL", RISK_INFO, "alice@example.com"),
    ("10027", False, (GOOD_HEADERS, b"<html><body><!-- TODO remove the admin backdoor --></body></html>", "/"),
     (GOOD_HEADERS, b"<html><body><!-- layout: two columns --><p>todo list app</p></body></html>", "/"),
     "Information Disclosure - Suspicious Comments", RISK_INFO, "TODO"),
    ("10035", True, (without("Strict-Transport-Security"), PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     "Strict-Transport-Security Header Not Set", RISK_LOW, ""),
    ("10036", False, (GOOD_HEADERS + [("Server", "Apache/2.4.41 (Ubuntu)")], PAGE, "/"),
     (GOOD_HEADERS + [("Server", "webserver")], PAGE, "/"),
     'Server Leaks Version Information via "Server" HTTP Response Header Field', RISK_LOW, "Apache/2.4.41 (Ubuntu)"),
    ("10037", False, (GOOD_HEADERS + [("X-Powered-By", "PHP/7.4.3")], PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     'Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s)', RISK_LOW, "X-Powered-By: PHP/7.4.3"),
    ("10038", False, (without("Content-Security-Policy"), PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     "Content Security Policy (CSP) Header Not Set", RISK_MEDIUM, ""),
    ("10040", True, (GOOD_HEADERS, b'<html><body><img src="http://example.com/a.png"></body></html>', "/"),
     (GOOD_HEADERS, b'<html><body><img src="https://example.com/a.png"></body></html>', "/"),
     "Secure Pages Include Mixed Content", RISK_LOW, "http://example.com/a.png"),
    ("10054", False, (GOOD_HEADERS + [("Set-Cookie", "sid=abc; HttpOnly")], PAGE, "/"),
     (GOOD_HEADERS + [("Set-Cookie", "sid=abc; HttpOnly; SameSite=Strict")], PAGE, "/"),
     "Cookie without SameSite Attribute", RISK_LOW, "Set-Cookie: sid"),
    ("10055", False, (without("Content-Security-Policy") + [("Content-Security-Policy", "default-src *; script-src 'self' 'unsafe-inline'")], PAGE, "/"),
     (GOOD_HEADERS, PAGE, "/"), "CSP: Wildcard Directive", RISK_MEDIUM, "default-src *"),
    ("10063", False, (without("Permissions-Policy"), PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     "Permissions Policy Header Not Set", RISK_LOW, ""),
    ("10096", False, (GOOD_HEADERS, f"<html><body>generated {NOW}</body></html>".encode(), "/"),
     (GOOD_HEADERS, b"<html><body>order 9999999999 and 1000</body></html>", "/"),
     "Timestamp Disclosure - Unix", RISK_LOW, NOW),
    ("10098", False, (GOOD_HEADERS + [("Access-Control-Allow-Origin", "*")], PAGE, "/"),
     (GOOD_HEADERS + [("Access-Control-Allow-Origin", "https://app.example.com")], PAGE, "/"),
     "Cross-Domain Misconfiguration", RISK_MEDIUM, "Access-Control-Allow-Origin: *"),
    ("10105", False, (GOOD_HEADERS + [("WWW-Authenticate", 'Basic realm="admin"')], PAGE, "/"),
     (GOOD_HEADERS + [("WWW-Authenticate", 'Bearer realm="api"')], PAGE, "/"),
     "Weak Authentication Method", RISK_MEDIUM, 'WWW-Authenticate: Basic realm="admin"'),
    ("10202", False, (GOOD_HEADERS, b'<html><body><form method="post" action="/x"><input name="title"></form></body></html>', "/"),
     (GOOD_HEADERS, b'<html><body><form method="post" action="/x"><input type="hidden" name="csrf_token" value="t">'
      b'<input name="title"></form></body></html>', "/"),
     "Absence of Anti-CSRF Tokens", RISK_MEDIUM, '<form method="post" action="/x">'),
    ("90004", False, (without("Cross-Origin-Opener-Policy"), PAGE, "/"), (GOOD_HEADERS, PAGE, "/"),
     "Cross-Origin-Opener-Policy Header Missing or Invalid", RISK_LOW, ""),
    ("90022", False, (GOOD_HEADERS, b"<html><body>You have an error in your SQL syntax near 'x'</body></html>", "/"),
     (GOOD_HEADERS, PAGE, "/"), "Application Error Disclosure", RISK_MEDIUM, "You have an error in your SQL syntax"),
    ("90033", False, (GOOD_HEADERS + [("Set-Cookie", "sid=a; Domain=0.0.1; HttpOnly; SameSite=Lax")], PAGE, "/"),
     (GOOD_HEADERS + [("Set-Cookie", "sid=a; Domain=127.0.0.1; HttpOnly; SameSite=Lax")], PAGE, "/"),
     "Loosely Scoped Cookie", RISK_INFO, "Domain=0.0.1"),
]


def alerts_for(site, path: str, plugin_id: str):
    exchange = fetch("GET", site.url(path), b"", timeout=5, max_body=1_000_000)
    return [a for a in passive.scan(exchange) if a.plugin_id == plugin_id]


def test_every_listed_rule_has_a_case_and_a_module():
    # Rules added with ZAP's ported unit tests have their cases in the test_ported_*_rules.py modules.
    from .test_ported_last_rules import COVERED as LAST
    from .test_ported_more_rules import COVERED as MORE
    from .test_ported_new_rules import COVERED as NEW
    assert {c[0] for c in CASES} | NEW | MORE | LAST == {r.plugin_id for r in passive.RULES}
    for rule in passive.RULES:
        assert type(rule).__doc__ or __import__(type(rule).__module__).__doc__


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_positive_and_negative(serve, case):
    plugin_id, tls, (pos_headers, pos_body, pos_path), (neg_headers, neg_body, neg_path), name, risk, evidence = case
    positive = serve({pos_path: (200, pos_headers, pos_body)}, tls=tls)
    found = alerts_for(positive, pos_path, plugin_id)
    assert found, f"{plugin_id} did not fire"
    match = [a for a in found if a.name == name]
    assert match, f"{plugin_id} fired {[a.name for a in found]}, expected {name!r}"
    assert match[0].risk == risk
    assert match[0].url == positive.url(pos_path)
    assert evidence in match[0].evidence
    negative = serve({neg_path: (200, neg_headers, neg_body)}, tls=tls)
    assert alerts_for(negative, neg_path, plugin_id) == []


@pytest.mark.parametrize("plugin_id,headers", [
    ("10011", GOOD_HEADERS + [("Set-Cookie", "sid=abc; HttpOnly; SameSite=Lax")]),
    ("10015", without("Cache-Control")),
    ("10035", without("Strict-Transport-Security")),
])
def test_https_only_rules_stay_quiet_over_plain_http(serve, plugin_id, headers):
    site = serve({"/": (200, headers, PAGE)})
    assert alerts_for(site, "/", plugin_id) == []


def test_mixed_content_with_scripts_is_medium(serve):
    site = serve({"/": (200, GOOD_HEADERS, b'<html><body><script src="http://example.com/a.js"></script></body></html>')}, tls=True)
    [alert] = alerts_for(site, "/", "10040")
    assert (alert.name, alert.risk) == ("Secure Pages Include Mixed Content (Including Scripts)", RISK_MEDIUM)


def test_weak_auth_credentials_in_request_are_high_without_echoing_them(serve):
    site = serve({"/": (200, GOOD_HEADERS, PAGE)})
    exchange = fetch("GET", site.url("/"), b"", 5, 100_000, headers={"Authorization": "Basic YWxpY2U6czNjcmV0"})
    [alert] = [a for a in passive.scan(exchange) if a.plugin_id == "10105"]
    assert alert.risk == RISK_HIGH and "s3cret" not in alert.other + alert.evidence


def test_server_error_is_low_application_error(serve):
    site = serve({"/boom": (500, GOOD_HEADERS, PAGE)})
    [alert] = alerts_for(site, "/boom", "90022")
    assert alert.risk == RISK_LOW and alert.evidence.startswith("HTTP/1.1 500")


def test_same_site_none_and_invalid_variants(serve):
    site = serve({"/": (200, GOOD_HEADERS + [("Set-Cookie", "a=1; HttpOnly; SameSite=None; Secure"),
                                            ("Set-Cookie", "b=2; HttpOnly; SameSite=Sometimes")], PAGE)})
    names = {(a.param, a.name, a.alert_ref) for a in alerts_for(site, "/", "10054")}
    assert names == {("a", "Cookie with SameSite Attribute None", "10054-2"),
                     ("b", "Cookie with Invalid SameSite Attribute", "10054-3")}


def test_expired_cookie_is_a_deletion_not_a_finding(serve):
    site = serve({"/": (200, GOOD_HEADERS + [("Set-Cookie", "sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT")], PAGE)})
    assert alerts_for(site, "/", "10010") == [] and alerts_for(site, "/", "10054") == []

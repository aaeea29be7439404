"""ZAP's unit tests for the second batch of passive rules added to the embedded engine, ported (the
same message in, the same alerts out; zap-extensions pscanrules v76 / pscanrulesBeta v51, each test
names the ZAP test it follows). Tests of ZAP internals (alert tags, example alerts) have no
counterpart here."""

from __future__ import annotations

import base64
import hashlib

import pytest

from pipeline.zap.model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM
from pipeline.zap.passive.header_leaks import XAspNetVersionLeak, XBackendServerLeak, XChromeLoggerDataLeak, XDebugTokenLeak
from pipeline.zap.passive.misc_disclosure import (CharsetMismatch, HashDisclosure, HttpParameterOverride, UsernameHashFound,
                                                  ZapOutOfDate, username_digests)
from pipeline.zap.passive.page_links import (InsecureFormLoad, InsecureFormPost, ModernWebApplication, PolyfillCdnScript,
                                             ReverseTabnabbing)
from pipeline.zap.passive.private_data import PrivateIpDisclosure, SensitiveInfoInReferrer, SessionIdInUrl
from pipeline.zap.passive.retrieved_from_cache import RetrievedFromCache
from pipeline.zap.passive.server_disclosure import BigRedirect, DirectoryBrowsing, HeartbleedIndicative, InPageBanner
from pipeline.zap.passive.settings import RuleSettings
from pipeline.zap.passive.user_controlled import CookiePoisoning, OffSiteRedirect, UserControlledCharset, UserControlledJavascriptEvent

from .messages import message, run

COVERED = {"10039", "10052", "10056", "10061", "10050", "10009", "10033", "10034", "10044", "10041", "10042", "10108", "10109",
           "10115", "2", "3", "10025", "10028", "10029", "10030", "10043", "10097", "90011", "10057", "10026", "10116"}


def low(rule_class, plugin_id):
    return rule_class(RuleSettings(thresholds={plugin_id: "LOW"}))


# --- header leaks: XBackendServer / XChromeLoggerData / XDebugToken / XAspNetVersion ------------------
def test_10039_each_backend_server_value():  # shouldRaiseAlertIfResponseHasXBackendServerHeader (multiple)
    ex = message("", headers=[("X-Backend-Server", "developer1.webapp.scl3.mozilla.com"), ("X-Backend-Server", "10.0.0.1")])
    alerts = run(XBackendServerLeak(), ex)
    assert [a.evidence for a in alerts] == ["developer1.webapp.scl3.mozilla.com", "10.0.0.1"]
    assert (alerts[0].risk, alerts[0].confidence, alerts[0].cwe_id) == (RISK_LOW, CONF_MEDIUM, 497)
    assert run(XBackendServerLeak(), message("")) == []


def test_10052_decodes_the_logger_data():  # shouldRaiseAlertWhenXChromeLoggerDataHeaderPresent / ...Undecodable
    encoded = base64.b64encode(b'{"version":"4.0","rows":[["request","Matched route"]]}').decode()
    [alert] = run(XChromeLoggerDataLeak(), message("", headers=[("X-ChromeLogger-Data", encoded)]))
    assert alert.evidence == encoded and alert.risk == RISK_MEDIUM and alert.confidence == CONF_HIGH
    assert alert.other == 'The following represents an attempt to base64 decode the value:\n{"version":"4.0","rows":[["request","Matched route"]]}'
    [bad] = run(XChromeLoggerDataLeak(), message("", headers=[("X-ChromePhp-Data", "not*base64")]))
    assert bad.other == "Header value could not be base64 decoded: not*base64"


def test_10056_link_header_wins():  # shouldRaiseAlertIfResponseHasXDebugTokenLinkHeader / ...BothHeaders
    ex = message("", headers=[("X-Debug-Token", "97b958"), ("X-Debug-Token-Link", "/_profiler/97b958")])
    [alert] = run(XDebugTokenLeak(), ex)
    assert alert.evidence == "X-Debug-Token-Link: /_profiler/97b958"
    [token] = run(XDebugTokenLeak(), message("", headers=[("x-debug-token", "97b958")]))
    assert token.evidence == "x-debug-token: 97b958"


def test_10061_both_asp_net_headers():  # shouldRaiseAlertIfResponseHasXAspNetVersionHeader / ...MvcVersion
    ex = message("", headers=[("X-AspNet-Version", "4.0.30319"), ("X-AspNetMvc-Version", "5.2")])
    assert [a.evidence for a in run(XAspNetVersionLeak(), ex)] == ["4.0.30319", "5.2"]


# --- 10050 RetrievedFromCacheScanRuleUnitTest -----------------------------------------------------------
@pytest.mark.parametrize("headers,ref,evidence", [
    ([], None, None), ([("X-Cache", "MISS")], None, None), ([("X-Cache", "")], None, None), ([("Age", "")], None, None),
    ([("X-Cache", "HIT")], "10050-1", "HIT"),
    ([("X-Cache", "HIT from cache.kolich.local")], "10050-1", "HIT from cache.kolich.local"),
    ([("X-Cache", "MISS from proxy.domain.tld, HIT from proxy.domain.tld")], "10050-1", "HIT from proxy.domain.tld"),
    ([("Age", "24")], "10050-2", "Age: 24"),
])
def test_10050_cache_headers(headers, ref, evidence):
    alerts = run(RetrievedFromCache(), message("", headers=headers))
    if ref is None:
        assert alerts == []
    else:
        [alert] = alerts
        assert (alert.alert_ref, alert.evidence, alert.cwe_id, alert.risk) == (ref, evidence, 525, RISK_INFO)


# --- 10009 InPageBannerInfoLeakScanRuleUnitTest ------------------------------------------------------------
def test_10009_banner_in_error_pages_only():
    [alert] = run(InPageBanner(), message("<html><body>Squid/2.5</body></html>", status=404))
    assert (alert.evidence, alert.risk, alert.confidence) == ("Squid/2.5", RISK_LOW, CONF_HIGH)
    assert run(InPageBanner(), message("<html><body>Squid/2.5</body></html>", status=307)) == []
    assert run(InPageBanner(), message("<html><body>Jetty://9.4</body></html>", status=200)) == []
    [at_low] = run(low(InPageBanner, "10009"), message("<html><body>Jetty://9.4</body></html>", status=200))
    assert at_low.evidence == "Jetty://9.4"


# --- 10033 DirectoryBrowsingScanRuleUnitTest ---------------------------------------------------------------
def test_10033_apache_and_iis_listings():
    [apache] = run(DirectoryBrowsing(), message("<html><head><title>Index of /htdocs</title></head></html>"))
    assert (apache.evidence, apache.other, apache.risk) == ("<title>Index of /htdocs</title>", "Web server identified: Apache 2", RISK_MEDIUM)
    iis = '<pre><A HREF="/">[To Parent Directory]</A><br><br>'
    [found] = run(DirectoryBrowsing(), message(f"<html><body>{iis}</body></html>"))
    assert found.other == "Web server identified: Microsoft IIS"
    assert run(DirectoryBrowsing(), message("<html><title>Home</title></html>")) == []


# --- 10034 HeartBleedScanRule (ZAP has no unit test; the rule's version list) ------------------------------
@pytest.mark.parametrize("server,count", [("Apache/2.2.22 (Ubuntu) OpenSSL/1.0.1e", 1), ("Apache OpenSSL/1.0.1g", 0),
                                          ("nginx OpenSSL/1.0.2-beta", 1)])
def test_10034_vulnerable_openssl_versions(server, count):
    alerts = run(HeartbleedIndicative(), message("", headers=[("Server", server)]))
    assert len(alerts) == count
    if count:
        assert alerts[0].risk == RISK_HIGH and alerts[0].evidence.startswith("OpenSSL/")


# --- 10044 BigRedirectsScanRuleUnitTest ------------------------------------------------------------------
def test_10044_big_and_multi_href_redirects():
    location = "http://example.com/next"
    [big] = run(BigRedirect(), message("x" * 400, status=302, headers=[("Location", location)]))
    assert big.alert_ref == "10044-1"
    assert big.other == f"Location header URI length: {len(location)} [{location}].\nPredicted response size: {len(location) + 300}.\nResponse Body Length: 400."
    [multi] = run(BigRedirect(), message('<a href="/a">a</a><a href="/b">b</a>', status=301, headers=[("Location", location)]))
    assert (multi.alert_ref, multi.name) == ("10044-2", "Multiple HREFs Redirect Detected (Potential Sensitive Information Leak)")
    assert run(BigRedirect(), message("x" * 400, status=304, headers=[("Location", location)])) == []


# --- 10041 / 10042 InsecureFormLoad / InsecureFormPost ---------------------------------------------------------
def test_10041_http_page_with_https_form():
    form = '<form action="https://example.com/login" method="post"><input name="u"></form>'
    [alert] = run(InsecureFormLoad(), message(f"<html><body>{form}</body></html>", url="http://example.com/"))
    assert (alert.evidence, alert.risk, alert.cwe_id) == ("https://example.com/login", RISK_MEDIUM, 319)
    assert alert.other == ("The response to the following request over HTTP included an HTTPS form tag action attribute value:\n\n"
                           f"http://example.com/\nThe context was:\n\n{form}")
    assert run(InsecureFormLoad(), message(f"<html><body>{form}</body></html>", url="https://example.com/")) == []


def test_10042_https_page_with_http_form():
    form = '<form action=" http://example.com/login"></form>'
    [alert] = run(InsecureFormPost(), message(f"<html>{form}</html>", url="https://example.com/"))
    assert alert.evidence == "http://example.com/login"
    assert run(InsecureFormPost(), message(f"<html>{form}</html>", url="https://example.com/", status=404)) == []


# --- 10108 LinkTargetScanRuleUnitTest ---------------------------------------------------------------------
@pytest.mark.parametrize("link,count", [
    ('<a href="https://other.example.org/" target="_blank" rel="opener">x</a>', 1),
    ('<a href="https://other.example.org/" target="_blank" rel="noopener">x</a>', 0),
    ('<a href="https://other.example.org/" target="_blank">x</a>', 0),
    ('<a href="/local" target="_blank" rel="opener">x</a>', 0),
])
def test_10108_reverse_tabnabbing(link, count):
    assert len(run(ReverseTabnabbing(), message(f"<html><body>{link}</body></html>"))) == count


# --- 10109 ModernAppDetectionScanRuleUnitTest ----------------------------------------------------------------
@pytest.mark.parametrize("body,evidence", [
    ("<html><head></head><body><H1>Nothing to see here...</H1></body></html>", None),
    ('<html><head></head><body><a href="#">Link</a></body></html>', '<a href="#">Link</a>'),
    ('<html><head></head><body><a href="#blah">Link</a></body></html>', None),
    ('<html><head></head><body><a href="link" target="_self">Link</a></body></html>', '<a href="link" target="_self">Link</a>'),
    ('<html><head></head><body><a href="">Link</a></body></html>', '<a href="">Link</a>'),
    ('<html><head></head><body><script src="/script.js"></script></body></html>', '<script src="/script.js"></script>'),
    ('<html><head><script src="/script.js"></script></head><body><a href="link">link</a><noscript>You need to enable '
     'JavaScript to run this app.</noscript></body></html>', "<noscript>You need to enable JavaScript to run this app.</noscript>"),
])
def test_10109_modern_app(body, evidence):
    alerts = run(ModernWebApplication(), message(body))
    assert [a.evidence for a in alerts] == ([] if evidence is None else [evidence])
    assert run(ModernWebApplication(), message("content that would normally raise <a> an alert", "text/plain")) == []


# --- 10115 PolyfillCdnScriptScanRuleUnitTest ---------------------------------------------------------------------
def test_10115_polyfill_script():
    element = '<script src="https://cdn.polyfill.io/v2/polyfill.min.js"></script>'
    [alert] = run(PolyfillCdnScript(), message(f"<html><head>{element}</head></html>"))
    assert (alert.alert_ref, alert.confidence, alert.risk, alert.param, alert.evidence) == (
        "10115-1", CONF_HIGH, RISK_HIGH, "https://cdn.polyfill.io/v2/polyfill.min.js", element)
    [inline] = run(PolyfillCdnScript(), message('<html><script>load("https://polyfill.io/v3/polyfill.js")</script></html>'))
    assert (inline.alert_ref, inline.confidence) == ("10115-2", CONF_LOW)
    assert run(PolyfillCdnScript(), message('<html><script src="https://cdnjs.example.com/lib.js"></script></html>')) == []


# --- 2 InfoPrivateAddressDisclosureScanRuleUnitTest ----------------------------------------------------------------
@pytest.mark.parametrize("body,evidence", [
    ("foo-10.0.0.0-bar", "10.0.0.0"), ("hello?10.10.10.10@world", "10.10.10.10"), ("good(172.16.0.0)dog", "172.16.0.0"),
    ("crying[192.168.0.0]child", "192.168.0.0"), ("apple.10.0.0.0:6553.jelly", "10.0.0.0:6553"), ("10.0.0.0:bla", "10.0.0.0"),
    ("10.0.0.0:128", "10.0.0.0:128"), ("ip-10.0.00.000:", "10.0.00.000"), ("IP-10.0.0.0", "10.0.0.0"),
])
def test_2_private_ips(body, evidence):  # shouldRaiseAlertWhenPrivateIpIsPresent...
    [alert] = run(PrivateIpDisclosure(), message(body, "text/html"))
    assert (alert.evidence, alert.risk, alert.confidence, alert.cwe_id) == (evidence, RISK_LOW, CONF_MEDIUM, 497)


@pytest.mark.parametrize("body", ["9.255.255.255", "172.32.0.0", "192.169.0.0", "127.0.0.1", "10.0.0", "10.0.0.a", "999.0.0.0",
                                  "ip-10-0-0-256", "abcd10.0.0.999", "ship-192-168-0-5", "15.10.0.0.0.12.27"])
def test_2_not_private_ips(body):  # shouldNotRaiseAlertWhen...
    assert run(PrivateIpDisclosure(), message(body, "text/html")) == []


def test_2_requested_host_only_at_low():  # shouldIgnoreRequestedPrivateIpByDefault / ...IfLowAlertThreshold
    ex = message("see 10.0.2.2:8081 here", "text/html", url="http://10.0.2.2:8081/")
    assert run(PrivateIpDisclosure(), ex) == []
    assert [a.evidence for a in run(low(PrivateIpDisclosure, "2"), ex)] == ["10.0.2.2:8081"]
    assert run(PrivateIpDisclosure(), message("10.0.0.1", "image/jpeg")) == []


# --- 3 InfoSessionIdUrlScanRuleUnitTest ---------------------------------------------------------------------------
def test_3_session_id_in_url_and_referer_exposure():
    ex = message('<a href="https://other.example.org/x">x</a>', url="http://example.com/page?jsessionid=1A530637289A03B07199A44E8D531427")
    alerts = run(SessionIdInUrl(), ex)
    assert [(a.alert_ref, a.risk) for a in alerts] == [("3-1", RISK_MEDIUM), ("3-3", RISK_LOW)]
    assert (alerts[0].param, alerts[0].evidence) == ("jsessionid", "1A530637289A03B07199A44E8D531427")
    assert alerts[1].evidence == "other.example.org"
    [path] = run(SessionIdInUrl(), message("", url="http://example.com/page;jsessionid=1A530637289A03B0"))
    assert (path.alert_ref, path.evidence) == ("3-2", "jsessionid=1A530637289A03B0")
    assert run(SessionIdInUrl(), message("", url="http://example.com/page?sid=short")) == []


# --- 10025 InformationDisclosureReferrerScanRuleUnitTest -------------------------------------------------------------
@pytest.mark.parametrize("referer,evidence", [
    ("https://other.example.org/?user=alice", "user"), ("https://other.example.org/?mail=example@gmail.com", "example@gmail.com"),
    ("https://other.example.org/?ssn=000-00-0000", "000-00-0000"), ("https://other.example.org/?cc=4111111111111111", "4111111111111111"),
])
def test_10025_sensitive_referrer(referer, evidence):
    alerts = run(SensitiveInfoInReferrer(), message("", request_headers=[("Referer", referer)]))
    assert evidence in [a.evidence for a in alerts]
    assert all(a.risk == RISK_INFO for a in alerts)


def test_10025_same_host_or_relative_referrer_is_fine():
    for referer in ("http://example.com/?user=alice", "/?user=alice"):
        assert run(SensitiveInfoInReferrer(), message("", request_headers=[("Referer", referer)])) == []


# --- 10028 UserControlledOpenRedirectScanRuleUnitTest ---------------------------------------------------------------
@pytest.mark.parametrize("url,status,location,param", [
    ("http://example.com/i.php?place=evil.com", 200, "http://evil.com", None),
    ("http://example.com/i.php?place=evil.com", 301, None, None),
    ("http://example.com/i.php?place=evil.com", 301, "", None),
    ("http://example.com/i.php", 301, "http://evil.com", None),
    ("http://example.com/i.php?place=", 301, "http://evil.com", None),
    ("http://example.com/i.php?place=foo", 301, "http://evil.com", None),
    ("http://example.com/i.php?place=evil.com", 301, "http://evil.com", "place"),
    ("http://example.com/i.php?place=evil.com", 302, "http://evil.com", "place"),
    ("http://example.com/i.php?place=example.com", 301, "http://example.com", None),
    ("http://example.com/i.php?place=http", 301, "http://evil.com/xyz", None),
    ("http://example.com/i.php?place=/images", 301, "/images", None),
])
def test_10028_off_site_redirect(url, status, location, param):
    headers = [] if location is None else [("Location", location)]
    alerts = run(OffSiteRedirect(), message("", url=url, status=status, headers=headers))
    assert [a.param for a in alerts] == ([] if param is None else [param])
    if param:
        assert (alerts[0].risk, alerts[0].confidence, alerts[0].cwe_id, alerts[0].wasc_id) == (RISK_HIGH, CONF_MEDIUM, 601, 38)


def test_10028_post_to_a_same_origin_location():  # shouldNotRaiseAlertIfLocationHeaderIsBasedOnGetParamButValueIsSameAsOriginDuringPost
    ex = message("", url="http://evil.com/i.php?place=evil.com", method="POST", status=302, headers=[("Location", "http://evil.com")])
    assert run(OffSiteRedirect(), ex) == []


# --- 10029 UserControlledCookieScanRuleUnitTest --------------------------------------------------------------------
def test_10029_cookie_poisoning():
    ex = message("", url="http://example.com/i.php?place=evil", headers=[("Set-Cookie", "aCookie=evil; Path=/")])
    [alert] = run(CookiePoisoning(), ex)
    assert (alert.param, alert.risk, alert.cwe_id) == ("place", RISK_INFO, 565)
    assert alert.other.startswith("An attacker may be able to poison cookie values through URL parameters.")
    assert run(CookiePoisoning(), message("", url="http://example.com/i.php?place=x", headers=[("Set-Cookie", "aCookie=x")])) == []
    assert run(CookiePoisoning(), message("", url="http://example.com/i.php?place=evil")) == []


# --- 10030 UserControlledCharsetScanRuleUnitTest ------------------------------------------------------------------
def test_10030_user_controlled_charsets():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-7"></head></html>'
    [meta] = run(UserControlledCharset(), message(html, "text/html", url="http://example.com/?enc=utf-7"))
    assert meta.param == "enc" and "[META] tag [Content-Type]" in meta.other
    header = run(UserControlledCharset(), message("<html></html>", "text/html; charset=utf-7", url="http://example.com/?enc=UTF-7"))
    assert ["Content-Type HTTP header" in a.other for a in header] == [True]
    xml = run(UserControlledCharset(), message('<?xml version="1.0" encoding="utf-16"?><a/>', "application/xml",
                                                url="http://example.com/?enc=utf-16"))
    assert ["[\\?xml] tag [encoding]" in a.other for a in xml] == [True]
    assert run(UserControlledCharset(), message(html, "text/html", url="http://example.com/?enc=utf-8")) == []


# --- 10043 UserControlledJavascriptEventScanRuleUnitTest -------------------------------------------------------------
def test_10043_event_attribute():
    body = '<html><body><button onclick="doThing(evil)">x</button><div onclick="go:evil;">y</div></body></html>'
    alerts = run(UserControlledJavascriptEvent(), message(body, url="http://example.com/?place=evil"))
    assert [a.param for a in alerts] == ["place"]  # only the split parts count: "go", "evil"
    assert "[onclick] event:\ngo:evil;" in alerts[0].other
    assert run(UserControlledJavascriptEvent(), message(body, url="http://example.com/?place=evil", status=302)) == []


# --- 10097 HashDisclosureScanRuleUnitTest (at the LOW threshold, as ZAP's tests run) ------------------------------------
@pytest.mark.parametrize("body,headers,evidence", [
    ("DD6433D07B73FC14A2A4D03C5A8FAA90", [], "DD6433D07B73FC14A2A4D03C5A8FAA90"),
    ("cc03e747a6afbbcbf8be7668acfebee5", [], "cc03e747a6afbbcbf8be7668acfebee5"),
    ("", [("Set-Cookie", "userid=cc03e747a6afbbcbf8be7668acfebee5")], "cc03e747a6afbbcbf8be7668acfebee5"),
])
def test_10097_md5_at_low(body, headers, evidence):
    [alert] = run(low(HashDisclosure, "10097"), message('{"hash": "' + body + '"}', headers=headers))
    assert (alert.name, alert.evidence, alert.alert_ref) == ("Hash Disclosure - MD4 / MD5", evidence, "10097-16")


def test_10097_no_false_hashes():
    rule = low(HashDisclosure, "10097")
    assert run(rule, message('{"hash": "mm6433d07b73fc14a2a4d03c5a8faa90"}')) == []
    assert run(rule, message("", headers=[("Set-Cookie", "jsessionid=dd6433d07b73fc14a2a4d03c5a8faa90")])) == []
    assert run(rule, message("DD6433D07B73FC14A2A4D03C5A8FAA90", "image/jpeg")) == []


def test_10097_javascript_only_at_low():
    body = '{"hash": "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFEE37"}'
    [alert] = run(low(HashDisclosure, "10097"), message(body, "text/javascript"))
    assert alert.risk == RISK_LOW and alert.evidence == "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFEE37"
    assert run(HashDisclosure(), message(body, "text/javascript")) == []
    crypt = "$1$O3JMY.Tw$AdLnLjQ/5jXF9.MTp3gHv/"
    [high] = run(HashDisclosure(), message(f"<p>{crypt}</p>"))
    assert (high.name, high.risk, high.confidence) == ("Hash Disclosure - MD5 Crypt", RISK_HIGH, CONF_HIGH)


# --- 90011 CharsetMismatchScanRuleUnitTest ---------------------------------------------------------------------------
def test_90011_charset_mismatches():
    both = '<html><head><meta charset="ISO-8859-1"><meta http-equiv="Content-Type" content="text/html; charset=UTF-16"></head></html>'
    alerts = run(CharsetMismatch(), message(both, "text/html; charset=UTF-8"))
    assert [a.alert_ref for a in alerts] == ["90011-1", "90011-2"]
    assert alerts[0].other == ("There was a charset mismatch between the HTTP Header and the META content-type encoding declarations: "
                               "[UTF-8] and [UTF-16] do not match.")
    assert [a.alert_ref for a in run(low(CharsetMismatch, "90011"), message(both, "text/html; charset=UTF-8"))] == [
        "90011-3", "90011-1", "90011-2"]
    [xml] = run(CharsetMismatch(), message('<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "application/xml; charset=UTF-8"))
    assert xml.alert_ref == "90011-4" and xml.name == "Charset Mismatch"
    assert run(CharsetMismatch(), message('<meta charset="utf-8">', "text/html; charset=UTF-8")) == []
    assert run(CharsetMismatch(), message('<meta charset="utf-16">', "text/html")) == []


# --- 10057 UsernameIdorScanRuleUnitTest ------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["MD2", "MD5", "SHA1", "SHA256", "SHA384", "SHA512"])
def test_10057_hash_of_admin(label):
    digest = dict(username_digests("admin"))[label]
    [alert] = run(UsernameHashFound(), message(f"<p>{digest}</p>"))
    assert (alert.evidence, alert.other, alert.risk, alert.confidence) == (
        digest, f"The hash was an {label}, with value: {digest}", RISK_INFO, CONF_HIGH)
    assert digest == (hashlib.md5(b"admin").hexdigest() if label == "MD5" else digest)


def test_10057_no_username_hash():
    assert run(UsernameHashFound(), message("<p>" + hashlib.md5(b"guest").hexdigest() + "</p>")) == []


# --- 10026 ServletParameterPollutionScanRuleUnitTest / 10116 ZapVersionScanRule --------------------------------------
def test_10026_only_at_low_threshold():
    body = '<html><body><form method="post"><input name="a"></form></body></html>'
    assert run(HttpParameterOverride(), message(body)) == []
    [alert] = run(low(HttpParameterOverride, "10026"), message(body))
    assert (alert.evidence, alert.risk, alert.confidence) == ('<form method="post">', RISK_MEDIUM, CONF_LOW)
    assert run(low(HttpParameterOverride, "10026"), message('<html><form action="/x"></form></html>')) == []


def test_10116_the_embedded_engine_is_not_an_out_of_date_zap():
    assert run(ZapOutOfDate(), message("<html></html>")) == []

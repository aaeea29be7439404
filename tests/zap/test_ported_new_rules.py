"""ZAP's unit tests for the passive rules added to the embedded engine, ported: the same message in,
the same alerts out (zap-extensions pscanrules v76 / pscanrulesBeta v51, ``*ScanRuleUnitTest.java``;
each test names the ZAP test it follows). Cases ZAP checks with mocks of its site tree or
add-on internals (example alerts, alert tags) have no counterpart here."""

from __future__ import annotations

import pytest

from pipeline.zap.model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_INFO, RISK_LOW, RISK_MEDIUM
from pipeline.zap.passive.cacheable import LIBERAL_LIFETIME, ContentCacheability
from pipeline.zap.passive.js_functions import DangerousJsFunctions
from pipeline.zap.passive.settings import RuleSettings
from pipeline.zap.passive.sri import SubResourceIntegrityMissing
from pipeline.zap.passive.user_controlled_attributes import UserControlledHtmlAttributes

from .messages import message, run

# Rules whose ZAP tests live in this module (test_passive_rules.py checks every rule has tests).
COVERED = {"10049", "90003", "10110", "10031"}
NOW_HTTP_DATE = "Wed, 02 Oct 2019 06:00:00 GMT"


# --- 10049 CacheableScanRuleUnitTest (pscanrulesBeta) ---------------------------------------------------------
def cache(status: int, headers: list[tuple[str, str]], request_headers=None, method="GET"):
    ex = message("", None, url="https://example.com/fred/", status=status, headers=headers, method=method,
                 request_headers=request_headers)
    return run(ContentCacheability(), ex)


def assert_store_and_cacheable(alerts, evidence: str):
    [alert] = alerts
    assert (alert.name, alert.alert_ref, alert.evidence) == ("Storable and Cacheable Content", "10049-3", evidence)
    assert (alert.risk, alert.confidence, alert.cwe_id, alert.wasc_id) == (RISK_INFO, CONF_MEDIUM, 524, 13)


def test_10049_expires_zero_does_not_break_the_rule():  # shouldNotCauseExceptionWhenExpiresHeaderHasZeroValue
    alerts = cache(200, [("Cache-Control", "must-revalidate,private"), ("Pragma", "must-revalidate,no-cache"),
                         ("Content-Type", "text/xml;charset=UTF-8"), ("Expires", "0"), ("Date", NOW_HTTP_DATE)])
    assert len(alerts) == 1


@pytest.mark.parametrize("value", ["s-maxage=600,max-age=0", "s-maxage=600, max-age=0", "s-maxage=600 ,max-age=0",
                                   "s-maxage=600 , max-age=0", "s-maxage=600", "s-maxage=600,", "max-age=0,s-maxage=600"])
def test_10049_s_maxage_formats(value):  # shouldHandleVariousSMaxAgeFormats
    alerts = cache(200, [("Cache-Control", value), ("Pragma", "must-revalidate,no-cache"), ("Expires", "0"),
                         ("Date", NOW_HTTP_DATE)])
    assert len(alerts) == 1


def test_10049_non_default_status_with_expiry():  # ...WhenStatusNonCacheableByDefaultAndExpiryDateGiven
    assert_store_and_cacheable(cache(207, [("Cache-Control", "must-revalidate"), ("Expires", "Wed, 02 Oct 2019 07:00:00 GMT"),
                                           ("Date", NOW_HTTP_DATE)]), "Wed, 02 Oct 2019 07:00:00 GMT")


@pytest.mark.parametrize("value,evidence", [("public", ""), ("max-age=100", "max-age=100"), ("s-maxage=100", "s-maxage=100")])
def test_10049_non_default_status_with_directive(value, evidence):  # ...NonCacheableByDefaultAnd{CacheIsPublic,MaxAge,S_MaxAge}Given
    assert_store_and_cacheable(cache(207, [("Cache-Control", value)]), evidence)


@pytest.mark.parametrize("status", [200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501])
def test_10049_status_cacheable_by_default(status):  # shouldRaiseAlertStoreAndCacheableWhenStatusCacheableByDefault
    assert_store_and_cacheable(cache(status, [("Cache-Control", "must-revalidate")]), "")


@pytest.mark.parametrize("value,evidence", [("must-revalidate", ""), ("public", ""), ("s-maxage=100", "s-maxage=100")])
def test_10049_authorization_with_compensating_directive(value, evidence):  # ...WhenAuthorizationNeededAnd...
    assert_store_and_cacheable(cache(200, [("Cache-Control", value)], request_headers=[("Authorization", "basic")]), evidence)


def test_10049_fresh_with_s_maxage():  # shouldRaiseAlertStoreAndCacheableWhenCacheIsFreshAndS_MaxAgeDirectiveIsSet
    assert_store_and_cacheable(cache(200, [("Cache-Control", "s-maxage=100, public")]), "s-maxage=100")


@pytest.mark.parametrize("value", ["max-age=100,public", "max-age=100,", "public,max-age=100,", "max-age=100 ,public",
                                   "max-age=100 , public", "max-age=100, public"])
def test_10049_fresh_with_max_age(value):  # shouldRaiseAlertStoreAndCacheableWhenCacheIsFreshAndMaxAgeDirectiveIsSet
    assert_store_and_cacheable(cache(200, [("Cache-Control", value)]), "max-age=100")


def test_10049_fresh_by_expiry():  # shouldRaiseAlertStoreAndCacheableWhenCacheIsFreshAndExpirySpecified
    assert_store_and_cacheable(cache(200, [("Cache-Control", "public"), ("Expires", "Wed, 02 Oct 2019 08:00:00 GMT"),
                                           ("Date", "Wed, 02 Oct 2019 07:00:00 GMT")]), "Wed, 02 Oct 2019 08:00:00 GMT")


def test_10049_no_lifetime_uses_the_one_year_heuristic():  # ...CacheIsFreshWhenNoLifetimeSpecified
    alerts = cache(200, [("Cache-Control", "public")])
    assert_store_and_cacheable(alerts, "")
    assert alerts[0].other == LIBERAL_LIFETIME


def test_10049_stale_retrieve_allowed():  # shouldRaiseAlertStoreAndCacheableWhenStaleRetrieveAllowed
    assert_store_and_cacheable(cache(200, [("Cache-Control", "public"), ("Expires", "Wed, 02 Oct 2019 06:00:00 GMT"),
                                           ("Date", "Wed, 02 Oct 2019 07:00:00 GMT")]), "")


@pytest.mark.parametrize("method,status,headers,request_headers,ref,evidence", [
    ("PUT", 200, [], [], "10049-1", "PUT "),
    ("GET", 200, [("Cache-Control", "no-store")], [], "10049-1", "no-store"),
    ("GET", 200, [], [("Pragma", "no-store")], "10049-1", "no-store"),
    ("GET", 200, [("Cache-Control", "private, max-age=60")], [], "10049-1", "private"),
    ("GET", 200, [], [("Authorization", "Bearer x")], "10049-1", "Authorization:"),
    ("GET", 302, [], [], "10049-1", "302"),
    ("GET", 200, [("Cache-Control", "no-cache")], [], "10049-2", "no-cache"),
    ("GET", 200, [("Cache-Control", "max-age=0, must-revalidate")], [], "10049-2", "max-age=0"),
])
def test_10049_non_storable_and_non_cacheable(method, status, headers, request_headers, ref, evidence):
    [alert] = cache(status, headers, request_headers=request_headers, method=method)
    assert (alert.alert_ref, alert.evidence) == (ref, evidence)
    assert alert.name == {"10049-1": "Non-Storable Content", "10049-2": "Storable but Non-Cacheable Content"}[ref]


# --- 90003 SubResourceIntegrityAttributeScanRuleUnitTest -----------------------------------------------------
def sri(body: str, settings: RuleSettings | None = None):
    rule = SubResourceIntegrityMissing(settings) if settings else SubResourceIntegrityMissing()
    return run(rule, message(body, url="https://example.com/"))


@pytest.mark.parametrize("body", [
    '<html><head><link href="https://site53.example.net/style.css"\nintegrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"\ncrossorigin="anonymous"></head><body></body></html>',
    '<html><head><script src="https://analytics-r-us.example.com/v1.0/include.js"\nintegrity="sha384-MBO5IDfYaE6c6Aao94oZrIOiC6CGiSN2n4QUbHNPhzk5Xhm0djZLQqTpL0HzTUxk"\ncrossorigin="anonymous"></script></head><body></body></html>',
    '<html><head><script src="https://example.com/v1.0/include.js"></script><link href="http://example.com/v1.0/style.css"></script></head></html>',
    '<html><head>\n    <link href="/dashboard/stylesheets/normalize.css" rel="stylesheet" type="text/css" />\n    <script src="/dashboard/javascripts/modernizr.js"></script></head></html>',
    '<html><head><script>(function(d, s, id) { var js = d.createElement(s); }(document, "script", "x"));</script></head></html>',
    '<html><head><script src="data:,"></script><link href="data:,"></head></html>',
])
def test_90003_nothing_to_report(body):  # ...IntegrityAttributeIsPresent..., ...ServedByCurrentDomain, ...Relatively, ...Inline, ...HtmlAssetIsInline
    assert sri(body) == []


def test_90003_script_without_integrity():  # shouldIndicateElementWithoutIntegrityAttribute
    element = '<script src="https://some.cdn.com/v1.0/include.js"></script>'
    [alert] = sri(f"<html><head>{element}</head><body></body></html>")
    assert (alert.plugin_id, alert.evidence, alert.other) == ("90003", element, "")
    assert (alert.name, alert.risk, alert.confidence, alert.cwe_id, alert.wasc_id) == (
        "Sub Resource Integrity Attribute Missing", RISK_MEDIUM, CONF_HIGH, 345, 15)


@pytest.mark.parametrize("body", [
    '<html><head><link href="https://site53.example.net/style.css"></head><body></body></html>',
    '<html><head><script src="https://subdomain.example.com/v1.0/include.js"></script></head></html>',
    '<html><head><script src="https://in(){}\\#~&/v1.0/include.js"></script></head></html>',
])
def test_90003_external_resources(body):  # ...MissingIntegrityAttributeInLinkElement, ...ServedBySubDomain, shouldIgnoreInvalidFormattedHostname
    assert len(sri(body)) == 1


@pytest.mark.parametrize("rel,count", [("stylesheet", 1), ("STYLESHEET", 1), ("STYLEsheet", 1), ("alternate stylesheet", 1),
                                       ("preload", 1), ("modulepreload", 1), ("dns-prefetch", 0), ("DNS-PREFETCH", 0),
                                       ("DNS-prefetch", 0), ("canonical", 0)])
def test_90003_link_rel(rel, count):  # ...InLinkElementWithRelevantRel / ...WithIrrelevantRel
    assert len(sri(f'<html><head><link rel="{rel}" href="https://site53.example.net/style.css"></head></html>')) == count


@pytest.mark.parametrize("trusted,count", [("some.cdn.example.com", 0), ("https://some.cdn.example.com", 1)])
def test_90003_trusted_domains_are_host_patterns(trusted, count):  # ...ServedByTrustedDomains / ...WhenPatternMismatches
    body = '<html><head><script src="https://some.cdn.example.com/v1.0/include.js"></script></head><body></body></html>'
    assert len(sri(body, RuleSettings(trusted_domains=(trusted,)))) == count


# --- 10110 JsFunctionScanRuleUnitTest (pscanrulesBeta) ----------------------------------------------------------
def js(body: str, content_type: str):
    return run(DangerousJsFunctions(), message(body, content_type))


@pytest.mark.parametrize("call", ["$eval ()", "eval\t()", "eval\n()", "eval\r\n()"])
def test_10110_function_in_javascript_response(call):  # shouldAlertGivenFunctionInJavaScriptResponse
    [alert] = js(f"Some text <script>{call}</script>\nLine 2\n", "text/javascript;charset=ISO-8859-1")
    assert alert.evidence.startswith("eval")
    assert (alert.name, alert.risk, alert.confidence, alert.cwe_id) == ("Dangerous JS Functions", RISK_LOW, CONF_LOW, 749)


def test_10110_function_in_html_script():  # shouldAlertGivenFunctionInHtmlScriptElements
    body = "<h1>Some text <script>Some Html Element bypassSecurityTrustHtml()</script></h1>\n<b>No script here</b>\n"
    [alert] = js(body, "text/html;charset=ISO-8859-1")
    assert alert.evidence.startswith("bypassSecurityTrustHtml")


@pytest.mark.parametrize("body,content_type", [
    ("Some text <script>innocentFunction()</script>\nLine 2\n", "text/javascript;charset=ISO-8859-1"),  # shouldNotAlertGivenNoMatch
    ("", "text/html;charset=ISO-8859-1"),  # shouldNotAlertGivenEmptyBody
    ("<h1>Some text <script>Something innocent happening here</script></h1>\n<b>You should not use bypassSecurityTrustHtml()</b>\n",
     "text/html;charset=ISO-8859-1"),  # shouldNotAlertGivenMatchOutsideScript
    ("Some text <script>globalEval()</script>\n", "text/javascript"),  # shouldNotAlertOnMatchingSubString
    ("Some text <script>parentPromiseValue()</script>\n", "text/javascript"),
    ("Some text <script>var V=hungarian:['A[href*=\"eval.example.org\"]','A[href*=\"ad.example.com \"]'</script>\n", "text/javascript"),
    ('Some text <script>function T(){var n=window,e=navigator;return y(["ApplePayError"in n,"CSSPrimitiveValue"in</script>\n',
     "text/javascript"),
])
def test_10110_no_alert(body, content_type):
    assert js(body, content_type) == []


@pytest.mark.parametrize("body,content_type,evidence", [
    ("<h1>Some text <script>Something innocent happening here</script></h1>\n<p><b>Just some words going on</b>\n"
     "<script>$eval()</script></p>\n", "text/html;charset=ISO-8859-1", "eval"),  # shouldAlertGivenMatchInSecondScript
    ("<h1>Some text <script>eval()</script></h1>\n<p><b>Just some words going on</b>\n<script>bypassSecurityTrustHtml()</script></p>\n",
     "text/html;charset=ISO-8859-1", "eval"),  # shouldAlertOnceGivenMultipleMatchesHTML
    ("Some text <script>eval()</script>\nbypassSecurityTrustHtml()\n", "text/javascript;charset=ISO-8859-1",
     "bypassSecurityTrustHtml"),  # shouldAlertOnceGivenMultipleMatchesJS
])
def test_10110_one_alert_per_response(body, content_type, evidence):
    [alert] = js(body, content_type)
    assert alert.evidence.startswith(evidence)


# --- 10031 UserControlledHTMLAttributesScanRuleUnitTest ------------------------------------------------------
def attributes(query: str, body: str, status: int = 200, content_type: str | None = "text/html"):
    return run(UserControlledHtmlAttributes(), message(body, content_type, url="http://example.com/i.php" + query, status=status))


@pytest.mark.parametrize("query,body,status,content_type", [
    ("?place=here", '<html><img alt="here"></html>', 406, "text/html"),  # shouldNotRaiseAlertIfResponseIsNotStatusOk
    ("?place=here", '<html><img alt="here"></html>', 200, "application/json"),  # shouldNotRaiseAlertIfResponseIsNotHtml
    ("?place=here", '<html><img alt="here"></html>', 200, None),  # shouldNotRaiseAlertIfResponseHasNoContentType
    ("", '<html><img alt="here"></html>', 200, "text/html"),  # shouldNotRaiseAlertIfRequestHasNoGetParams
    ("?place=&name=", '<html><img alt="here"></html>', 200, "text/html"),  # shouldNotRaiseAlertIfRequestParamsHaveNoValues
    ("?place=here&name=fred", "<html><H1>Title</H1></html>", 200, "text/html"),  # ...ResponseContainsNoAttributes
    ("?place=here&name=fred", '<html><img src="x.jpg" alt="Some image (x)")></img></html>', 200, "text/html"),
    ("?place=here&name=fred", '<html><meta name="description" content="UnitTest Content"></html>', 200, "text/html"),
    ("?place=here&name=fred", '<html><meta http-equiv="refresh" content="0; url=http://example.com/"></html>', 200, "text/html"),
])
def test_10031_no_alert(query, body, status, content_type):
    assert attributes(query, body, status, content_type) == []


def test_10031_meta_content():  # shouldRaiseAlertIfRequestParamValuesUsedInMetaAttribute
    [alert] = attributes("?place=here&name=fred", '<html><meta name="description" content="fred"></html>')
    assert (alert.param, alert.risk, alert.confidence, alert.cwe_id, alert.wasc_id, alert.evidence) == (
        "name", RISK_INFO, CONF_LOW, 20, 20, "")
    assert alert.other.endswith("appears to include user input in:\na(n) [meta] tag [content] attribute\n\n"
                                "The user input found was:\nname=fred\n\nThe user-controlled value was:\nfred")


def test_10031_meta_refresh():  # shouldRaiseAlertIfRequestParamValuesUsedInMetaRefresh
    [alert] = attributes("?place=http://example.com/", '<html><meta http-equiv="refresh" content="0; url=http://example.com/"></html>')
    assert alert.param == "place"


def test_10031_several_attributes():  # shouldRaiseMultipleAlertsIfRequestParamValuesUsedInAttributes
    alerts = attributes("?place=http://example.com/&name=fred",
                        '<html><meta http-equiv="refresh" content="0; url=http://example.com/"><img src="x.jpg" alt=fred></img></html>')
    assert [a.param for a in alerts] == ["place", "name"]


def test_10031_value_starting_with_the_parameter():  # shouldRaiseAlertIfRequestParamsValuesUsedInAttributes
    [alert] = attributes("?place=here&name=fred", '<html><img src="x.jpg" alt="fred, here")></img></html>')
    assert alert.param == "name"


def test_10031_form_parameters_count_too():
    ex = message('<html><input name="q" value="kittens"></html>', url="http://example.com/search", method="POST",
                 request_headers=[("Content-Type", "application/x-www-form-urlencoded")], request_body=b"q=kittens")
    [alert] = run(UserControlledHtmlAttributes(), ex)
    assert alert.param == "q"

"""ZAP's own unit tests for the passive rules the embedded engine already had, ported: the same
message in, the same alerts out (zap-extensions pscanrules v76, ``src/test/java/.../*UnitTest.java``;
each test names the ZAP test it follows). Only the cases where the engine used to disagree with ZAP,
and their neighbours, are here; the broad per-rule cases live in test_passive_rules.py."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timezone

import pytest

from pipeline.zap import passive
from pipeline.zap.model import CONF_HIGH, CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_LOW, RISK_MEDIUM
from pipeline.zap.passive.app_errors import ApplicationErrorDisclosure
from pipeline.zap.passive.cache_control import CacheControl
from pipeline.zap.passive.clickjacking import AntiClickjacking
from pipeline.zap.passive.content_type import ContentTypeMissing
from pipeline.zap.passive.content_type_options import XContentTypeOptions
from pipeline.zap.passive.cookies import CookieNoHttpOnly, CookieSameSite, LooselyScopedCookie
from pipeline.zap.passive.cors import CrossDomainMisconfiguration
from pipeline.zap.passive.csp import ContentSecurityPolicy
from pipeline.zap.passive.csp_missing import CspMissing
from pipeline.zap.passive.csrf import AbsenceOfAntiCsrfTokens
from pipeline.zap.passive.hsts import StrictTransportSecurity
from pipeline.zap.passive.script_inclusion import CrossDomainScriptInclusion
from pipeline.zap.passive.server_banners import ServerVersionLeak
from pipeline.zap.passive.settings import RuleSettings
from pipeline.zap.passive.suspicious_comments import SuspiciousComments
from pipeline.zap.passive.timestamps import TimestampDisclosure
from pipeline.zap.passive.weak_auth import WeakAuthentication

from .messages import message, run


# --- 10202 CsrfCountermeasuresScanRuleUnitTest ------------------------------------------------------
def form(inputs: str, attrs: str = 'id="no_csrf_token" method="POST"') -> str:
    return f"<html><head></head><body><form {attrs}>{inputs}<input type=\"submit\"/></form></body></html>"


@pytest.mark.parametrize("token", ["csrf-token", "X-CSRF-Token", "my_csrf_field", "CSRFTOKEN", "authenticity_token"])
def test_10202_token_names_match_partially_and_ignoring_case(token):
    # ZAP's default ExtensionAntiCSRF matches names partially and case-insensitively.
    assert run(AbsenceOfAntiCsrfTokens(), message(form(f'<input type="hidden" name="{token}" value="x"/>'))) == []


def test_10202_exact_matching_when_partial_matching_is_off():
    rule = AbsenceOfAntiCsrfTokens(RuleSettings(csrf_partial_matching=False))
    assert len(run(rule, message(form('<input type="hidden" name="my_csrf_field"/>')))) == 1
    assert run(rule, message(form('<input type="hidden" name="CSRF_TOKEN"/>'))) == []


def test_10202_raises_for_a_form_without_token():  # shouldRaiseAlertIfThereIsNoCSRFTokenFound
    [alert] = run(AbsenceOfAntiCsrfTokens(), message(form('<input type="text"/>')))
    assert (alert.evidence, alert.wasc_id, alert.risk, alert.confidence) == (
        '<form id="no_csrf_token" method="POST">', 9, RISK_MEDIUM, CONF_LOW)


def test_10202_form_without_parent_is_not_reported():  # shouldNotRaiseAlertIfFormHasNoParent
    body = '<form id="no_csrf_token" method="POST"><input type="text"/><input type="submit"/></form>'
    assert run(AbsenceOfAntiCsrfTokens(), message(body)) == []


def test_10202_sorted_unique_field_names_in_other_info():  # ...WithSortedUniqueFormFieldsInOtherInfo...
    inputs = "".join(f'<input type="text" id="{n}"/>' for n in ("Id", "username", "Key", "group", "group", "group"))
    [alert] = run(AbsenceOfAntiCsrfTokens(), message(form(inputs)))
    assert '"group" "Id" "Key" "username"' in alert.other


def test_10202_only_post_forms_at_medium_and_form_index_in_other_info():
    # shouldRaiseOneAlertForOneFormWhenOtherFormHasAKnownCSRFTokenAndFormsAreSkippedDueToNonPostMethod
    settings = RuleSettings(csrf_tokens=("token", "csrfToken", "csrf-token"))
    body = ("<html><head></head><body>"
            '<form id="first_form"><input type="text" name="name"/></form>'
            '<form id="second_form" method="POST"><input type="text" name="name"/></form>'
            '<form id="third_form" method="GET"><input type="text" name="name"/></form>'
            '<form id="fourth_form" method="POST"><input type="text" name="csrfToken"/></form></body></html>')
    [alert] = run(AbsenceOfAntiCsrfTokens(settings), message(body))
    assert alert.evidence == '<form id="second_form" method="POST">'
    assert alert.other == ("No known Anti-CSRF token [token, csrfToken, csrf-token] was found in the following "
                           'HTML form: [Form 2: "name" ].')
    low = AbsenceOfAntiCsrfTokens(RuleSettings(csrf_tokens=settings.csrf_tokens, thresholds={"10202": "LOW"}))
    assert len(run(low, message(body))) == 3


@pytest.mark.parametrize("attrs", ['id="ignoredName" method="POST"', 'name="otherName" method="POST"'])
def test_10202_forms_on_the_ignore_list_are_skipped(attrs):  # shouldNotRaiseAlertWhenForm{Id,Name}IsOnCsrfIgnoreList
    rule = AbsenceOfAntiCsrfTokens(RuleSettings(csrf_ignore_list=("ignoredName", "otherName")))
    assert run(rule, message(form('<input type="text" name="name"/>', attrs))) == []


# --- 10055 ContentSecurityPolicyScanRuleUnitTest -------------------------------------------------------
REASONABLE = "default-src 'self'; frame-ancestors 'none'; form-action 'none'"


def csp(policy: str):
    return run(ContentSecurityPolicy(), message("<html></html>", headers=[("Content-Security-Policy", policy)]))


def test_10055_unquoted_none_is_a_warning_notice():  # shouldAlertWithCspWarningNoticesWhenApplicable
    alerts = csp("default-src none; report-to csp-endpoint ")
    assert len(alerts) == 2
    notices = alerts[0]
    assert (notices.name, notices.alert_ref, notices.risk, notices.confidence) == ("CSP: Notices", "10055-3", RISK_LOW, CONF_HIGH)
    assert notices.other == ("Warnings:\nThis host name is unusual, and likely meant to be a keyword that is missing "
                             "the required quotes: 'none'.\n")
    assert notices.evidence == "default-src none; report-to csp-endpoint"  # the header value, trimmed


def test_10055_syntax_errors_are_errors():  # shouldAlertWhenCspContainsSyntaxIssues
    alerts = csp("default-src: 'none'; report_uri /__cspreport__")
    assert len(alerts) == 5
    assert alerts[0].name == "CSP: Notices" and alerts[0].risk == RISK_LOW
    assert alerts[0].other == ('Errors:\nDirective name default-src: contains characters outside the range ALPHA / DIGIT / "-"\n'
                               'Directive name report_uri contains characters outside the range ALPHA / DIGIT / "-"\n')
    assert (alerts[1].name, alerts[1].alert_ref) == ("CSP: Failure to Define Directive with No Fallback", "10055-13")
    assert alerts[1].other == "The directive(s): frame-ancestors, form-action is/are among the directives that do not fallback to default-src."


def test_10055_prefetch_src_is_deprecated():  # shouldAlertOnReasonableCspWhichIncludesPrefetchsrc
    [alert] = csp(REASONABLE + "; prefetch-src *")
    assert alert.other == "Warnings:\nThe prefetch-src directive has been deprecated\n"


@pytest.mark.parametrize("addition,expected", [
    ("; trusted-types", "Empty trusted-types directive allows all policy names"),
    ("; require-trusted-types-for", "The require-trusted-types-for directive requires a value"),
    ("; trusted-types *", "Wildcard policy names (*) permit any policy name"),
    ("; trusted-types * 'allow-duplicates'", "Wildcard policy names (*) permit any policy name"),
])
def test_10055_trusted_types_notices(addition, expected):  # shouldAlertWhenTrustedTypesDirectivesMissingValues, ...Wildcard...
    [alert] = csp(REASONABLE + addition)
    assert (alert.name, alert.alert_ref, alert.risk) == ("CSP: Notices", "10055-3", RISK_LOW)
    assert expected in alert.other and alert.evidence == REASONABLE + addition


@pytest.mark.parametrize("addition", ["; require-trusted-types-for 'script'", "; trusted-types 'none'", ""])
def test_10055_reasonable_policies_raise_nothing(addition):  # shouldNotAlertOnReasonableCspWithTrustedTypes
    assert csp(REASONABLE + addition) == []


def test_10055_meta_policy_with_a_comma_is_skipped():  # shouldNotNpeOrAlertOnInvalidMetaCsp
    body = f'<html><head><meta http-equiv="Content-Security-Policy" content="{REASONABLE},"></head></html>'
    assert run(ContentSecurityPolicy(), message(body)) == []


def test_10055_meta_sandbox_is_invalid_but_not_a_notice():  # shouldAlertOnMetaPolicyWithInvalidDirective
    body = f'<html><head><meta http-equiv="Content-Security-Policy" content="{REASONABLE}; sandbox allow-forms"></head></html>'
    [alert] = run(ContentSecurityPolicy(), message(body))
    assert (alert.name, alert.alert_ref) == ("CSP: Meta Policy Invalid Directive", "10055-11")


def test_10055_non_html_only_at_low_threshold():  # shouldNotRaiseAlertOnNonHtmlAtMediumThreshold / ...AtLowThreshold
    png = message("", "image/png", headers=[("Content-Security-Policy", "report-uri /__cspreport__")])
    assert run(ContentSecurityPolicy(), png) == []
    assert len(run(ContentSecurityPolicy(RuleSettings(thresholds={"10055": "LOW"})), png)) == 5


# --- 10027 InformationDisclosureSuspiciousCommentsScanRuleUnitTest ---------------------------------------
def comments(body: str, content_type: str = "text/html", url: str = "http://example.com/"):
    return run(SuspiciousComments(), message(body, content_type, url=url))


def test_10027_regex_literal_with_slashes_is_not_a_comment():
    assert comments("var r = /[//]TODO/g; x = 1;", "application/javascript") == []
    [alert] = comments("var r = a / b; // TODO fix\n", "application/javascript")
    assert alert.evidence == "// TODO fix"


@pytest.mark.parametrize("body", [
    "function f() {\n  var bar = 'Some text // ADMINISTRATOR fake comment';\n}\n",  # ...InJavascriptSingleLineComment
    "function f() {\n  var bar = 'Some text /* ADMINISTRATOR fake comment */';\n}\n",  # ...InJavascriptBlockComment
    'myArray = ["success","FIXME"]\nLine 2\n',  # shouldNotAlertOnSuspiciousValuesInJavaScriptResponse
    "var t = `a ${'// TODO'} b`;",
])
def test_10027_strings_in_javascript_are_not_comments(body):
    assert comments(body, "application/javascript") == []


@pytest.mark.parametrize("comment", ["/* FIXME: admin:admin01$ */", "/*FIXME: admin:admin01$*/", "// FIXME: admin:admin01$"])
def test_10027_comment_in_javascript_response(comment):  # shouldAlertOnSuspiciousCommentInJavaScriptResponseWithComment
    [alert] = comments(f'myArray = ["success","FIXME"]\n{comment}\nLine 3\n', "text/javascript;charset=ISO-8859-1")
    assert alert.confidence == CONF_MEDIUM and "FIXME" in alert.evidence
    assert alert.other == (f'The following pattern was used: \\bFIXME\\b and was detected in likely comment: "{comment}", '
                           "see evidence field for the suspicious comment/snippet.")


def test_10027_html_comment_after_self_closing_script_is_scanned():
    [alert] = comments('<html><body><script src="/a.js"/><!-- TODO remove the debug route --></body></html>')
    assert "TODO" in alert.evidence


def test_10027_comments_in_xml_and_plain_text_are_scanned():
    assert len(comments('<?xml version="1.0"?><feed><!-- FIXME: feed token --></feed>', "application/xml")) == 1
    assert len(comments("hello <!-- TODO: drop --> world", "text/plain")) == 1


def test_10027_repeated_html_comment_counts():  # shouldCreateOneAlertforMultipleAndEqualSuspiciousCommentsHtml
    comment = "<!-- FIXME: foo bar -->"
    [alert] = comments(f"Some text {comment}\n{comment} <H1>Heading</H1>\n")
    assert alert.other == (f'The following pattern was used: \\bFIXME\\b and was detected 2 times, the first in likely comment: '
                           f'"{comment}", see evidence field for the suspicious comment/snippet.')


@pytest.mark.parametrize("body", [
    "<script>\n<![CDATA[\nvar x = 10;\nif (x > 5) {\n// ... some code ...\n}\n]]>\n</script>\n",
    '<script><!--\nconst x = "Not FixMe which would be a FP.";\n--></script>\n',
    '<script>\n<!-- TODO comment\nconsole.log("a"); <!-- TODO comment\nconsole.log("b");\n--> TODO comment\n<!-- TODO comment -->\n</script>\n',
])
def test_10027_non_js_comments_within_script_blocks(body):  # shouldNotAlertOnSuspiciousCommentInNonJsCommentWithinScriptBlock
    assert comments(body, "text/html;charset=ISO-8859-1") == []


@pytest.mark.parametrize("comment,evidence", [
    ("// FIXME", "// FIXME"),
    ("// FIXME         1         2|", "// FIXME         1         2"),
    ("// |2         1         FIXME", "2         1         FIXME"),
    ("// |2         1         FIXME         1         2|", "2         1         FIXME         1         2"),
])
def test_10027_contextual_evidence(comment, evidence):  # shouldProvideContextualEvidenceAroundMatch
    [alert] = comments(comment, "application/javascript")
    assert alert.evidence == evidence


def test_10027_font_and_binary_responses_are_skipped():  # ...ButReallyFontUrl / ...IsNotText
    body = "Some text <script>Some Script Element FixMe: DO something </script>\nLine 2\n"
    assert comments(body, "text/html", url="http://example.com/shop-icons.woff") == []
    assert comments(body, "application/octet-stream;charset=ISO-8859-1") == []


# --- 90022 ApplicationErrorScanRuleUnitTest + application_errors.xml ------------------------------------
@pytest.mark.parametrize("body,evidence", [
    ("Error: ORA-01756: quoted string not properly terminated", "ORA-01756: "),
    ("<b>Warning</b>:  mysql_fetch() in <b>/var/www/a.php</b> on line <b>12</b><br />",
     "<b>Warning</b>:  mysql_fetch() in <b>/var/www/a.php</b> on line <b>12</b><br />"),
    ("System.Data.OleDb.OleDbException: Syntax error in string in query expression ",
     "System.Data.OleDb.OleDbException: Syntax error in string in query expression "),
    ("<h1>Servlet Error: java</h1>", "<h1>Servlet Error: java</h1>"),
    ("<head><title>JRun Servlet Error</title></head>", "<head><title>JRun Servlet Error</title></head>"),
])
def test_90022_regex_patterns_of_application_errors_xml(body, evidence):
    [alert] = run(ApplicationErrorDisclosure(), message(f"<html><body>{body}</body></html>"))
    assert (alert.evidence, alert.risk, alert.confidence) == (evidence, RISK_MEDIUM, CONF_MEDIUM)


def test_90022_strings_are_tried_before_regexes():
    [alert] = run(ApplicationErrorDisclosure(), message("<p>ORA-00933: x</p><p>Internal Server Error</p>"))
    assert alert.evidence == "Internal Server Error"


def test_90022_thresholds():  # shouldNotRaiseAlertIfResponseCodeIs500AtHighThreshold, ...JavaScriptAtLow...
    high = ApplicationErrorDisclosure(RuleSettings(thresholds={"90022": "HIGH"}))
    assert run(high, message("<p>x</p>", status=500)) == []
    js = message("throw 'Internal Server Error'", "application/javascript")
    assert run(ApplicationErrorDisclosure(), js) == []
    assert len(run(ApplicationErrorDisclosure(RuleSettings(thresholds={"90022": "LOW"})), js)) == 1


# --- 10105 InsecureAuthenticationScanRuleUnitTest -------------------------------------------------------
def auth(value: str, url: str = "http://www.example.com"):
    return run(WeakAuthentication(), message("", None, url=url, method="POST", request_headers=[("Authorization", value)]))


def test_10105_basic_with_password_is_high_user_only_is_medium():
    [high] = auth("Basic " + base64.b64encode(b"user:pass").decode())
    [medium] = auth("Basic " + base64.b64encode(b"user").decode())
    assert (high.risk, high.confidence, high.cwe_id, high.wasc_id) == (RISK_HIGH, CONF_MEDIUM, 287, 1)
    assert (medium.risk, medium.name) == (RISK_MEDIUM, "Authentication Credentials Captured")
    assert "pass" not in high.other + high.evidence  # never echoed, unlike ZAP's other info


def test_10105_digest_needs_a_username():  # shouldRaiseAlertIfDigestAuthenticationWithNoSsl
    [alert] = auth('Digest username="user", realm="members only"')
    assert (alert.risk, alert.cwe_id) == (RISK_MEDIUM, 287)
    assert auth('Digest realm="members only", nonce="abc"') == []


def test_10105_https_is_secure():  # shouldBeSecureIfHttpUsedWithSsl
    assert auth("Basic " + base64.b64encode(b"user:pass").decode(), url="https://www.example.com/test/") == []


# --- 10035 StrictTransportSecurityScanRuleUnitTest -------------------------------------------------------
def test_10035_hsts_meta_in_a_non_html_body():
    body = '<meta http-equiv="Strict-Transport-Security" content="max-age=31536000">'
    [alert] = run(StrictTransportSecurity(), message(body, "text/plain", url="http://example.com/"))
    assert (alert.alert_ref, alert.evidence) == ("10035-6", "Strict-Transport-Security")


# --- 10096 TimestampDisclosureScanRuleUnitTest -------------------------------------------------------------
def years_from_now(years: int, days: int = 0) -> int:
    now = datetime.now(timezone.utc)
    return int(now.replace(year=now.year + years).timestamp()) + days * 86400


def stamps(value: int, threshold: str = "MEDIUM", headers=None):
    rule = TimestampDisclosure(RuleSettings(thresholds={"10096": threshold}))
    return run(rule, message(f"<html>{value}</html>" if headers is None else "", headers=headers))


def test_10096_calendar_ten_year_window():  # shouldRaiseAlertOnTimeStampWhenFarInThePast / ...Future
    assert len(stamps(years_from_now(-10, days=2))) == 1
    assert stamps(years_from_now(-10, days=-2)) == []
    assert len(stamps(years_from_now(-10, days=-2), threshold="LOW")) == 1


def test_10096_high_threshold_within_a_year():  # ...ThreeYearsAgoAtHighThreshold / ...WithinPastYearAtHighThreshold
    assert stamps(years_from_now(-3), threshold="HIGH") == []
    assert len(stamps(int(time.time()) - 86400 * 30, threshold="HIGH")) == 1


def test_10096_param_is_the_lower_case_header_name():  # shouldRaiseAlertWithParamOnTimeStampWhenFarInTheFutureInHeader
    [alert] = stamps(0, headers=[("X-Generated-At", str(int(time.time())))])
    assert alert.param == "x-generated-at"


# --- 10098 CrossDomainMisconfigurationScanRuleUnitTest ------------------------------------------------------
def test_10098_trailing_space_in_header_value_is_trimmed():
    [alert] = run(CrossDomainMisconfiguration(), message("", headers=[("Access-Control-Allow-Origin", "* ")]))
    assert (alert.risk, alert.evidence) == (RISK_MEDIUM, "Access-Control-Allow-Origin: *")


# --- 90033 CookieLooselyScopedScanRuleUnitTest -------------------------------------------------------
def test_90033_other_info_names_each_cookie():  # shouldAlertWithMultipleCookieNames
    ex = message("", url="http://test.example.com/admin/roles",
                 headers=[("Set-Cookie", "a=b;domain=.example.com"), ("Set-Cookie", "c=d;domain=.example.com")])
    [alert] = run(LooselyScopedCookie(), ex)
    assert alert.evidence == "domain=.example.com"
    assert alert.other == "The origin domain used for comparison was:\ntest.example.com\nCookie name: a\nCookie name: c\n"


def test_cookie_ignore_list():  # CookieLooselyScoped/CookieHttpOnly/CookieSameSite ...WhenCookieOnIgnoreList
    settings = RuleSettings(cookie_ignore_list=("a",))
    ex = message("", url="http://test.example.com/", headers=[("Set-Cookie", "a=b;domain=.example.com")])
    for rule in (LooselyScopedCookie(settings), CookieNoHttpOnly(settings), CookieSameSite(settings)):
        assert run(rule, ex) == []
    assert len(run(CookieNoHttpOnly(), ex)) == 1


# --- 10017 CrossDomainScriptInclusionScanRuleUnitTest -------------------------------------------------------
def test_10017_evidence_is_the_whole_element():
    element = '<script type="text/javascript" src="https://www.otherDomain.com/test.js"></script>'
    [alert] = run(CrossDomainScriptInclusion(), message(f"<html><head>{element}</head></html>"))
    assert (alert.param, alert.evidence, alert.risk, alert.confidence) == (
        "https://www.otherDomain.com/test.js", element, RISK_LOW, CONF_MEDIUM)


def test_10017_trusted_domains_are_not_reported():
    settings = RuleSettings(trusted_domains=(r"https://www\.otherDomain\.com/.*",))
    body = '<html><head><script src="https://www.otherDomain.com/test.js"></script></head></html>'
    assert run(CrossDomainScriptInclusion(settings), message(body)) == []



# --- header rules: ZAP 2.13+'s lower-case header names in param, and the threshold cases ------------------------
def test_header_rule_params_are_lower_case():  # AntiClickjacking/XContentTypeOptions/CacheControl/ContentTypeMissing tests
    page = message("<html></html>", "text/html;charset=ISO-8859-1", url="https://www.example.com/test/",
                   headers=[("Cache-Control", "no-cache, must-revalidate")])
    params = {a.plugin_id: a.param for a in passive.scan(page) if a.plugin_id in ("10020", "10021", "10015")}
    assert params == {"10020": "x-frame-options", "10021": "x-content-type-options", "10015": "cache-control"}
    [missing] = run(ContentTypeMissing(), message("some bytes", None))
    assert missing.param == "content-type"


def test_10015_evidence_is_the_lower_cased_header_list():  # shouldAlertOnHttpsMissingNoStoreCacheRequest
    [alert] = run(CacheControl(), message("<html></html>", url="https://www.example.com/test/",
                                         headers=[("Cache-Control", "No-Cache, Must-Revalidate")]))
    assert (alert.evidence, alert.risk, alert.confidence) == ("no-cache, must-revalidate", RISK_INFO, CONF_LOW)


def test_10020_low_threshold_reports_csp_protected_pages_at_low_risk():
    ex = message("<html></html>", headers=[("Content-Security-Policy", "frame-ancestors 'none'")])
    assert run(AntiClickjacking(), ex) == []
    [alert] = run(AntiClickjacking(RuleSettings(thresholds={"10020": "LOW"})), ex)
    assert (alert.alert_ref, alert.risk) == ("10020-1", RISK_LOW) and "takes precedence" in alert.other


def test_10021_errors_and_redirects_only_at_low():
    ex = message("not found", "text/html", status=404)
    assert run(XContentTypeOptions(), ex) == []
    assert len(run(XContentTypeOptions(RuleSettings(thresholds={"10021": "LOW"})), ex)) == 1


def test_10054_same_site_none_is_not_reported_at_high():
    ex = message("", headers=[("Set-Cookie", "test=123; Path=/; SameSite=None; Secure; HttpOnly")])
    assert [a.alert_ref for a in run(CookieSameSite(), ex)] == ["10054-2"]
    assert run(CookieSameSite(RuleSettings(thresholds={"10054": "HIGH"})), ex) == []


def test_10036_application_only_server_header_at_low():
    ex = message("", headers=[("Server", "Apache")])
    assert run(ServerVersionLeak(), ex) == []
    [alert] = run(ServerVersionLeak(RuleSettings(thresholds={"10036": "LOW"})), ex)
    assert (alert.alert_ref, alert.risk, alert.evidence) == ("10036-1", RISK_INFO, "Apache")
    assert alert.name == 'Server Leaks its Webserver Application via "Server" HTTP Response Header Field'


def test_10038_non_html_only_at_low():
    ex = message("{}", "application/json")
    assert run(CspMissing(), ex) == []
    assert [a.alert_ref for a in run(CspMissing(RuleSettings(thresholds={"10038": "LOW"})), ex)] == ["10038-1"]


def test_10035_low_threshold_cases():  # ...IfThresholdLowNonSecureResponseWithHeader, ...ThresholdLowRedirectSameDomain
    low = StrictTransportSecurity(RuleSettings(thresholds={"10035": "LOW"}))
    plain = message("<html></html>", url="http://example.com/", headers=[("Strict-Transport-Security", "max-age=31536000")])
    assert run(StrictTransportSecurity(), plain) == []
    [alert] = run(low, plain)
    assert (alert.alert_ref, alert.risk, alert.evidence) == ("10035-4", RISK_INFO, "max-age=31536000")
    redirect = message("", url="https://example.com/", status=301, headers=[("Location", "https://example.com/home")])
    assert run(StrictTransportSecurity(), redirect) == []
    assert [a.alert_ref for a in run(low, redirect)] == ["10035-1"]
    assert run(low, message("<html></html>", url="http://example.com/")) == []  # shouldNotRaiseAlertIfThresholdLowNonSecureResponseNoHeader

"""ZAP's unit tests for the last passive rules added (10099, 90001, 90002, 10062), ported: the same
message in, the same alerts out (zap-extensions pscanrules v76 / pscanrulesBeta v51; each test names
the ZAP test it follows)."""

from __future__ import annotations

import base64
import gzip
import re

import pytest

from pipeline.zap.model import CONF_LOW, CONF_MEDIUM, RISK_HIGH, RISK_INFO, RISK_MEDIUM
from pipeline.zap.passive.pii import PiiDisclosure
from pipeline.zap.passive.serialized_state import InsecureJsfViewState, JavaSerializationObject, SourceCodeDisclosure
from pipeline.zap.passive.settings import RuleSettings
from pipeline.zap.passive.source_code_patterns import LANGUAGE_PATTERNS
from pipeline.zap.passive.viewstate import Viewstate

from .messages import message, run

COVERED = {"10099", "90001", "90002", "10062", "10032"}
JSO = base64.b64encode(b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap").decode()


# --- 10099 SourceCodeDisclosureScanRuleUnitTest -----------------------------------------------------------
def test_10099_every_pattern_compiles():
    assert len(LANGUAGE_PATTERNS) == 159 and all(re.compile(p, f) for p, f, _ in LANGUAGE_PATTERNS)


@pytest.mark.parametrize("body,language,evidence", [
    ("<p><?php $x = 1; ?></p>", "PHP", "<?php $x = 1; ?>"),
    ("<pre><%@ page import=\"java.util.*\" %></pre>", "JSP", "<%@ page import=\"java.util.*\" %>"),
    ("<pre>import javax.servlet.http.HttpServlet;</pre>", "Servlet", "import javax.servlet.http.HttpServlet;"),
])
def test_10099_source_code(body, language, evidence):
    [alert] = run(SourceCodeDisclosure(), message(body))
    assert (alert.name, alert.evidence, alert.risk, alert.confidence, alert.cwe_id) == (
        f"Source Code Disclosure - {language}", evidence, RISK_MEDIUM, CONF_MEDIUM, 540)


def test_10099_scripts_styles_and_plain_pages_are_not_source():
    assert run(SourceCodeDisclosure(), message("var a = $_GET['x'];", "application/javascript")) == []
    assert run(SourceCodeDisclosure(), message("<html><body><p>Hello</p></body></html>")) == []


# --- 90001 InsecureJsfViewStatePassiveScanRuleUnitTest ---------------------------------------------------------
def jsf(value: str):
    body = f"<html><head></head><body><input type='hidden' id='javax.faces.viewstate' value='{value}'/></body></html>"
    return run(InsecureJsfViewState(), message(body, url="http://www.example.com/test/"))


def test_90001_view_states():
    assert jsf("_id1231") == []  # shouldPassWhenViewStateContainsUnderscore
    assert jsf(base64.b64encode(gzip.compress(b"secureValue")).decode()) == []  # shouldPassNoJavaWordInViewState
    assert jsf("id1:id2") == []  # shouldPassIfViewStateIsStoredOnServer
    [alert] = jsf(base64.b64encode(gzip.compress(b"rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA java.util.HashMap")).decode())
    assert (alert.name, alert.risk, alert.confidence, alert.cwe_id, alert.wasc_id) == ("Insecure JSF ViewState", RISK_MEDIUM, CONF_LOW, 642, 14)
    assert alert.other == "JSF ViewState [javax.faces.viewstate] is insecure."
    assert run(InsecureJsfViewState(), message("", url="http://www.example.com/test/")) == []  # shouldPassAsThereIsNoBody


# --- 90002 JsoScanRuleUnitTest -----------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"headers": [("X-Custom-Info", JSO)]},  # ...InHeaderOfResponse
    {"headers": [("Set-Cookie", f"CUSTOM_COOKIE={JSO}")]},  # ...InCookieOfResponse
    {"body": b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap"},  # ...RawJsoMagicBytesAreDetectedInRawBodyOfResponse
    {"body": JSO},  # ...Base64JsoMagicBytesAreDetectedInBodyOfResponse
    {"url": f"http://example.com/?param={JSO}"},  # ...InRequestParameterOfRequest
    {"url": "http://example.com/?param=%C2%AC%C3%AD%00%05sr"},
    {"request_headers": [("X-Custom-Info", "%C2%AC%C3%AD%00%05sr")]},  # ...InHeaderOfRequest
    {"request_headers": [("Cookie", f"CUSTOM_COOKIE={JSO}")]},  # ...InCookieOfRequest
    {"request_body": b"\xac\xed\x00\x05sr"},  # ...InBodyOfRequest
])
def test_90002_java_serialization(kwargs):
    alerts = run(JavaSerializationObject(), message(**kwargs))
    assert len(alerts) == 1 and alerts[0].risk == RISK_MEDIUM and alerts[0].cwe_id == 502


def test_90002_nothing_serialized():  # shouldNotRaiseAlertGivenNoJsoHasBeenDetectedIn{Response,Request}
    assert run(JavaSerializationObject(), message("<html></html>", headers=[("X-Custom-Info", "hello")])) == []


# --- 10062 PiiScanRuleUnitTest --------------------------------------------------------------------------------
@pytest.mark.parametrize("brand,number", [
    ("American Express", "370695954010459"), ("American Express", "370 6959 5401 0459"), ("DinersClub", "30538761461899"),
    ("Discover", "6011377412263580"), ("Jcb", "3589738566381370"), ("Maestro", "6762355337694692"),
    ("Mastercard", "5264810966944441"), ("Mastercard", "5264 8109 66944441"), ("Visa", "4716186978544330"),
    ("Visa", "4716 1869 7854 4330"),
])
def test_10062_credit_cards(brand, number):  # shouldRaiseAlertWhenCreditCardIsDetected
    [alert] = run(PiiDisclosure(), message('{"cc": "' + number + '"}', "application/json"))
    assert (alert.name, alert.evidence, alert.other, alert.risk, alert.cwe_id) == (
        "PII Disclosure", number, f"Credit Card Type detected: {brand}", RISK_HIGH, 359)


@pytest.mark.parametrize("body", ["2.14111111111111111e-2", "1.4111111111111111", "4111111111111111e5", "8.46786664623715e-47"])
def test_10062_not_cards(body):  # ...InLeadingLongExponentNumbers, ...InDecimalNumbers, ...PositiveExponent, ...WordBoundaries
    assert run(PiiDisclosure(), message(f"<html><body>{body}</body></html>")) == []


def test_10062_css_images_pdfs_and_style_attributes():  # ...OnCssResponse, ...OnImageResponse, ...PdfFile..., ...StyleAttribute
    assert run(PiiDisclosure(), message("body {color: 4111111111111111}", "text/css")) == []
    assert run(PiiDisclosure(), message("4111111111111111", "image/png")) == []
    assert run(PiiDisclosure(), message("4111 1111 1111 1111", "text/html", url="http://example.com/a.pdf")) == []
    low = PiiDisclosure(RuleSettings(thresholds={"10062": "LOW"}))
    assert [a.evidence for a in run(low, message("4111 1111 1111 1111", "text/html", url="http://example.com/a.pdf"))] == ["4111 1111 1111 1111"]
    styled = '<h1 style="color:blue;4111111111111111">A Blue Heading</h1>'
    assert run(PiiDisclosure(), message(f"<html>{styled}</html>")) == []
    [alert] = run(PiiDisclosure(), message(f"<html>{styled}<p>4111111111111111</p></html>"))
    assert alert.evidence == "4111111111111111"


# --- 10032 ViewstateScanRule (ZAP has no unit test for it; cases from the rule's own logic) -------------------
def viewstate_page(payload: bytes, split: bool = False) -> str:
    value = base64.b64encode(payload).decode()
    if not split:
        return f'<html><form><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{value}"></form></html>'
    half = len(value) // 2
    return ('<html><form><input type="hidden" name="__VIEWSTATEFIELDCOUNT" id="__VIEWSTATEFIELDCOUNT" value="2">'
            f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{value[:half]}">'
            f'<input type="hidden" name="__VIEWSTATE1" id="__VIEWSTATE1" value="{value[half:]}"></form></html>')


def test_10032_viewstate_without_mac_and_with_addresses():
    state = b"\xff\x01\x0f\x0f\x05\x0bdd alice@example.com on 10.1.2.3 config dd"  # ends with "dd": no MAC after it
    refs = [(a.alert_ref, a.risk) for a in run(Viewstate(), message(viewstate_page(state)))]
    assert refs == [("10032-5", RISK_HIGH), ("10032-2", RISK_MEDIUM), ("10032-1", RISK_MEDIUM)]
    alerts = run(Viewstate(), message(viewstate_page(state)))
    assert alerts[1].other == "[alice@example.com]" and alerts[2].other == "[10.1.2.3]"


def test_10032_signed_viewstate_is_quiet_and_split_is_noted():
    signed = b"\xff\x01\x0f\x0f\x05\x0bpage state dd" + bytes(range(65, 85))  # "dd" then a 20-byte MAC
    assert run(Viewstate(), message(viewstate_page(signed))) == []
    [split] = run(Viewstate(), message(viewstate_page(signed, split=True)))
    assert (split.alert_ref, split.name, split.risk) == ("10032-6", "Split Viewstate in Use", RISK_INFO)


def test_10032_old_asp_net_and_unknown_versions():
    old = b"t<1234567;l<i<1>;>;>>" + bytes(range(65, 85))  # ASP.NET 1.x base64 starts "dD"
    assert base64.b64encode(old).decode().startswith("dD")
    assert [a.alert_ref for a in run(Viewstate(), message(viewstate_page(old)))] == ["10032-3"]
    assert run(Viewstate(), message(viewstate_page(b"plain text that is no viewstate at all"))) == []

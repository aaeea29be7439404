"""report.html in a real headless Chromium: filters, grouping, search, sorting, links, hostile text inert.

A few hundred findings shaped like a real run (bandit, pylint, detect-secrets, pip-audit, ZAP) plus
the hostile finding of conftest. Screenshots land in the test's reports folder (and, for people, in
the checkout's git-ignored reports/ folder).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.baseline import Baseline, BaselineEntry
from pipeline.model import Acceptance, Disposition, Location, Severity
from pipeline.reporters.html import HtmlReporter

from .browser import Chromium
from .conftest import HOSTILE_MESSAGE, HOSTILE_PATH, finding, run, stage

GH_ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "0123abc"}
CHECKOUT_REPORTS = Path(__file__).resolve().parents[2] / "reports"
# Recorded before any page script runs: CSP violations, dialogs (alert), and the page's own script errors.
WATCH = """
window.__csp = []; window.__dialogs = []; window.__errors = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.__errors.push(String(e.message)));
for (const name of ['alert', 'confirm', 'prompt']) window[name] = (...args) => { window.__dialogs.push(String(args[0])); };
"""


def _many_findings():
    sast = [finding("bandit", f"B6{n % 7:02d}", severity=(Severity.HIGH, Severity.MEDIUM, Severity.LOW)[n % 3],
                    path=f"app/module_{n % 12}.py", line=n + 1, fix_hint=f"fix text for B6{n % 7:02d}",
                    help_uri=f"https://bandit.readthedocs.io/b6{n % 7:02d}.html") for n in range(120)]
    sast.append(finding("bandit", "B602<x>|`", severity=Severity.CRITICAL, path=HOSTILE_PATH, message=HOSTILE_MESSAGE,
                        title="title <img src=x onerror=alert(1)> | [a](javascript:x)", help_uri="javascript:alert(1)",
                        fix_hint="fix <script>alert(2)</script>"))
    lint = [finding("pylint", f"C01{n % 5:02d}", severity=Severity.LOW, path=f"app/views/v{n % 20}.py", line=n + 3)
            for n in range(150)]
    lint += [finding("pylint", "W0611", severity=Severity.MEDIUM, path="app/main.py", line=7,
                     accepted_by=Acceptance(Disposition.SUPPRESSED, "pyproject suppression #1"))]
    secrets = [finding("detect-secrets", "Secret Keyword", severity=Severity.HIGH, path="app/settings.py", line=3,
                       properties={"hashed_secret": "e" * 40}, message="needle-unique-42 Secret Keyword")]
    deps = [finding("pip-audit", "PYSEC-2024-1", severity=Severity.HIGH,
                    location=Location(package="flask", version="2.0.1"), path=None, line=None,
                    properties={"fix_versions": ["2.2.5", "3.0.1"], "advisory_id": "PYSEC-2024-1"})]
    web = [finding("zap", "10021", severity=Severity.MEDIUM, title="X-Content-Type-Options Header Missing",
                   location=Location(url="http://localhost:5000/login?next=%2F", method="POST", param="csrf_token"),
                   properties={"evidence": "<form action=/login>", "plugin_id": "10021"}, path=None, line=None)]
    return sast, lint, secrets, deps, web


@pytest.fixture
def big_verdict(make_verdict):
    sast, lint, secrets, deps, web = _many_findings()
    baseline = Baseline([
        BaselineEntry("lint", f"pylint-C0100-app/views/v{n}.py-{n + 3}", "pylint", "C0100", f"app/views/v{n}.py", "c", 1)
        for n in range(0, 20, 5)
    ] + [BaselineEntry("sast", "gone", "bandit", "B303", "app/old.py", "md5 used", 2)])
    return make_verdict([stage("sast", [run("bandit")], sast), stage("lint", [run("pylint")], lint),
                         stage("secrets", [run("detect-secrets")], secrets), stage("deps", [run("pip-audit")], deps),
                         stage("zap", [run("zap")], web)], baseline=baseline)


@pytest.fixture
def browser(tmp_path: Path):
    chromium = Chromium(tmp_path / "chromium-profile")
    try:
        chromium.call("Page.enable")
        chromium.call("Page.addScriptToEvaluateOnNewDocument", source=WATCH)
        yield chromium
    finally:
        chromium.close()


def _select(browser: Chromium, element_id: str, value: str) -> None:
    browser.evaluate(f"(() => {{ const s = document.getElementById({json.dumps(element_id)}); s.value = {json.dumps(value)};"
                     " s.dispatchEvent(new Event('change')); })()")


def _rows(browser: Chromium) -> list[dict]:
    return browser.evaluate("""[...document.querySelectorAll('#groups tr[data-id]')].map(tr => ({
        id: tr.dataset.id, cells: [...tr.cells].map(td => td.textContent),
        href: (tr.querySelector('td.where a') || {}).href || null,
        group: tr.closest('details').dataset.group}))""")


def test_explorer_in_headless_chromium(big_verdict, make_ctx, browser, tmp_path: Path):
    ctx = make_ctx(GH_ENV)
    path = HtmlReporter().write(big_verdict, ctx)
    items = big_verdict.findings
    fixed = sum(len(s.fixed) for s in big_verdict.stages)
    browser.open(path.as_uri())

    assert browser.evaluate("window.__csp") == [] and browser.evaluate("window.__errors") == []
    # The script ran (it fills the explorer) and the style applied: both allowed by their CSP hashes.
    rows = _rows(browser)
    assert len(rows) == len(items) + fixed > 250
    assert browser.evaluate("getComputedStyle(document.querySelector('.headline')).borderLeftStyle") == "solid"

    # Grouping: by stage (the default), then by rule and by file, each group a collapsible <details>.
    assert {r["group"] for r in rows} == {s.stage for s in big_verdict.stages if s.findings or s.fixed}
    _select(browser, "f-group", "rule")
    rule_groups = browser.evaluate("[...document.querySelectorAll('#groups > details')].map(d => d.dataset.group)")
    assert len(rule_groups) == len({(i.finding.tool, i.finding.rule_id) for i in items}) + 1  # + the fixed B303
    _select(browser, "f-group", "file")
    file_groups = browser.evaluate("[...document.querySelectorAll('#groups > details > summary')].length")
    assert file_groups == len({i.finding.location.path or "(no file)" for i in items} | {"app/old.py"})
    _select(browser, "f-group", "stage")

    # Filters: stage, tool, severity, disposition; each narrows to exactly what the verdict holds.
    _select(browser, "f-stage", "lint")
    lint = _rows(browser)
    assert len(lint) == sum(1 for i in items if i.stage == "lint") and {r["cells"][2] for r in lint} == {"lint"}
    _select(browser, "f-disposition", "baselined")
    assert len(_rows(browser)) == sum(1 for i in items if i.disposition is Disposition.BASELINED) == 4
    _select(browser, "f-disposition", "suppressed")
    assert [r["cells"][4] for r in _rows(browser)] == ["pylint W0611"]
    _select(browser, "f-stage", "")
    _select(browser, "f-disposition", "fixed")
    assert len(_rows(browser)) == fixed == 1
    _select(browser, "f-disposition", "blocking")
    assert len(_rows(browser)) == sum(1 for i in items if i.blocking)
    _select(browser, "f-disposition", "")
    _select(browser, "f-severity", "medium")
    assert len(_rows(browser)) == Counter(i.finding.severity.label for i in items)["medium"]
    _select(browser, "f-severity", "")
    _select(browser, "f-tool", "zap")
    (zap,) = _rows(browser)
    assert "POST" in zap["cells"][6] and "csrf_token" in zap["cells"][6] and "evidence: <form action=/login>" in zap["cells"][6]
    _select(browser, "f-tool", "")

    # Search: free text over message, path, rule and fingerprint.
    browser.evaluate("(() => { const q = document.getElementById('f-q'); q.value = 'NEEDLE-unique-42';"
                     " q.dispatchEvent(new Event('input')); })()")
    (secret,) = _rows(browser)
    assert secret["cells"][4] == "detect-secrets Secret Keyword" and "e" * 40 in secret["cells"][6]
    browser.evaluate("(() => { const q = document.getElementById('f-q'); q.value = 'flask';"
                     " q.dispatchEvent(new Event('input')); })()")
    (dep,) = _rows(browser)
    assert "fix version: 2.2.5, 3.0.1" in dep["cells"][6]
    browser.evaluate("(() => { const q = document.getElementById('f-q'); q.value = '';"
                     " q.dispatchEvent(new Event('input')); })()")

    # Sorting: a column header sorts every group; clicking again reverses.
    browser.evaluate("document.querySelector('#groups button[data-sort=where]').click()")
    sast = [r["cells"][5] for r in _rows(browser) if r["group"] == "sast"]
    assert sast == sorted(sast)
    browser.evaluate("document.querySelector('#groups button[data-sort=where]').click()")
    assert [r["cells"][5] for r in _rows(browser) if r["group"] == "sast"] == sorted(sast, reverse=True)

    # Links: every code location opens the line at the scanned commit; rule docs are one anchor per rule.
    by_where = {r["cells"][5]: r["href"] for r in _rows(browser)}
    assert by_where["app/module_0.py:1:5"] == "https://github.com/acme/shop/blob/0123abc/app/module_0.py#L1"
    assert by_where["flask==2.0.1"] is None
    docs = browser.evaluate("[...document.querySelectorAll('.rule-doc')].map(d => d.id)")
    assert len(docs) == len(set(docs)) == len({(i.finding.tool, i.finding.rule_id) for i in items})
    doc_links = "document.querySelectorAll('.rule-doc a[href=\"https://bandit.readthedocs.io/b600.html\"]').length"
    assert browser.evaluate(doc_links) == 1

    # Hostile finding text is text: no element, attribute, dialog or script came from it.
    assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed, b, form').length") == 0
    assert browser.evaluate("[...document.querySelectorAll('*')].filter(n => [...n.attributes]"
                            ".some(a => a.name.startsWith('on'))).length") == 0
    assert browser.evaluate("[...document.scripts].map(s => s.type || 'js')") == ["application/json", "js"]
    assert browser.evaluate("[...document.links].filter(l => !/^(https?|file):/.test(l.protocol)).length") == 0
    assert browser.evaluate("document.body.textContent.includes('title <img src=x onerror=alert(1)>')")
    assert browser.evaluate("window.__dialogs") == [] and browser.evaluate("window.__csp") == []

    for target in (tmp_path / "reports", CHECKOUT_REPORTS):
        _screenshots(browser, target)


def _screenshots(browser: Chromium, folder: Path) -> None:
    browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    browser.screenshot(folder / "report-html-laptop.png")
    browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    browser.evaluate("document.getElementById('explorer').scrollIntoView()")
    browser.screenshot(folder / "report-html-phone.png")
    browser.evaluate("window.scrollTo(0, 0)")


def test_phone_width_has_no_horizontal_scroll(big_verdict, make_ctx, browser):
    path = HtmlReporter().write(big_verdict, make_ctx(GH_ENV))
    browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    browser.open(path.as_uri())
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390


def test_local_links_open_the_scanned_file(big_verdict, make_ctx, browser, tmp_path: Path):
    target = tmp_path / "app" / "module_0.py"
    target.parent.mkdir(parents=True)
    target.write_text("import os\n", encoding="utf-8")
    path = HtmlReporter().write(big_verdict, make_ctx({}))
    browser.open(path.as_uri())
    hrefs = {r["cells"][5]: r["href"] for r in _rows(browser)}
    assert hrefs["app/module_0.py:1:5"] == target.as_uri() + "#L1"
    hostile = next(href for where, href in hrefs.items() if "evil" in where)
    assert hostile.startswith(tmp_path.as_uri() + "/app/evil"), "a hostile file name stays a file under the checkout"

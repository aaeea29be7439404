"""The zap stage's scanner settings (``[tool.secure-pipeline.stages.zap]``), declared once for the
adapter, both engines and the embedded crawler's limits."""

from __future__ import annotations

from dataclasses import dataclass

from ..options import setting
from .passive.settings import RuleSettings

DEFAULT_RULES = "zap-config/rules.tsv"


@dataclass(frozen=True)
class ZapSettings:
    target: str = setting("", "URL of an already deployed app to scan (`--target`); empty runs `deploy_command` and "
                              "tears the app down after.")
    deploy_command: tuple[str, ...] = setting(
        (), "Argument list that starts the repository's app when `target` is empty, run from the repository root; it "
            "must print `Serving on URL` and answer `/readyz` (a first word `python` is the harness's interpreter). "
            "It is the repository's own code: it runs without credentials, in the scanners' sandbox, and a change "
            "to it is a policy change. Empty, with no `target`: the stage has nothing to scan.")
    engine: str = setting("auto", "`auto` uses a ZAP daemon when `ZAP_API_URL` (or `api_url`) is set, else the embedded "
                                  "passive scanner; `zap` requires the daemon; `embedded` never uses one.",
                          choices=("auto", "zap", "embedded"))
    api_url: str = setting("", "ZAP daemon API URL (e.g. http://localhost:8080); empty reads `ZAP_API_URL`. "
                               "The key comes only from `ZAP_API_KEY` and is never logged.")
    rules_file: str = setting(DEFAULT_RULES, "zap-baseline.py rules file (`id<TAB>IGNORE|INFO|WARN|FAIL<TAB>(name)`, "
                                             "OUTOFSCOPE lines); rules not in it are WARN.")
    spider_minutes: float = setting(1.0, "How long the spider may run (ZAP: spider.maxDuration, rounded up to whole "
                                         "minutes); 0 is unlimited, as zap-baseline.py -m 0, and the stage timeout still "
                                         "bounds it.")
    max_pages: int = setting(200, "Embedded crawler: most requests it sends.")
    max_depth: int = setting(5, "Link depth the spider follows from the target (ZAP's default is 5).")
    post_forms: bool = setting(True, "Embedded crawler: also submit POST forms with their default values, as ZAP's spider does.")
    ajax_spider: bool = setting(False, "ZAP engine: also run the AJAX spider for `spider_minutes`.")
    pscan_timeout: float = setting(300.0, "ZAP engine: seconds to wait for the passive-scan queue to drain; after that the "
                                          "alerts raised so far are reported and the scan is an error marked partial "
                                          "(zap-baseline.py -T).")
    max_alerts_per_rule: int = setting(10, "Alerts kept per rule, as zap-baseline.py's setMaxAlertsPerRule(10) (the daemon "
                                           "applies it itself); 0 keeps all.")
    alerts_page_size: int = setting(5000, "ZAP engine: alerts fetched per alert.alerts page.")
    app_start_timeout: float = setting(90.0, "Seconds the deployed app may take to print its URL and to answer /readyz.")
    # The rule settings zap-baseline users pass with -z "-config ...", honoured by both engines.
    alert_thresholds: tuple[str, ...] = setting(
        (), "Per-rule alert threshold, `ID=OFF|LOW|MEDIUM|HIGH` (ZAP: pscans.pscanner(n).level); "
            "LOW reports more, HIGH fewer, OFF disables the rule.")
    csrf_tokens: tuple[str, ...] = setting((), "Anti-CSRF token names added to ZAP's defaults (ZAP: anticsrf.tokens).")
    csrf_partial_matching: bool = setting(
        RuleSettings.csrf_partial_matching,
        "A field whose name contains a token name is a token (ZAP: anticsrf.partialMatchingEnabled).")
    csrf_ignore_list: tuple[str, ...] = setting((), "Form ids or names rule 10202 skips (ZAP: rules.csrf.ignorelist).")
    cookie_ignore_list: tuple[str, ...] = setting((), "Cookie names the cookie rules skip (ZAP: rules.cookie.ignorelist).")
    trusted_domains: tuple[str, ...] = setting((), "Regexes of trusted script and resource locations, for 10017, 90003 "
                                                   "and 10108 (ZAP: rules.domains.trusted).")

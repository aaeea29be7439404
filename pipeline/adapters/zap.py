"""ZAP baseline (DAST): a real ZAP daemon when ``ZAP_API_URL`` is set, else the embedded passive
scanner, both behind one interface (pipeline/zap/engine.py); the target is ``zap.target`` or, when
empty, the app the repository's ``zap.deploy_command`` starts locally for the scan (pipeline/zap/deploy.py).

Not one command, so it implements ``scan`` itself; every failure (rules file, deployment, target,
daemon, spider, passive queue) is a ToolRun error with a one-line cause naming zap. The gate comes
from the zap-baseline.py rules file, set on each finding as ``Finding.tool_gate``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..model import Status, ToolRun
from ..options import Option
from ..pr_mode import FULL
from ..redact import redact
from ..scanner import ScanContext, ScanOutput
from ..zap import findings, rules_file, traditional_json
from ..zap.choose import API_KEY_ENV, API_URL_ENV, CHOICES, choose
from ..zap.deploy import DeployError, deployed_app
from ..zap.engine import Engine, ScanSettings
from ..zap.engine_result import EngineError
from ..zap.passive import settings as rule_settings

REPORT_NAME = "zap-traditional.json"
DEFAULT_RULES = "zap-config/rules.tsv"


NOTHING_TO_SCAN = "no target: set zap.target (or --target URL), or zap.deploy_command to start the app for the scan"


def deploy_command(options: dict[str, Any]) -> list[str]:
    """The configured deploy command (empty: none), the one place it is read."""
    return [str(word) for word in options.get("deploy_command") or []]


class Zap:
    name = "zap"
    stage = "zap"
    # Scans the deployed application, not files: always in full.
    pr_scope = FULL
    distribution = ""  # ZAP is not a Python distribution: a daemon or the embedded engine
    options: tuple[Option, ...] = (
        Option("target", "str", "",
               "URL of an already deployed app to scan (`--target`); empty runs `deploy_command` and tears the app down after."),
        Option("deploy_command", "list[str]", [],
               "Argument list that starts the repository's app when `target` is empty, run from the repository root; it "
               "must print `Serving on URL` and answer `/readyz` (a first word `python` is the harness's interpreter). "
               "It is the repository's own code: it runs without credentials, in the scanners' sandbox, and a change "
               "to it is a policy change. Empty, with no `target`: the stage has nothing to scan."),
        Option("engine", "str", "auto", "`auto` uses a ZAP daemon when `ZAP_API_URL` (or `api_url`) is set, else the embedded "
               "passive scanner; `zap` requires the daemon; `embedded` never uses one.", choices=CHOICES),
        Option("api_url", "str", "", "ZAP daemon API URL (e.g. http://localhost:8080); empty reads `ZAP_API_URL`. "
               "The key comes only from `ZAP_API_KEY` and is never logged."),
        Option("rules_file", "str", DEFAULT_RULES,
               "zap-baseline.py rules file (`id<TAB>IGNORE|INFO|WARN|FAIL<TAB>(name)`, OUTOFSCOPE lines); "
               "rules not in it are WARN."),
        Option("spider_minutes", "float", 1.0, "How long the spider may run "
               "(ZAP: spider.maxDuration, rounded up to whole minutes); "
               "0 is unlimited, as zap-baseline.py -m 0, and the stage timeout still bounds it."),
        Option("max_pages", "int", 200, "Embedded crawler: most requests it sends."),
        Option("max_depth", "int", 5, "Link depth the spider follows from the target (ZAP's default is 5)."),
        Option("post_forms", "bool", True,
               "Embedded crawler: also submit POST forms with their default values, as ZAP's spider does."),
        Option("ajax_spider", "bool", False, "ZAP engine: also run the AJAX spider for `spider_minutes`."),
        Option("pscan_timeout", "float", 300.0, "ZAP engine: seconds to wait for the passive-scan queue to drain; after that the "
               "alerts raised so far are reported and the scan is an error marked partial (zap-baseline.py -T)."),
        Option("max_alerts_per_rule", "int", 10, "Alerts kept per rule, as zap-baseline.py's setMaxAlertsPerRule(10) (the daemon "
               "applies it itself); 0 keeps all."),
        Option("alerts_page_size", "int", 5000, "ZAP engine: alerts fetched per alert.alerts page."),
        Option("app_start_timeout", "float", 90.0, "Seconds the deployed app may take to print its URL and to answer /readyz."),
        # The rule settings zap-baseline users pass with -z "-config ...", honoured by both engines.
        Option("alert_thresholds", "list[str]", [],
               "Per-rule alert threshold, `ID=OFF|LOW|MEDIUM|HIGH` (ZAP: pscans.pscanner(n).level); "
               "LOW reports more, HIGH fewer, OFF disables the rule."),
        Option("csrf_tokens", "list[str]", [], "Anti-CSRF token names added to ZAP's defaults (ZAP: anticsrf.tokens)."),
        Option("csrf_partial_matching", "bool", True,
               "A field whose name contains a token name is a token (ZAP: anticsrf.partialMatchingEnabled)."),
        Option("csrf_ignore_list", "list[str]", [], "Form ids or names rule 10202 skips (ZAP: rules.csrf.ignorelist)."),
        Option("cookie_ignore_list", "list[str]", [], "Cookie names the cookie rules skip (ZAP: rules.cookie.ignorelist)."),
        Option("trusted_domains", "list[str]", [], "Regexes of trusted script and resource locations, for 10017, 90003 and 10108 "
               "(ZAP: rules.domains.trusted)."),
    )

    # --- configuration ---------------------------------------------------------------------------
    def rules(self, root: Path, options: dict[str, Any]) -> rules_file.RulesConfig:
        """The validated rules file; raises RulesFileError (a ConfigError: exit 3) naming file and line."""
        relative = str(options.get("rules_file") or DEFAULT_RULES)
        if relative == DEFAULT_RULES and not (root / relative).exists():
            # A repository without a rules file gets zap-baseline.py's own default: every rule WARN.
            return rules_file.RulesConfig(source="(no rules file: every rule WARN)")
        return rules_file.load(root / relative, source=relative)

    def settings(self, options: dict[str, Any]) -> rule_settings.RuleSettings:
        try:
            return rule_settings.from_options(options)
        except rule_settings.SettingsError as exc:
            raise ConfigError(f"pyproject.toml [tool.secure-pipeline.stages.zap]: zap: {exc}") from exc

    def validate(self, root: Path, options: dict[str, Any]) -> None:
        """The config-validation hook the CLI calls before running stages: rules file and rule settings."""
        self.rules(root, options)
        self.settings(options)

    def api_url(self, options: dict[str, Any]) -> str:
        return str(options.get("api_url") or os.environ.get(API_URL_ENV, "")).strip()

    def scan_settings(self, ctx: ScanContext, rules: rule_settings.RuleSettings) -> ScanSettings:
        """Every engine's knobs, read from the options in this one place."""
        opts = ctx.options
        return ScanSettings(
            spider_minutes=float(opts["spider_minutes"]), max_depth=int(opts["max_depth"]),
            max_alerts_per_rule=int(opts["max_alerts_per_rule"]), time_limit=ctx.timeout,
            max_pages=int(opts["max_pages"]), post_forms=bool(opts["post_forms"]), ajax_spider=bool(opts["ajax_spider"]),
            pscan_timeout=float(opts["pscan_timeout"]), alerts_page_size=int(opts["alerts_page_size"]),
            rules=rules, note=ctx.note)

    # --- the scan --------------------------------------------------------------------------------
    def scan(self, ctx: ScanContext) -> ScanOutput:
        run = ToolRun(tool=self.name, status=Status.PASSED)
        started = time.monotonic()
        opts = ctx.options
        try:
            rules = self.rules(ctx.root, opts)
            settings = self.scan_settings(ctx, self.settings(opts))
            engine: Engine = choose(str(opts.get("engine") or "auto"), self.api_url(opts), os.environ.get(API_KEY_ENV) or None)
        except (rules_file.RulesFileError, ConfigError, EngineError) as exc:
            return self._error(run, str(exc), started)
        target = str(opts.get("target") or "").strip()
        command = deploy_command(opts)
        run.command = ["zap-baseline", f"engine={engine.name}", f"target={target or 'deploy_command (local deploy)'}",
                       f"rules={opts.get('rules_file')}"]
        try:
            if target:
                result = engine.scan(target, settings)
            elif command:
                timeout = float(opts["app_start_timeout"])

                def isolated(how: str) -> None:
                    run.details["deploy_isolation"] = how

                with deployed_app(ctx.root, command, start_timeout=timeout, ready_timeout=timeout, note=ctx.note,
                                  isolation=isolated) as url:
                    result = engine.scan(url, settings)
            else:
                # Nothing deployable and nothing deployed: there is no web app to scan here.
                run.status = Status.SKIPPED
                run.reason = NOTHING_TO_SCAN
                return ScanOutput(run)
        except (EngineError, DeployError) as exc:
            return self._error(run, str(exc), started)
        gated = findings.gate(result.alerts, rules, result.engine)
        in_scope = [a for a in result.alerts if not rules.out_of_scope_for(a.plugin_id, a.url)]
        report = ctx.artifacts_dir / REPORT_NAME
        run.version = result.version
        run.duration_s = round(time.monotonic() - started, 3)
        run.details.update({
            "engine": result.engine, "target": result.target, "rules_file": rules.source,
            "urls_scanned": len(result.urls), "alerts": len(result.alerts),
            "levels": dict(sorted(gated.levels.items())),
            "out_of_scope": dict(sorted(gated.out_of_scope.items())), "report": str(report),
            **{k: v for k, v in result.details.items() if k != "api_url"},
        })
        if result.details.get("crawl_stopped_by") in ("time", "max_pages"):
            run.details["notes"] = [f"zap: the crawl stopped at its {result.details['crawl_stopped_by']} limit; "
                                    "pages beyond it were not scanned"]
        if result.partial:
            # Fail closed, but keep what was found: the report shows the alerts raised before the cut.
            run.status = Status.ERROR
            run.error = redact(f"{self.name}: partial scan: {result.partial}")
        return ScanOutput(run, gated.findings, {report: traditional_json.build(in_scope, result.version)})

    def _error(self, run: ToolRun, message: str, started: float) -> ScanOutput:
        run.status = Status.ERROR
        run.error = redact(f"{self.name}: {message}")
        run.duration_s = round(time.monotonic() - started, 3)
        return ScanOutput(run)

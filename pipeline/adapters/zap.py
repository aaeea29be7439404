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

from ..errors import ConfigError
from ..model import Status, ToolRun
from ..options import StageConfig
from ..pr_mode import FULL
from ..redact import redact
from ..scanner import ScanContext, ScanOutput
from ..zap import findings, rules_file, traditional_json
from ..zap.choose import API_KEY_ENV, API_URL_ENV, choose
from ..zap.deploy import DeployError, deployed_app
from ..zap.engine import Engine, ScanSettings
from ..zap.engine_result import EngineError
from ..zap.passive import settings as rule_settings
from ..zap.settings import DEFAULT_RULES, ZapSettings

REPORT_NAME = "zap-traditional.json"


NOTHING_TO_SCAN = "no target: set zap.target (or --target URL), or zap.deploy_command to start the app for the scan"


def deploy_command(settings: ZapSettings) -> list[str]:
    """The configured deploy command (empty: none), the one place it is read."""
    return list(settings.deploy_command)


class Zap:
    name = "zap"
    stage = "zap"
    # Scans the deployed application, not files: always in full.
    pr_scope = FULL
    distribution = ""  # ZAP is not a Python distribution: a daemon or the embedded engine
    settings_type = ZapSettings

    # --- configuration ---------------------------------------------------------------------------
    def rules(self, root: Path, settings: ZapSettings) -> rules_file.RulesConfig:
        """The validated rules file; raises RulesFileError (a ConfigError: exit 3) naming file and line."""
        relative = settings.rules_file or DEFAULT_RULES
        if relative == DEFAULT_RULES and not (root / relative).exists():
            # A repository without a rules file gets zap-baseline.py's own default: every rule WARN.
            return rules_file.RulesConfig(source="(no rules file: every rule WARN)")
        return rules_file.load(root / relative, source=relative)

    def passive_settings(self, settings: ZapSettings) -> rule_settings.RuleSettings:
        try:
            return rule_settings.from_settings(settings.alert_thresholds, settings.csrf_tokens, settings.csrf_partial_matching,
                                               settings.csrf_ignore_list, settings.cookie_ignore_list,
                                               settings.trusted_domains)
        except rule_settings.SettingsError as exc:
            raise ConfigError(f"pyproject.toml [tool.secure-pipeline.stages.zap]: zap: {exc}") from exc

    def validate(self, root: Path, stage_config: StageConfig) -> None:
        """The config-validation hook the CLI calls before running stages: rules file and rule settings."""
        settings = stage_config.of(ZapSettings)
        self.rules(root, settings)
        self.passive_settings(settings)

    def api_url(self, settings: ZapSettings) -> str:
        return (settings.api_url or os.environ.get(API_URL_ENV, "")).strip()

    def scan_settings(self, ctx: ScanContext, rules: rule_settings.RuleSettings) -> ScanSettings:
        """Every engine's knobs, read from the settings in this one place."""
        opts = ctx.settings(ZapSettings)
        return ScanSettings(
            spider_minutes=opts.spider_minutes, max_depth=opts.max_depth,
            max_alerts_per_rule=opts.max_alerts_per_rule, time_limit=ctx.timeout,
            max_pages=opts.max_pages, post_forms=opts.post_forms, ajax_spider=opts.ajax_spider,
            pscan_timeout=opts.pscan_timeout, alerts_page_size=opts.alerts_page_size,
            rules=rules, note=ctx.note)

    # --- the scan --------------------------------------------------------------------------------
    def scan(self, ctx: ScanContext) -> ScanOutput:
        run = ToolRun(tool=self.name, status=Status.PASSED)
        started = time.monotonic()
        opts = ctx.settings(ZapSettings)
        try:
            rules = self.rules(ctx.root, opts)
            settings = self.scan_settings(ctx, self.passive_settings(opts))
            engine: Engine = choose(opts.engine or "auto", self.api_url(opts), os.environ.get(API_KEY_ENV) or None)
        except (rules_file.RulesFileError, ConfigError, EngineError) as exc:
            return self._error(run, str(exc), started)
        target = opts.target.strip()
        command = deploy_command(opts)
        run.command = ["zap-baseline", f"engine={engine.name}", f"target={target or 'deploy_command (local deploy)'}",
                       f"rules={opts.rules_file}"]
        try:
            if target:
                result = engine.scan(target, settings)
            elif command:
                timeout = opts.app_start_timeout

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

"""ZAP baseline (DAST): a real ZAP daemon when ``ZAP_API_URL`` is set, else the embedded passive
scanner; the target is ``zap.target`` or, when empty, the sample app deployed locally for the scan.

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
from ..redact import redact
from ..scanner import ScanContext, ScanOutput
from ..zap import daemon, embedded, findings, rules_file, traditional_json
from ..zap.crawler import CrawlLimits
from ..zap.deploy import DeployError, deployed_app
from ..zap.engine_result import EngineError, EngineResult
from ..zap.passive import settings as rule_settings
from ..zap.settings import DEFAULT_RULES, ZapSettings

API_URL_ENV, API_KEY_ENV = "ZAP_API_URL", "ZAP_API_KEY"  # pragma: allowlist secret - variable names
REPORT_NAME = "zap-traditional.json"


class Zap:
    name = "zap"
    stage = "zap"
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

    def engine(self, settings: ZapSettings) -> str:
        chosen = settings.engine or "auto"
        if chosen == "auto":
            return "zap" if self.api_url(settings) else "embedded"
        return chosen

    # --- the scan --------------------------------------------------------------------------------
    def scan(self, ctx: ScanContext) -> ScanOutput:
        run = ToolRun(tool=self.name, status=Status.PASSED)
        started = time.monotonic()
        opts = ctx.settings(ZapSettings)
        try:
            rules = self.rules(ctx.root, opts)
            settings = self.passive_settings(opts)
        except (rules_file.RulesFileError, ConfigError) as exc:
            return self._error(run, str(exc), started)
        engine = self.engine(opts)
        if engine == "zap" and not self.api_url(opts):
            return self._error(run, f"engine is `zap` but neither {API_URL_ENV} nor zap.api_url is set", started)
        target = opts.target.strip()
        run.command = ["zap-baseline", f"engine={engine}", f"target={target or 'sample app (local deploy)'}",
                       f"rules={opts.rules_file}"]
        try:
            if target:
                result = self._run_engine(engine, target, ctx, settings)
            else:
                if not (ctx.root / "app" / "__main__.py").is_file():
                    # Nothing deployable and nothing deployed: there is no web app to scan here.
                    run.status = Status.SKIPPED
                    run.reason = "no target: set zap.target (or --target URL), or provide the sample app (app/)"
                    return ScanOutput(run)
                timeout = opts.app_start_timeout
                with deployed_app(ctx.root, start_timeout=timeout, ready_timeout=timeout, note=ctx.note) as url:
                    result = self._run_engine(engine, url, ctx, settings)
        except (EngineError, DeployError) as exc:
            return self._error(run, str(exc), started)
        gated = findings.gate(result.alerts, rules, engine)
        in_scope = [a for a in result.alerts if not rules.out_of_scope_for(a.plugin_id, a.url)]
        report = ctx.artifacts_dir / REPORT_NAME
        run.version = result.version
        run.duration_s = round(time.monotonic() - started, 3)
        run.details.update({
            "engine": engine, "target": result.target, "rules_file": rules.source,
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

    def _run_engine(self, engine: str, target: str, ctx: ScanContext, settings: rule_settings.RuleSettings) -> EngineResult:
        opts = ctx.settings(ZapSettings)
        minutes = opts.spider_minutes
        if engine == "zap":
            return daemon.run(
                self.api_url(opts), os.environ.get(API_KEY_ENV) or None, target, spider_minutes=minutes,
                max_depth=opts.max_depth, ajax_spider=opts.ajax_spider,
                pscan_timeout=min(opts.pscan_timeout, ctx.timeout),
                page_size=max(1, opts.alerts_page_size),
                max_alerts_per_rule=opts.max_alerts_per_rule, wait_limit=ctx.timeout, settings=settings,
                note=ctx.note)
        limits = CrawlLimits(max_pages=opts.max_pages, max_depth=opts.max_depth,
                             max_seconds=min(minutes * 60, ctx.timeout) if minutes > 0 else ctx.timeout,
                             post_forms=opts.post_forms)
        return embedded.run(target, limits, opts.max_alerts_per_rule, note=ctx.note, settings=settings)

    def _error(self, run: ToolRun, message: str, started: float) -> ScanOutput:
        run.status = Status.ERROR
        run.error = redact(f"{self.name}: {message}")
        run.duration_s = round(time.monotonic() - started, 3)
        return ScanOutput(run)

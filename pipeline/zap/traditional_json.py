"""ZAP's traditional JSON report (the reports add-on's ``traditional-json`` template, what
zap-baseline.py ``-J`` writes), so tools that import ZAP reports can read ours.

Shape: ``@programName``, ``@version``, ``@generated``, ``created``, ``site[]`` with ``@name``, ``@host``,
``@port``, ``@ssl`` and ``alerts[]`` (one per plugin id + alertRef + name, with ``instances[]``).
All values are strings except ``systemic``, as in ZAP. Like ZAP's, the report is not filtered by
the rules file (OUTOFSCOPE aside, which drops alerts before reporting). The adapter hands the
report to the engine, which writes it after the run's redaction (URLs, evidence, cookies).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import urlsplit

from .model import CONFIDENCES, RISKS, Alert


def _para(text: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()) if text else ""


def _site_of(url: str) -> tuple[str, str, str, str]:
    parts = urlsplit(url)
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 80)
    site = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return site, parts.hostname or "", str(port), str(ssl).lower()


def build(alerts: list[Alert], program_version: str, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    sites: dict[tuple[str, str, str, str], dict[tuple[str, str, str], list[Alert]]] = {}
    for alert in alerts:
        groups = sites.setdefault(_site_of(alert.url), {})
        groups.setdefault((alert.plugin_id, alert.ref, alert.name), []).append(alert)
    report_sites = []
    for (name, host, port, ssl), groups in sorted(sites.items()):
        report_alerts = []
        for (plugin_id, ref, alert_name), members in sorted(groups.items(), key=lambda kv: (-kv[1][0].risk, kv[0])):
            first = members[0]
            report_alerts.append({
                "pluginid": plugin_id, "alertRef": ref, "alert": alert_name, "name": alert_name,
                "riskcode": str(first.risk), "confidence": str(first.confidence),
                "riskdesc": f"{RISKS[first.risk]} ({CONFIDENCES[first.confidence]})",
                "desc": _para(first.description),
                "instances": [{"id": str(i), "uri": a.url, "nodeName": None, "method": a.method, "param": a.param,
                               "attack": a.attack, "evidence": a.evidence, "otherinfo": a.other}
                              for i, a in enumerate(members)],
                "count": str(len(members)), "systemic": False, "solution": _para(first.solution),
                "otherinfo": _para(first.other), "reference": _para(first.reference),
                "cweid": str(first.cwe_id or -1), "wascid": str(first.wasc_id or -1), "sourceid": first.source_id,
            })
        report_sites.append({"@name": name, "@host": host, "@port": port, "@ssl": ssl, "alerts": report_alerts})
    return {
        "@programName": "ZAP", "@version": program_version,
        "@generated": now.strftime("%a, %d %b %Y %H:%M:%S"),
        "created": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "site": report_sites,
    }


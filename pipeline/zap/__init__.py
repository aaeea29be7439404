"""The DAST stage's engine room: a ZAP-baseline-style scan through a real ZAP daemon or an embedded
passive scanner, gated by a zap-baseline.py rules file.

Modules: ``rules_file`` (rules.tsv), ``crawler`` (bounded same-origin crawl), ``passive`` (ZAP's
passive rules, same ids and names), ``embedded`` (crawl + passive rules), ``daemon`` (a real ZAP
through the zaproxy client), ``deploy`` (the sample app, started and always torn down),
``findings`` (alerts to findings, gated by the rules file), ``traditional_json`` (ZAP's report shape).
"""

"""``pipeline stages [--json] [--configured] [--select A,B]``: the stage list, from the registry only.

noxfile.py and the CI workflows take their stage list from here (the workflow's matrix is the
output of ``pipeline stages --json``), so adding a stage to the registry is the only edit needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register ``stages`` on the CLI's subparsers; sets ``func``."""
    parser = subparsers.add_parser("stages", help="print the stage names (one per line, or --json)",
                                   description="Print every stage the harness knows, in registry order.")
    parser.add_argument("--json", action="store_true", help="print one JSON list (for a workflow's matrix)")
    parser.add_argument("--configured", action="store_true",
                        help="only the stages `pipeline run all` runs for the repository (its `run` list, if any)")
    parser.add_argument("--select", default="", metavar="STAGES",
                        help="comma-separated stages to print instead (checked against the registry; empty = all)")
    parser.add_argument("--root", type=Path, default=None, help="repository for --configured (default: the current directory)")
    parser.add_argument("--config", type=Path, default=None,
                        help="configuration file for --configured (default: ROOT/pyproject.toml)")
    parser.set_defaults(func=run)
    result: argparse.ArgumentParser = parser
    return result


def names(root: Path | None = None, config_file: Path | None = None, configured: bool = False,
          select: str = "") -> list[str]:
    from .errors import ConfigError
    from .registry import stage_names

    chosen = list(dict.fromkeys(s.strip() for s in select.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in stage_names()]
    if unknown:
        raise ConfigError(f"command line: --select: unknown stage {unknown[0]!r} (known: {', '.join(stage_names())})")
    if chosen:
        return chosen
    if not configured:
        return stage_names()
    from . import config as config_mod

    return config_mod.load(root or Path.cwd(), config_file).selected_stages


def run(args: argparse.Namespace) -> int:
    stages = names(args.root, args.config, args.configured, args.select)
    sys.stdout.write(json.dumps(stages) + "\n" if args.json else "".join(f"{s}\n" for s in stages))
    return 0

"""``pipeline advisories sync [--dest PATH] [--url URL]``: fetch the OSV PyPI export for offline runs."""

from __future__ import annotations

import argparse
import sys
from typing import TypeVar

from .sync import EXPORT_URL, SyncError, default_destination, sync

_P = TypeVar("_P", bound=argparse.ArgumentParser)  # the CLI's own parser class

EXIT_OK = 0
EXIT_CANNOT = 2  # the harness's "could not run" code


def add_parser(subparsers: argparse._SubParsersAction[_P]) -> _P:
    """Register ``advisories`` (with its ``sync`` subcommand) on the CLI's subparsers; sets ``func``."""
    parser = subparsers.add_parser("advisories", help="manage the offline advisory database")
    commands = parser.add_subparsers(dest="advisories_command", required=True)
    sync_parser = commands.add_parser("sync", help="download or refresh the OSV PyPI export")
    sync_parser.add_argument("--dest", default=None,
                             help=f"file or folder to write (default: {default_destination()})")
    sync_parser.add_argument("--url", default=EXPORT_URL, help="export to download (default: the OSV PyPI export)")
    sync_parser.add_argument("--timeout", type=float, default=120.0, help="network timeout in seconds")
    sync_parser.set_defaults(func=run_sync)
    return parser


def run_sync(args: argparse.Namespace) -> int:
    try:
        target, db = sync(args.dest, args.url, args.timeout)
    except SyncError as exc:
        print(f"advisories sync: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    newest = db.newest.date().isoformat() if db.newest else "unknown"
    print(f"advisories sync: {db.records} OSV records ({len(db.by_package)} packages, newest {newest}) -> {target}")
    print(f"use it with: pipeline run deps --advisory-db {target}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""The harness's two kinds of failure, and the exit code each one means.

A leaf module (it imports nothing of the harness), so every layer can raise these without import
cycles. ``ConfigError`` is bad configuration or usage: exit 3. ``ScanError`` is a scan whose result
cannot be trusted: the stage becomes an error, and a verdict with one is exit 2. Exit 1 means
findings and nothing else, so no exception ever maps to it.
"""

from __future__ import annotations

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_CONFIG = 3


class HarnessError(Exception):
    """Base of the harness's own errors; ``exit_code`` is what the command exits with."""

    exit_code = EXIT_ERROR


class ConfigError(HarnessError):
    """Bad configuration or usage (exit code 3). The message names the file, the key and the problem."""

    exit_code = EXIT_CONFIG


class ScanError(HarnessError):
    """The tool ran but its result cannot be trusted; the message says why, in one line."""

    exit_code = EXIT_ERROR

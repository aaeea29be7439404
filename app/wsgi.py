"""WSGI entry point for gunicorn: configuration and secrets come from the
environment and the configured secrets provider.

A bad setting or a missing secret stops the worker with one line naming it
(never a value, never a traceback) and exit status 3, which gunicorn's
arbiter treats as "worker failed to boot" and exits with in turn.
"""
import sys

from app.config import ConfigError, config_from_env
from app.factory import create_app
from app.secret_providers import SecretError

WORKER_BOOT_ERROR = 3

try:
    application = create_app(config_from_env())
except (ConfigError, SecretError) as exc:
    print(f"configuration error: {exc}", file=sys.stderr, flush=True)
    sys.exit(WORKER_BOOT_ERROR)

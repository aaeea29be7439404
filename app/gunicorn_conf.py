"""Gunicorn settings for the app (``gunicorn -c app/gunicorn_conf.py app.wsgi:application``).

Everything here can be overridden on the command line; the environment
variables are for containers.
"""
# Gunicorn reads these lowercase module globals as its settings.
# pylint: disable=invalid-name
import os
import tempfile

from app import gunicorn_header_deadline
from app.gunicorn_hardening import install
from app.parent_death import exit_with_parent_from_env

# Neutral Server header, and security headers without parser details on the
# error pages gunicorn writes itself (see app/gunicorn_hardening.py).
install()
# Under `python -m app serve`: stop when serve dies, even by SIGKILL. This
# module is read by the master before it forks, so this is the master's setting.
exit_with_parent_from_env()

# Loopback by default; the container passes GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let one worker overlap database waits and keep connections alive.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Slow clients (one header line a second) would each hold a thread for as
# long as they like; the head must arrive within this many seconds.
gunicorn_header_deadline.install(float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10")))
timeout = 30
graceful_timeout = 10
keepalive = 5

# Request limits in front of Flask's MAX_CONTENT_LENGTH.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Only the local gateway/sidecar may set X-Forwarded-* (ProxyFix decides use).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Write nothing outside /tmp so the root filesystem can be read-only.
# The temp dir (/tmp) is a tmpfs in the container (docker-compose.yml mounts one).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", tempfile.gettempdir())
control_socket_disable = True

# The app writes its own JSON access log line with the correlation id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.logging_setup.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    # The app adds its own JSON handler to the root logger (app.logging_setup).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}

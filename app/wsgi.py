"""WSGI entry point for gunicorn: configuration and secrets come from the
environment and the configured secrets provider; a missing secret stops the
worker from booting, with the secret's name in the log."""
from app.config import config_from_env
from app.factory import create_app

application = create_app(config_from_env())

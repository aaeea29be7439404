# syntax=docker/dockerfile:1
# The secure sample app: gunicorn + Flask, non-root, for a read-only root filesystem.
# Build:  docker build -t securesample .
# Run:    see docker-compose.yml (app + PostgreSQL; read_only: true, tmpfs /tmp, no capabilities).
#
# Alpine, as seed 000 chose: every one of app/requirements.txt's 58 pins ships a musllinux_1_2 wheel
# for CPython 3.11 (checked with `pip download --only-binary=:all: --platform musllinux_1_2_x86_64`),
# so nothing is compiled and no toolchain enters either stage. The base is a literal, fully versioned
# tag so Dependabot's docker ecosystem can read and bump it (an ARG in FROM hides it).

# --- build stage: resolve and install the pinned wheels into a venv --------
FROM python:3.11.14-alpine3.23 AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY app/requirements.txt /tmp/requirements.txt
# Every dependency ships a musllinux wheel; --only-binary keeps any build
# toolchain out of the picture, and the exact pins make the image reproducible.
RUN /opt/venv/bin/pip install --no-cache-dir --only-binary=:all: -r /tmp/requirements.txt
COPY app /srv/app/app
# Compile once here: the runtime root filesystem is read-only.
RUN /opt/venv/bin/python -m compileall -q /srv/app/app /opt/venv/lib

# --- runtime stage: no compiler, no pip cache, no root ----------------------
FROM python:3.11.14-alpine3.23
LABEL org.opencontainers.image.title="securesample" \
      org.opencontainers.image.description="Security resources for developing on Azure: a hardened sample web app"
RUN addgroup -S -g 10001 app \
    && adduser -S -D -H -u 10001 -G app -h /nonexistent -s /sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/app /srv/app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKER_TMP_DIR=/tmp \
    PGSSLMODE=verify-full
# The deployment chooses where secrets come from (see app/secret_providers.py):
# SECRETS_PROVIDER=keyvault with KEY_VAULT_URL on Azure, =file for mounted secrets.
# Nothing is written outside /tmp at run time, so the root filesystem can be mounted read-only
# (compose: read_only + tmpfs /tmp). App Service has no read-only-root switch; there the image's
# files are owned by root and not writable by uid 10001, which is what read-only buys.
WORKDIR /srv/app
USER 10001:10001
EXPOSE 8000
# Liveness through Python's standard library (no curl in the image).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["gunicorn", "--config", "app/gunicorn_conf.py", "app.wsgi:application"]

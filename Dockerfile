# syntax=docker/dockerfile:1
# The secure sample app: gunicorn + Flask, non-root, read-only-root friendly.
# Build:  docker build -t securesample .
# Run:    see docker-compose.yml (app + PostgreSQL).

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build stage: resolve and install the pinned wheels into a venv --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY app/requirements.txt /tmp/requirements.txt
# Every dependency ships a manylinux wheel; --only-binary keeps any build
# toolchain out of the picture, and the exact pins make the image reproducible.
RUN /opt/venv/bin/pip install --no-cache-dir --only-binary=:all: -r /tmp/requirements.txt
COPY app /srv/app/app
# Compile once here: the runtime root filesystem is read-only.
RUN /opt/venv/bin/python -m compileall -q /srv/app/app /opt/venv/lib

# --- runtime stage: no compiler, no pip cache, no root ----------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="securesample" \
      org.opencontainers.image.description="Security resources for developing on Azure: a hardened sample web app"
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
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
WORKDIR /srv/app
USER 10001:10001
EXPOSE 8000
# Liveness through Python's standard library (no curl in the image).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["gunicorn", "--config", "app/gunicorn_conf.py", "app.wsgi:application"]

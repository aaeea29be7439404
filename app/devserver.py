"""A real PostgreSQL for local runs and tests, and ``python -m app serve``.

The database comes from the ``pgserver`` wheel: a real PostgreSQL server that
listens on a Unix socket only (no TCP port), so ``sslmode=disable`` is safe
here and nowhere else. When run as root, pgserver starts PostgreSQL as its
own unprivileged system user ``pgserver`` (PostgreSQL refuses to run as root).

Other code should use:

* ``embedded_postgres(datadir)``: context manager yielding ``EmbeddedPostgres``
  with owner and runtime credentials, migrations applied;
* ``serve(...)``: what ``python -m app serve`` runs.
"""
from __future__ import annotations

import http.client
import logging
import os
import secrets
import signal
import socket
# Argument lists only, never a shell.
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psycopg

from app.config import DEFAULT_DATABASE, DatabaseSettings, VaultEntry
from app.bootstrap import bootstrap_cluster
from app.migrate import provision_runtime_login, run_migrations
from app.parent_death import PARENT_PID_VARIABLE
from app.secret_providers import PROVIDER_VARIABLE, EnvSecretProvider

log = logging.getLogger("app.devserver")
# pgserver logs every pg_ctl call at INFO; only its problems are worth showing.
logging.getLogger("pgserver").setLevel(logging.WARNING)

OWNER_ROLE = "securesample_owner"
RUNTIME_LOGIN = "securesample_web"
PACKAGE_DIR = Path(__file__).resolve().parent
GUNICORN_CONF = PACKAGE_DIR / "gunicorn_conf.py"

# The bootstrap superuser may connect only over the socket (trust, as pgserver
# sets it up); every other role must prove its password with SCRAM.
_PG_HBA = """\
# Written by app.devserver: Unix socket only, no TCP listener.
local all postgres trust
local all all scram-sha-256
"""


@dataclass(frozen=True)
class EmbeddedPostgres:
    socket_dir: Path
    port: int
    dbname: str
    owner_user: str
    owner_password: str = field(repr=False)
    app_user: str = RUNTIME_LOGIN
    app_password: str = field(default="", repr=False)

    def settings(self, user: str, password: str) -> DatabaseSettings:
        return DatabaseSettings(
            host=str(self.socket_dir), port=self.port, dbname=self.dbname,
            user=user, password=password, sslmode="disable",
        )

    def owner_settings(self) -> DatabaseSettings:
        return self.settings(self.owner_user, self.owner_password)

    def app_settings(self) -> DatabaseSettings:
        return self.settings(self.app_user, self.app_password)

    def superuser_conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir), port=str(self.port), user="postgres",
            dbname=dbname or self.dbname, sslmode="disable",
        )


def _new_password() -> str:
    return secrets.token_urlsafe(24)


def _bootstrap(superuser_conninfo: str, hba_file: Path, dbname: str, owner_password: str) -> None:
    """Require passwords for every role but the bootstrap one, then set up the
    owner role and its database as ``python -m app bootstrap`` does."""
    hba_file.write_text(_PG_HBA, encoding="utf-8")
    with psycopg.connect(superuser_conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
    bootstrap_cluster(superuser_conninfo, dbname, OWNER_ROLE, owner_password)


@contextmanager
def embedded_postgres(datadir: Path, dbname: str = DEFAULT_DATABASE, migrate: bool = True) -> Iterator[EmbeddedPostgres]:
    """Start (or reuse) a PostgreSQL cluster in ``datadir``; stop it on exit.

    Fresh passwords are generated on every start, so nothing is stored.
    With ``migrate`` the schema, grants and seed data are applied as the
    owner and the runtime login is provisioned.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here.
        warnings.simplefilter("ignore")
        import pgserver  # pylint: disable=import-outside-toplevel

    datadir = Path(datadir)
    server = pgserver.get_server(datadir, cleanup_mode="stop")
    try:
        info = server.get_postmaster_info()
        if info.socket_dir is None or info.port is None:
            raise RuntimeError("embedded PostgreSQL did not report its socket")
        base = EmbeddedPostgres(
            socket_dir=Path(info.socket_dir), port=int(info.port), dbname=dbname,
            owner_user=OWNER_ROLE, owner_password=_new_password(), app_password=_new_password(),
        )
        _bootstrap(base.superuser_conninfo("postgres"), server.pgdata / "pg_hba.conf", dbname, base.owner_password)
        if migrate:
            owner_conninfo = base.owner_settings().conninfo("securesample-migrate")
            run_migrations(owner_conninfo)
            provision_runtime_login(owner_conninfo, base.app_user, base.app_password)
        yield base
    finally:
        server.cleanup()


def _wait_ready(host: str, port: int, proc: subprocess.Popen, stop: threading.Event, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if proc.poll() is not None:
            return False
        conn = http.client.HTTPConnection(host, port, timeout=2)
        try:
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    return False


def _stop_process(proc: subprocess.Popen, grace: float = 15.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def gunicorn_command(listen_fd: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn",
        "--config", str(GUNICORN_CONF),
        # The parent bound the socket, so the port is known (and race-free)
        # before gunicorn starts, even for --port 0.
        "--bind", f"fd://{listen_fd}",
        "--workers", str(workers),
        "--chdir", str(PACKAGE_DIR.parent),
        "app.wsgi:application",
    ]


def runtime_environment(db: EmbeddedPostgres, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the app process: settings plus secrets, via the env provider."""
    env = dict(os.environ if base is None else base)
    # gunicorn_conf.py imports the app package while gunicorn starts up.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_DIR.parent), env.get("PYTHONPATH")]))
    env.update({
        "PGHOST": str(db.socket_dir), "PGPORT": str(db.port), "PGDATABASE": db.dbname, "PGSSLMODE": "disable",
        PROVIDER_VARIABLE: "env",
        # gunicorn stops if this process dies, however it dies (app/parent_death.py).
        PARENT_PID_VARIABLE: str(os.getpid()),
    })
    # Values under the names EnvSecretProvider looks up.
    env[EnvSecretProvider.variable_for(VaultEntry.DB_USER)] = db.app_user
    env[EnvSecretProvider.variable_for(VaultEntry.DB_CREDENTIAL)] = db.app_password
    # One key shared by all workers, so a form served by one validates in another.
    env[EnvSecretProvider.variable_for(VaultEntry.SESSION_SIGNING)] = secrets.token_urlsafe(32)
    return env


def serve(host: str = "127.0.0.1", port: int = 0, workers: int = 2, datadir: Path | None = None,
          out: TextIO = sys.stdout, ready_timeout: float = 60.0) -> int:
    """Run the app under gunicorn against an embedded PostgreSQL until SIGTERM
    or SIGINT; print ``Serving on http://HOST:PORT/`` once it is ready."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    # Only set a flag: cleanup then runs in order (gunicorn, then PostgreSQL)
    # whatever phase the signal arrives in, leaving no stray process.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with tempfile.TemporaryDirectory(prefix="securesample-") as tmp:
            pgdata = datadir or Path(tmp) / "pgdata"
            _start_reaper(pgdata, Path(tmp))
            with embedded_postgres(pgdata) as db:
                if stop.is_set():
                    return 0
                return _run_gunicorn(db, host, port, workers, out, stop, ready_timeout)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_reaper(pgdata: Path, temp_dir: Path) -> None:
    """Start the watcher that stops PostgreSQL if this process is killed
    outright; its own session keeps it out of signals sent to our group."""
    subprocess.Popen(  # nosec B603 # pylint: disable=consider-using-with
        [sys.executable, "-m", "app.pg_reaper", str(os.getpid()), str(pgdata.resolve()), str(temp_dir)],
        cwd=PACKAGE_DIR.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _run_gunicorn(db: EmbeddedPostgres, host: str, port: int, workers: int, out: TextIO,
                  stop: threading.Event, ready_timeout: float) -> int:
    listener = socket.create_server((host, port), backlog=256)
    with listener:
        bound_port = listener.getsockname()[1]
        # Not a `with`: the process must outlive this block; the finally below stops it.
        proc = subprocess.Popen(  # nosec B603 # pylint: disable=consider-using-with
            gunicorn_command(listener.fileno(), workers),
            env=runtime_environment(db), pass_fds=(listener.fileno(),), cwd=PACKAGE_DIR.parent,
        )
    try:
        if not _wait_ready(host, bound_port, proc, stop, ready_timeout):
            if stop.is_set():
                return 0
            log.error("the app did not become ready", extra={"event": "serve_failed"})
            return 1
        display_host = f"[{host}]" if ":" in host else host
        print(f"Serving on http://{display_host}:{bound_port}/", file=out, flush=True)
        while not stop.is_set():
            if proc.poll() is not None:
                log.error("gunicorn exited unexpectedly", extra={"event": "serve_failed"})
                return 1
            stop.wait(0.5)
        return 0
    finally:
        _stop_process(proc)

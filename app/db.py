"""A lazily opened connection pool per process.

Gunicorn forks workers after importing the app, and a pool's connections and
threads must not cross a fork, so the pool opens on first use in the worker.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from app.config import DatabaseSettings


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or answered with a connection error."""


class Database:
    def __init__(self, settings: DatabaseSettings, max_size: int = 4, timeout: float = 3.0) -> None:
        self._settings = settings
        self._max_size = max_size
        self._timeout = timeout
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    @property
    def timeout(self) -> float:
        """Seconds to wait for a connection before giving up."""
        return self._timeout

    def _get_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self._settings.conninfo(),
                    min_size=1,
                    max_size=self._max_size,
                    timeout=self._timeout,
                    # Every statement the app runs is a single statement or a
                    # function call, so autocommit keeps each one atomic.
                    kwargs={"autocommit": True},
                    # Drop connections the server closed (restart, failover).
                    check=ConnectionPool.check_connection,
                    open=False,
                    name="securesample",
                )
                self._pool.open(wait=False)
            return self._pool

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """Yield a pooled connection; connection failures become DatabaseUnavailable."""
        try:
            with self._get_pool().connection(timeout=timeout) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise DatabaseUnavailable(type(exc).__name__) from exc

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

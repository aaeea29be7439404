"""A deadline for the request head (request line and headers) in gunicorn.

Gunicorn's threaded worker gives a connection a thread as soon as its first
bytes arrive and then reads the head with no overall time limit, so clients
that send one header line a second (slowloris) hold a thread each for as long
as they like: nine of them starve 2 workers x 4 threads, /healthz included.
``install`` bounds the whole head read: a client that has not sent its
complete head within the deadline is disconnected and its thread freed.

In production the Application Gateway buffers complete requests before they
reach the app, so this guards the configurations that face clients directly:
compose, the nightly job and ``python -m app serve``.
"""
from __future__ import annotations

import time

import gunicorn.http.message
import gunicorn.http.parser
import gunicorn.http.unreader
from gunicorn.http.errors import NoMoreData

DEFAULT_HEADER_TIMEOUT = 10.0


class DeadlineSocketUnreader(gunicorn.http.unreader.SocketUnreader):
    """Reads from the socket; while ``head_deadline`` is set, no read may end after it."""

    head_deadline: float | None = None

    def chunk(self, size_hint=None):  # type: ignore[no-untyped-def]
        if self.head_deadline is None:
            return super().chunk(size_hint)
        remaining = self.head_deadline - time.monotonic()
        if remaining <= 0:
            raise NoMoreData(b"")
        previous = self.sock.gettimeout()
        self.sock.settimeout(remaining)
        try:
            return super().chunk(size_hint)
        except TimeoutError:
            # The worker treats NoMoreData as a client that went away: it
            # closes the connection quietly and frees the thread.
            raise NoMoreData(b"") from None
        finally:
            self.sock.settimeout(previous)


def install(timeout: float = DEFAULT_HEADER_TIMEOUT) -> None:
    """Use the deadline for every request gunicorn parses from a socket."""
    if getattr(gunicorn.http.message.Request.parse, "_securesample_deadline", False):
        return
    original_parse = gunicorn.http.message.Request.parse

    def parse_within_deadline(self, unreader):  # type: ignore[no-untyped-def]
        if not isinstance(unreader, DeadlineSocketUnreader):
            return original_parse(self, unreader)
        # parse() reads the head only; the body is read later, by the app.
        unreader.head_deadline = time.monotonic() + timeout
        try:
            return original_parse(self, unreader)
        finally:
            unreader.head_deadline = None

    parse_within_deadline._securesample_deadline = True  # type: ignore[attr-defined]  # pylint: disable=protected-access
    gunicorn.http.message.Request.parse = parse_within_deadline  # type: ignore[method-assign]
    gunicorn.http.parser.SocketUnreader = DeadlineSocketUnreader  # type: ignore[misc]

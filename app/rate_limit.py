"""Suggestion rate limiting: who counts as one client, and how many
submissions a client gets per window. The counting itself happens in
PostgreSQL (``catalog.take_submission_slot``), so the limit holds across
gunicorn workers and app instances without another service."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class SubmissionLimit:
    per_window: int
    window_seconds: int


def client_key(secret: str, remote_addr: str | None) -> str:
    """A keyed hash of the client's address: the database never stores an IP.

    IPv6 clients are counted per /64, the block one subscriber usually gets,
    so that rotating through addresses in it does not reset the limit.
    """
    address = remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        pass
    else:
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
            address = str(ipaddress.IPv6Network((parsed, 64), strict=False))
        elif isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
            address = str(parsed.ipv4_mapped)
    return hmac.new(secret.encode("utf-8"), address.encode("utf-8"), hashlib.sha256).hexdigest()

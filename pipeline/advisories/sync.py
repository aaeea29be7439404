"""Fetch (or refresh) the OSV project's PyPI export, for CI to cache and offline runs to use.

The download goes to a temporary file beside the destination and replaces it only once it is a
readable zip of OSV records, so an interrupted or garbled download never replaces a good database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..errors import HarnessError
from .database import AdvisoryDB, AdvisoryError

EXPORT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
FILE_NAME = "PyPI-all.zip"


class SyncError(HarnessError):  # exit 2: a scan or verdict that cannot be trusted
    """The export could not be fetched or is not usable; the message says why."""


def default_destination() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "secure-pipeline" / "advisories" / FILE_NAME


def destination_file(dest: str | Path) -> Path:
    """A folder (existing, or written with a trailing slash) receives ``PyPI-all.zip``."""
    path = Path(dest).expanduser()
    return path / FILE_NAME if path.is_dir() or str(dest).endswith(("/", os.sep)) else path


def sync(dest: str | Path | None = None, url: str = EXPORT_URL, timeout: float = 120.0) -> tuple[Path, AdvisoryDB]:
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise SyncError(f"refusing to download advisories from {url!r}: only http(s) URLs are allowed")
    target = destination_file(dest if dest else default_destination())
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=".download-", suffix=".zip", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                # nosec B310: the scheme is checked above (http/https only, no file: or custom schemes)
                with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  # nosec B310
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise SyncError(
                    f"cannot download {url}: {reason}. No network here? An offline run can use an existing "
                    "database: `pipeline run deps --offline --advisory-db PATH`"
                ) from exc
        try:
            db = AdvisoryDB.load(tmp)
        except AdvisoryError as exc:
            raise SyncError(f"the download from {url} is not a usable OSV export: {exc}") from exc
        tmp.replace(target)
        db.source = target.resolve()
    finally:
        tmp.unlink(missing_ok=True)
    meta = {"url": url, "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "records": db.records, "newest_record": db.newest.isoformat() if db.newest else None}
    target.with_name(target.name + ".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return target, db

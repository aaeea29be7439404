"""Suite-wide test settings: which tests must share one xdist worker."""

from __future__ import annotations

from pathlib import Path

import pytest

_APP = Path(__file__).resolve().parent / "app"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The app tests start and stop PostgreSQL and gunicorn and check that none outlives them by
    # looking at every process of the machine: run them one after another, in one worker.
    for item in items:
        if _APP in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("app"))

"""Suite-wide test settings: which tests must share one xdist worker."""

from __future__ import annotations

from pathlib import Path

import pytest

_APP = Path(__file__).resolve().parent / "app"
# Outside tests/app, what also watches the machine's PostgreSQL processes (the sample-app deployment).
_WATCHES_POSTGRES = {Path(__file__).resolve().parent / "zap" / "test_deploy.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The app tests start and stop PostgreSQL and gunicorn and check that none outlives them by
    # looking at every process of the machine: run them one after another, in one worker.
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if _APP in path.parents or path in _WATCHES_POSTGRES:
            item.add_marker(pytest.mark.xdist_group("app"))


@pytest.fixture(autouse=True)
def _private_result_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every `pipeline run` a test starts gets a fresh result cache of its own: none reads the user's
    # ~/.cache, and no test's results feed another's.
    monkeypatch.setenv("SECURE_PIPELINE_CACHE", str(tmp_path_factory.mktemp("result-cache")))

"""The README's configuration reference matches the declared options, key for key."""

from __future__ import annotations

from pipeline.config import GLOBAL_OPTIONS
from pipeline.docs import END, README, START, markdown
from pipeline.options import COMMON_STAGE_OPTIONS


def test_generated_stage_option_reference_is_current():
    readme = README.read_text(encoding="utf-8")
    block = START + readme.split(START, 1)[1].split(END, 1)[0] + END
    assert block == markdown(), "README.md is stale: run `python -m pipeline.docs --write`"


def test_every_global_and_common_key_is_documented():
    readme = README.read_text(encoding="utf-8")
    for option in (*GLOBAL_OPTIONS, *COMMON_STAGE_OPTIONS):
        assert f"| `{option.key}` |" in readme, option.key


def test_exit_codes_are_documented():
    readme = README.read_text(encoding="utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in readme

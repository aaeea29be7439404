"""The reports' JSON text (pipeline/json_text.py): the same value as json.dumps writes, indented only
down to the given depth, one item per line below it."""

from __future__ import annotations

import json
import math

import pytest

from pipeline import json_text

VALUES = [
    {"findings": [{"tool": "bandit", "location": {"path": "é/ü.py", "line": 3}, "cwe": [78]}] * 3, "empty": [], "none": {}},
    [1, 2.5, -0.0, True, None, "\u2028\x00\"\\", [[[]]]],
    {"big": 10**30, "small": 1e-300, "nested": {"a": {"b": {"c": {"d": [1, {"e": "f"}]}}}}},
    "just a string", 7, None, [],
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("depth", [0, 1, 2, 4, 10])
def test_the_text_parses_to_what_json_dumps_writes(value, depth):
    text = json_text.dumps(value, depth=depth)
    assert json.loads(text) == json.loads(json.dumps(value, ensure_ascii=False))
    assert "\\u00e9" not in text  # not ASCII-escaped, as the reports always were


def test_items_below_the_depth_are_one_line_each():
    data = {"schema": "x", "findings": [{"tool": "a", "location": {"line": 1}}, {"tool": "b", "location": {"line": 2}}]}
    lines = json_text.dumps(data).splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert '    {"tool": "a", "location": {"line": 1}},' in lines
    assert '    {"tool": "b", "location": {"line": 2}}' in lines


def test_keys_are_written_as_json_dumps_writes_them():
    data = {1: "int", 2.5: "float", None: "none", False: "bool", "s": "str"}
    assert json.loads(json_text.dumps(data)) == json.loads(json.dumps(data))
    with pytest.raises(TypeError):
        json_text.dumps({(1, 2): "tuple"})


def test_down_to_the_depth_the_text_is_json_dumps_indent_2():
    for data in ({"x": [math.nan, math.inf], "é": "ü", "e": [], "o": {}}, [{"a": 1}, "b"], {}):
        assert json_text.dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)

"""rules.tsv parsing: zap-baseline.py's grammar, and a clear file:line error for each malformed case."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError
from pipeline.zap.rules_file import RulesFileError, load, parse

ROOT = Path(__file__).resolve().parents[2]


def test_parses_levels_messages_comments_and_out_of_scope():
    text = ("# comment\n\n10021\tFAIL\t(X-Content-Type-Options Header Missing)\n"
            "10035\tINFO\t(Strict-Transport-Security Header Not Set)\tfixed by the CDN\n"
            "10049\tIGNORE\t(Storable and Cacheable Content)\n"
            "*\tOUTOFSCOPE\t.*/robots\\.txt\n10020,10021\tOUTOFSCOPE\thttps://www.example.com/\n")
    rules = parse(text, "rules.tsv")
    assert rules.level_for("10021") == "FAIL" and rules.level_for("10049") == "IGNORE"
    assert rules.level_for("99999") == "WARN"  # zap-baseline.py's default
    assert rules.message_for("10035") == "fixed by the CDN"
    assert rules.out_of_scope_for("10038", "http://x/robots.txt").line == 6
    assert rules.out_of_scope_for("10020", "https://www.example.com/a")
    assert rules.out_of_scope_for("10038", "https://www.example.com/a") is None
    assert rules.out_of_scope_for("10038", "http://x/robots.txt.bak") is not None  # re.match, not fullmatch


def test_later_line_wins_like_zap_baseline():
    assert parse("10021\tWARN\t(a)\n10021\tFAIL\t(a)\n", "r").level_for("10021") == "FAIL"


@pytest.mark.parametrize("line,problem", [
    ("10021 FAIL (X-Content-Type-Options Header Missing)", "separators look like spaces"),
    ("10021\tFAIL (X-Content-Type-Options Header Missing)", "separators look like spaces"),
    ("10021\tFAIL\t", "third field is empty"),
    ("10021\tfail\t(name)", "levels are upper case: FAIL"),
    ("10021\tBLOCK\t(name)", "unknown level 'BLOCK'"),
    ("10021\t FAIL\t(name)", "unknown level ' FAIL'"),
    ("abc\tFAIL\t(name)", "rule id 'abc' is not numeric"),
    ("10021 \tFAIL\t(name)", "rule id '10021 ' is not numeric"),
    ("-1\tFAIL\t(name)", "is not numeric"),
    ("10021,abc\tOUTOFSCOPE\t.*", "OUTOFSCOPE needs"),
    ("*\tOUTOFSCOPE\t(unclosed", "regex '(unclosed' is invalid"),
    ("10021\tFAIL\t(name)\tmessage\textra", "too many TAB-separated fields"),
    ("10021\tFAIL\t(name)\t\tmessage", "too many TAB-separated fields"),
])
def test_malformed_lines_name_file_and_line(line, problem):
    with pytest.raises(RulesFileError) as caught:
        parse(f"# header\n10010\tFAIL\t(ok)\n{line}\n", "zap-config/rules.tsv")
    message = str(caught.value)
    assert message.startswith("zap-config/rules.tsv:3: ") and problem in message
    assert isinstance(caught.value, ConfigError)  # the CLI maps ConfigError to exit code 3


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(RulesFileError, match="rules file not found"):
        load(tmp_path / "nope.tsv", "nope.tsv")


def test_shipped_rules_file_is_valid_zap_baseline_syntax():
    text = (ROOT / "zap-config" / "rules.tsv").read_text()
    rules = parse(text, "zap-config/rules.tsv")
    for line in text.splitlines():  # exactly what zap_common.load_config accepts
        if line.startswith("#") or not line.strip():
            continue
        key, level, name = line.rstrip().split("\t", 2)
        assert level in ("IGNORE", "INFO", "WARN", "FAIL") and key.isdigit() and name.startswith("(")
    missing_headers = ("10020", "10021", "10035", "10038", "10063", "90004", "10055")
    assert all(rules.level_for(i) == "FAIL" for i in missing_headers)

"""Numbers in words read as digits for the prose number check, in English and Chinese."""

from __future__ import annotations

import pytest

from bot.engine.numerals import digits_for_words


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Revenue grew fifty percent.", "Revenue grew 50 percent."),
        ("We expect forty-five percent", "We expect 45 percent"),
        ("two hundred million units", "200000000 units"),
        ("营收增长百分之五十。", "营收增长50%。"),
        ("营收为一百二十亿美元", "营收为12000000000美元"),
        ("毛利率三点五倍", "毛利率3.5倍"),
        ("one of our customers", "one of our customers"),  # a lone small number stays a word
        ("一些客户，统一标准", "一些客户，统一标准"),  # a lone numeral character is part of a word
        ("", ""),
    ],
)
def test_number_words_become_digits(text: str, read: str) -> None:
    assert digits_for_words(text) == read

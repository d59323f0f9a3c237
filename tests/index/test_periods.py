"""Reading periods out of questions and transcript openings, in English and Chinese."""

from __future__ import annotations

import pytest

from index.periods import find_periods


@pytest.mark.parametrize(
    ("text", "kind", "year", "quarter"),
    [
        ("automotive revenue in fiscal Q3 2024?", "quarter", 2024, 3),
        ("data center in Q2 FY25", "quarter", 2025, 2),
        ("the fiscal 2025 second quarter", "quarter", 2025, 2),
        ("2Q25 gross margin", "quarter", 2025, 2),
        ("Q3 2024 results", "quarter", 2024, 3),
        ("FY2026 Q3", "quarter", 2026, 3),
        ("welcome to the call for the second quarter of fiscal 2025.", "quarter", 2025, 2),
        ("Fiscal Year 2025 First Quarter Earnings Conference Call", "quarter", 2025, 1),
        ("2025财年第二季度的指引", "quarter", 2025, 2),
        ("台积电2025年第二季度", "quarter", 2025, 2),
        ("25年Q4的营收", "quarter", 2025, 4),
        ("calendar Q3 2024", "calendar_quarter", 2024, 3),
        ("去年第四季度", "last_year", None, 4),
        ("since 2024", "since", 2024, None),
        ("自2024年以来", "since", 2024, None),
        ("in 2024", "year", 2024, None),
        ("fiscal 2025", "fiscal_year", 2025, None),
        ("2025财年", "fiscal_year", 2025, None),
        ("the second quarter", "quarter_only", None, 2),
        ("第三季度", "quarter_only", None, 3),
    ],
)
def test_periods_are_read(text: str, kind: str, year: int | None, quarter: int | None) -> None:
    found = find_periods(text)
    assert found, text
    assert (found[0].kind, found[0].year, found[0].quarter) == (kind, year, quarter)


@pytest.mark.parametrize(
    "text",
    ["last quarter", "the latest call", "上个季度", "最近一次财报会", "most recent earnings call"],
)
def test_relative_periods_mean_the_newest_call(text: str) -> None:
    assert [p.kind for p in find_periods(text)] == ["latest"]


def test_month_named_quarters_keep_the_month() -> None:
    (found,) = find_periods("the September quarter of 2024")
    assert (found.kind, found.month, found.year) == ("month_quarter", 9, 2024)
    (bare,) = find_periods("KLA's June quarter")
    assert (bare.month, bare.year) == (6, None)


@pytest.mark.parametrize(
    "text",
    ["revenue grew 15% to $30 billion", "an H100 with 80 GB", "a 2nm process", "Q&A session"],
)
def test_numbers_that_are_not_periods_are_left_alone(text: str) -> None:
    assert find_periods(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Intel Q3 18A progress",  # a process node, not 2018
        "Q4, 12 customers",  # a count
        "first quarter 30 percent",
        "TSMC Q2 24/7 fab utilization",
        "after 25 years",
    ],
)
def test_numbers_beside_a_quarter_are_not_years(text: str) -> None:
    assert all(p.year is None for p in find_periods(text)), find_periods(text)


@pytest.mark.parametrize(
    ("text", "year", "quarter"),
    [
        ("the last quarter of 2024", 2024, 4),
        ("NVIDIA 2Q FY25", 2025, 2),
        ("Q2'25 gross margin", 2025, 2),
        ("２０２５年第二季度", 2025, 2),  # full-width digits
        ("2025財年第二季度", 2025, 2),  # Traditional characters
    ],
)
def test_more_ways_to_name_a_quarter(text: str, year: int, quarter: int) -> None:
    (found,) = find_periods(text)
    assert (found.year, found.quarter) == (year, quarter)


def test_pathological_input_is_read_in_bounded_time() -> None:
    # Runs of spaces are collapsed and only the first MAX_CHARS are read; these used to take
    # seconds (nested optional spaces in one rule backtracked).
    for text in ("2025年1月" + " " * 20_000 + "x", "Q" * 20_000, "2025年" * 5_000):
        assert len(find_periods(text)) <= 4


def test_calls_named_by_the_month_they_were_held() -> None:
    (found,) = find_periods("on their January 2025 calls")
    assert (found.kind, found.year, found.month) == ("call_month", 2025, 1)
    (chinese,) = find_periods("泛林2025年1月的财报会")
    assert (chinese.kind, chinese.month) == ("call_month", 1)

"""How a quote says where and when it comes from."""

from __future__ import annotations

from bot.engine.models import Quote


def _quote(title: str, **extra: str) -> Quote:
    return Quote(n=1, text="t", title=title, doc="d", kind="transcript", **extra)


def test_a_call_is_named_by_company_and_period() -> None:
    call = _quote("NVIDIA FY2025 Q2 earnings call", company="NVIDIA", period="FY2025 Q2")
    assert call.source_label() == "NVIDIA · FY2025 Q2 earnings call"
    assert (
        _quote("台积电法说会", company="TSMC", period="Q2 2025")
        .source_label()
        .endswith("earnings call")
    )


def test_a_memo_keeps_its_own_name_and_an_undated_call_says_when_its_quarter_closed() -> None:
    memo = _quote("聯發科_20260311", company="MediaTek", period="Q4 2025", date="2026-03-11")
    assert memo.source_label() == "聯發科_20260311" and memo.when() == "2026-03-11"
    undated = _quote("KLA FY2025 Q1 earnings call", company="KLA", period="FY2025 Q1")
    undated = Quote(**{**undated.__dict__, "period_end": "2024-09"})
    assert undated.when() == "quarter ended Sep 2024"
    assert _quote("Untitled").when() is None

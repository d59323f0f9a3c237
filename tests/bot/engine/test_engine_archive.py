"""Who and when through the real path (embedded Chroma, the bundled model, BM25, verifier):
a small archive of machine-transcribed calls, one ``sources.yaml`` entry per company."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import AskContext
from index.models import Filters
from index.sources import SourceSpec
from tests.conftest import make_settings

pytestmark = pytest.mark.slow
ARCHIVE = Path(__file__).resolve().parents[2] / "fixtures" / "archive"


@pytest.fixture(scope="module")
def archive_engine(
    tmp_path_factory: pytest.TempPathFactory, embed_cache: Path
) -> Iterator[ChipquoteEngine]:
    engine = build_engine(
        make_settings(tmp_path_factory.mktemp("archive-home")), embed_cache=embed_cache
    )
    engine.registry.configured = [
        SourceSpec("nvidia", str(ARCHIVE), {"company": "NVIDIA"}, "config", ("NVDA_*.txt",)),
        SourceSpec("kla", str(ARCHIVE), {"company": "KLA"}, "config", ("KLAC_*.txt",)),
    ]
    report = engine.reindex()
    assert len(report.added) == 4 and not report.failed
    yield engine


def _docs(answer_quotes: list) -> set[str]:  # type: ignore[type-arg]
    return {q.doc.rsplit(":", 1)[-1] for q in answer_quotes}


def test_a_named_quarter_is_the_only_call_quoted(archive_engine: ChipquoteEngine) -> None:
    answer = archive_engine.answer("How much data center revenue did NVIDIA report in Q2 FY25?")
    assert not answer.abstained
    assert _docs(answer.quotes) == {"NVDA_2025_Q2.txt"}
    assert any("$26.3 billion" in q.text for q in answer.quotes)
    assert answer.searching == "NVIDIA · FY2025 Q2"
    quote = answer.quotes[0]
    assert quote.source_label() == "NVIDIA · FY2025 Q2 earnings call"
    assert quote.when() == "2024-08-28"  # the date the call itself states
    explained = answer.to_json()["filters"]
    assert explained["company"][0]["value"] == "NVIDIA"
    assert explained["period"]["text"] == "Q2 FY25"
    hits = archive_engine.retrieve("How much data center revenue did NVIDIA report in Q2 FY25?")
    assert hits and {h.chunk.period for h in hits} == {"FY2025 Q2"}


def test_a_chinese_question_resolves_the_fiscal_quarter(archive_engine: ChipquoteEngine) -> None:
    answer = archive_engine.answer("英伟达2025财年第三季度的数据中心收入是多少?")
    assert not answer.abstained
    assert _docs(answer.quotes) == {"NVDA_2025_Q3.txt"}


def test_a_quarter_that_is_not_indexed_gets_the_precise_reply(
    archive_engine: ChipquoteEngine,
) -> None:
    answer = archive_engine.answer("What did NVIDIA say about Blackwell in fiscal 2026 Q3?")
    assert answer.abstained and not answer.quotes
    assert answer.answer.startswith(
        "No NVIDIA FY2026 Q3 call is indexed; the newest is FY2025 Q3 (2024-11-20)."
    )
    assert answer.closest and _docs(answer.closest) == {"NVDA_2025_Q3.txt"}  # offered instead


def test_a_company_without_calls_gets_the_precise_reply(archive_engine: ChipquoteEngine) -> None:
    answer = archive_engine.answer("What did TSMC say about CoWoS capacity?")
    assert answer.abstained and not answer.quotes
    assert "No TSMC call is indexed. Calls are indexed for: KLA, NVIDIA." in answer.answer


def test_machine_mishearings_are_found_by_the_right_term(
    archive_engine: ChipquoteEngine,
) -> None:
    answer = archive_engine.answer("Did NVIDIA mention CoWoS capacity in fiscal 2025 Q1?")
    assert any("COAS capacity" in q.text for q in answer.quotes)  # the source's own spelling
    hbm = archive_engine.retrieve("What did KLA say about HBM inspection?", k=3)
    assert "HVM inspection" in hbm[0].chunk.text


def test_month_named_quarter_and_latest_call(archive_engine: ChipquoteEngine) -> None:
    kla = archive_engine.answer(
        "What share of KLA's revenue came from China in the September quarter of 2024?"
    )
    assert _docs(kla.quotes) == {"KLAC_2025_Q1.txt"}
    latest = archive_engine.answer("What did NVIDIA say about gross margins on its latest call?")
    assert _docs(latest.quotes) == {"NVDA_2025_Q3.txt"}


def test_chat_options_give_company_and_period(archive_engine: ChipquoteEngine) -> None:
    context = AskContext(filters=Filters(company="英伟达", period="FY2025 Q1"))
    answer = archive_engine.answer("What did they say about sovereign AI?", context)
    assert _docs(answer.quotes) == {"NVDA_2025_Q1.txt"}
    assert answer.to_json()["filters"]["company"][0]["from"] == "option: 英伟达"


def test_indexed_calls_list_companies_and_periods_newest_first(
    archive_engine: ChipquoteEngine,
) -> None:
    assert archive_engine.indexed_calls() == {
        "KLA": ["FY2025 Q1"],
        "NVIDIA": ["FY2025 Q3", "FY2025 Q2", "FY2025 Q1"],
    }
    listed = {d.title: d.who_and_when() for s in archive_engine.sources() for d in s.documents}
    assert listed["NVIDIA FY2025 Q2 earnings call"] == "NVIDIA (NVDA) · FY2025 Q2 · 2024-08-28"
    assert listed["KLA FY2025 Q1 earnings call"] == "KLA (KLAC) · FY2025 Q1 · ?"

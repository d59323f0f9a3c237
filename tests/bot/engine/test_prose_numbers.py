"""The prose number rule, attacked: every figure an LLM's sentence states must be in the text of
the sentence it cites, read with its scale, sign and words (found by a review: lone Chinese
numerals, 万/亿 after digits, signs after CJK, "bn"/"M", scales compared as a set, multiplier
words, a count that looks like a year)."""

from __future__ import annotations

import pytest

from bot.engine.drafts import verify_draft
from bot.engine.llm import Draft
from bot.engine.sentence_ids import citations
from index.models import Chunk, Hit

ZH = "毛利率下降了3%，达到75%。数据中心收入达到3.5亿美元。主权AI收入将达到45亿美元。"
EN = (
    "Sovereign AI revenue will reach $4.5 billion this year, from 3 million GPUs shipped. "
    "Gross margin was down 3% in the third quarter. Demand for Blackwell is well above supply."
)


def _hits(text: str, lang: str) -> list[Hit]:
    chunk = Chunk(
        chunk_id="c1",
        text=text,
        doc_id="d",
        source_id="s",
        title="NVIDIA Q3 FY2025 call",
        kind="transcript",
        char_start=0,
        char_end=len(text),
        content_hash="h",
        company="NVIDIA",
        speaker="Colette Kress",
        date="2024-05-22",
        lang=lang,
        period="FY2025 Q3",
    )
    return [Hit(chunk=chunk, score=1.0)]


def _kept(text: str, prose: str, lang: str) -> bool:
    result = verify_draft(Draft(answer=prose, cited=citations(prose)), _hits(text, lang), 5, lang)
    assert result.answer is not None
    return result.checks["prose_kept"] == 1


@pytest.mark.parametrize(
    "prose",
    [
        "毛利率下降了百分之九[1.1]。",
        "毛利率下降了九成[1.1]。",
        "毛利率下降了一半[1.1]。",
        "收入增长了五倍[1.2]。",
        "英伟达在第四季度收入达到3.5亿美元[1.2]。",
        "数据中心收入达到3.5万美元[1.2]。",
        "主权AI收入将达到45万美元[1.3]。",
        "主权AI收入将达到3.5兆美元[1.3]。",
        "毛利率为-3%[1.1]。",
        "毛利率下降了负3%[1.1]。",
        "毛利率下降了負3%[1.1]。",
        "数据中心收入达到3千万美元[1.2]。",
        "数据中心收入达到3.5百万美元[1.2]。",
        "数据中心收入同比翻了一番[1.2]。",
        "数据中心收入同比翻了两番[1.2]。",
        "数据中心收入同比增长了百分之百[1.2]。",
        "FY24数据中心收入达到3.5亿美元[1.2]。",
    ],
)
def test_chinese_figures_the_source_does_not_state_are_removed(prose: str) -> None:
    assert not _kept(ZH, prose, "zh")


@pytest.mark.parametrize(
    "prose",
    [
        "毛利率下降了3%[1.1]。",
        "毛利率下降了百分之三[1.1]。",
        "数据中心收入达到三点五亿美元[1.2]。",
        "主权AI收入将达到45亿美元[1.3]。",
        "第三季度，主权AI收入将达到45亿美元[1.3]。",
        "2025财年，主权AI收入将达到45亿美元[1.3]。",
        "这是一个好消息，主权AI收入将达到45亿美元[1.3]。",
        "在一年内，主权AI收入将达到45亿美元[1.3]。",
        "英伟达是第一家主权AI收入将达到45亿美元的公司[1.3]。",
        "两家公司的主权AI收入将达到45亿美元[1.3]。",
    ],
)
def test_chinese_figures_the_source_states_are_kept(prose: str) -> None:
    assert _kept(ZH, prose, "zh")


@pytest.mark.parametrize(
    "prose",
    [
        "Revenue will reach $4.5 trillion [1.1].",
        "Revenue will reach $4.5M [1.1].",
        "Revenue will reach $4.5 million [1.1].",  # "million" is in the passage, with 3
        "They shipped 3 billion GPUs [1.1].",
        "Revenue will double [1.1].",
        "Gross margin was halved [1.2].",
        "Gross margin was down 3% in the fourth quarter [1.2].",
        "NVIDIA shipped 2024 Blackwell systems [1.3].",
        "Gross margin was down -3% [1.2].",
        "Revenue will reach $4.5 mln [1.1].",
        "Revenue nearly quintupled [1.1].",
        "Revenue grew by an order of magnitude [1.1].",
        "Gross margin was down 3% in the second quarter [1.2].",
        "In FY24, demand for Blackwell was well above supply [1.3].",
    ],
)
def test_english_figures_the_source_does_not_state_are_removed(prose: str) -> None:
    assert not _kept(EN, prose, "en")


@pytest.mark.parametrize(
    "prose",
    [
        "Revenue will reach $4.5bn [1.1].",
        "Revenue will reach $4.5 billion from three million GPUs [1.1].",
        "In Q3 FY2025, gross margin was down 3% [1.2].",
        "In 2024, demand was well above supply [1.3].",
        "Gross margin was down three percent in the third quarter [1.2].",
        "Gross margin was down 3% in the third fiscal quarter of fiscal 2025 [1.2].",
        "One of the signs: demand for Blackwell is well above supply [1.3].",
    ],
)
def test_english_figures_the_source_states_are_kept(prose: str) -> None:
    assert _kept(EN, prose, "en")

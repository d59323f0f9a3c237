"""Unknown names make the bot abstain: a question about something no chunk mentions."""

from __future__ import annotations

from bot.engine.confidence import unknown_entities
from index.bm25 import BM25Index
from index.models import Chunk


def _index(*texts: str) -> BM25Index:
    chunks = [
        Chunk(
            chunk_id=str(i),
            text=t,
            doc_id="d",
            source_id="s",
            title="t",
            kind="transcript",
            char_start=0,
            char_end=len(t),
            content_hash="h",
            company="NVIDIA",
        )
        for i, t in enumerate(texts)
    ]
    return BM25Index.build(chunks)


BM25 = _index(
    "Blackwell shipments grew and H100 demand stays strong in FY25.",
    "Hopper and Blackwell sell out; Huang expects more.",
)


def test_model_numbers_and_companies_never_indexed_are_unknown() -> None:
    assert unknown_entities("What is the MI300X's HBM capacity?", BM25) == ["MI300X", "HBM"]
    assert unknown_entities("华为昇腾910B的性能跟H100比怎么样?", BM25) == ["910B", "Huawei"]
    assert unknown_entities("How does Samsung compare?", BM25) == ["Samsung"]


def test_known_names_and_fiscal_periods_are_fine() -> None:
    assert unknown_entities("How did H100 and Blackwell do in FY25 and Q3?", BM25) == []
    assert unknown_entities("英伟达的Blackwell卖得怎么样?", BM25) == []  # 英伟达 = NVIDIA
    assert unknown_entities("What about 2027 and 1H?", BM25) == []

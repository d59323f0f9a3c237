"""Several companies' results are taken in turn, so one cannot crowd out another."""

from __future__ import annotations

from bot.engine.engine import interleave
from index.models import Chunk, Hit


def _hit(chunk_id: str, score: float) -> Hit:
    chunk = Chunk(chunk_id, "text", "doc", "src", "T", "transcript", 0, 4, "h")
    return Hit(chunk=chunk, score=score)


def test_interleave_takes_each_list_in_turn_without_repeats() -> None:
    nvidia = [_hit("n1", 0.9), _hit("n2", 0.8), _hit("n3", 0.7)]
    kla = [_hit("k1", 0.2), _hit("n2", 0.1)]
    assert [h.chunk.chunk_id for h in interleave([nvidia, kla], 4)] == ["n1", "k1", "n2", "n3"]
    assert interleave([], 5) == []

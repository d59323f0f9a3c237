"""A question asked while another process switches versions and drops the old one is still
answered: the engine reloads the new version and retries once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.factory import build_engine
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def test_version_dropped_under_a_loaded_engine_is_reloaded(
    tmp_path: Path, embed_cache: Path
) -> None:
    engine = build_engine(make_settings(tmp_path), embed_cache=embed_cache)
    engine.reindex()
    before = engine.serving_index().version
    assert engine.answer("Is Dojo doing training jobs?").quotes

    store = engine.store  # what another process's reindex does: new version, switch, drop old
    newer = store.create_version(before.embed_model, before.embed_dim)
    store.copy_documents(before.collection, newer, list(store.documents(before.collection)))
    store.switch(newer, before.embed_model, before.embed_dim)
    store.drop(before.collection)

    answer = engine.answer("Is Dojo doing training jobs?")  # pointer check is still cached
    assert any("training jobs" in q.text for q in answer.quotes)
    assert engine.serving_index().version.collection == newer

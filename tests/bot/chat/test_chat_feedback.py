"""Votes are stored in SQLite, one per user per answer, latest wins."""

from pathlib import Path

import pytest

from bot.chat.feedback import FeedbackStats, FeedbackStore
from bot.settings import Settings


def test_one_vote_per_user_per_answer_latest_wins(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record("discord", "a1", "u1", "Is Dojo dead?", 1)
    store.record("discord", "a1", "u1", None, -1)
    store.record("discord", "a1", "u2", "Is Dojo dead?", 1)
    votes = store.votes("a1")
    assert sorted((v.user_id, v.vote) for v in votes) == [("u1", -1), ("u2", 1)]
    assert all(v.question == "Is Dojo dead?" for v in votes)
    assert store.stats() == FeedbackStats(up=1, down=1, answers_rated=1)


def test_question_is_filled_in_from_the_remembered_answer(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.remember_answer("slack", "a2", "英伟达 H20?")
    store.record("slack", "a2", "U1", None, -1)
    assert store.votes("a2")[0].question == "英伟达 H20?"


def test_survives_reopening_and_lives_under_home(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, chipquote_home=tmp_path / "home")  # type: ignore[call-arg]
    FeedbackStore.for_settings(settings).record("discord", "a", "u", "q", 1)
    reopened = FeedbackStore.for_settings(settings)
    assert (tmp_path / "home" / "feedback.sqlite3").exists()
    assert reopened.stats().up == 1
    assert "1 👍" in reopened.stats().summary()


def test_votes_must_be_plus_or_minus_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path / "fb.sqlite3").record("discord", "a", "u", "q", 0)


def test_empty_store_has_zero_stats(tmp_path: Path) -> None:
    assert FeedbackStore(tmp_path / "fb.sqlite3").stats() == FeedbackStats()

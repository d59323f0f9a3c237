"""Questions are cleaned of mentions and refused, with the limit stated, when too long."""

import pytest

from bot import errors
from bot.chat.questions import short_title, strip_mentions, validate_question


def test_discord_and_slack_mentions_are_removed() -> None:
    assert strip_mentions("<@123> what about  <@!456> Dojo?") == "what about Dojo?"
    assert strip_mentions("<@U0ABC|chipquote> 英伟达 <#99> <@&7> H20") == "英伟达 H20"
    assert strip_mentions("<!here> hi") == "hi"


def test_valid_question_is_returned_clean() -> None:
    assert validate_question("<@1>  tesla的dojo是不是要黄了 ", 100) == "tesla的dojo是不是要黄了"


def test_empty_question_is_refused() -> None:
    with pytest.raises(errors.InvalidQuestion, match="ask a question"):
        validate_question("<@123>   ", 100)


def test_too_long_question_states_the_limit() -> None:
    with pytest.raises(errors.InvalidQuestion) as info:
        validate_question("x" * 51, 50)
    assert "limit is 50" in info.value.user_message
    assert "51 characters" in info.value.user_message


def test_mentions_do_not_count_towards_the_limit() -> None:
    assert validate_question("<@123456789012345678> " + "y" * 50, 50) == "y" * 50


def test_short_title_fits_discord_thread_names() -> None:
    assert short_title("a\nb") == "a b"
    title = short_title("word " * 50)
    assert len(title) <= 100 and title.endswith("…")
    assert short_title("  ") == "question"


def test_since_accepts_year_month_day_and_refuses_other_text() -> None:
    from bot.chat.questions import validate_since

    assert validate_since(None) is None and validate_since(" ") is None
    assert validate_since("2024") == "2024" and validate_since("2024-01-24") == "2024-01-24"
    with pytest.raises(errors.InvalidQuestion, match="2024-01"):
        validate_since("last year")


def test_lone_surrogates_and_noncharacters_are_dropped_before_anything_stores_them() -> None:
    question = validate_question("Is Dojo \ud800a long shot\uffff?", 200)
    assert question == "Is Dojo  a long shot ?"
    question.encode("utf-8")  # storable, postable, usable as a thread name

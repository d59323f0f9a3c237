"""A thread's messages become question/answer turns for follow-up questions."""

from bot.chat.conversation import ThreadMessage, build_context, turns_from_messages
from bot.engine.models import Turn
from index.models import Filters


def test_pairs_questions_with_the_answers_that_follow() -> None:
    messages = [
        ThreadMessage(False, "<@1> Is Dojo a long shot?"),
        ThreadMessage(True, "Musk called Dojo a long shot."),
        ThreadMessage(True, "[2] more quotes"),
        ThreadMessage(False, "What about Nvidia?"),
        ThreadMessage(True, "They pursue a dual path."),
        ThreadMessage(False, "And Dojo 2?"),  # the question being asked now: no answer yet
    ]
    assert turns_from_messages(messages) == (
        Turn("Is Dojo a long shot?", "Musk called Dojo a long shot.\n[2] more quotes"),
        Turn("What about Nvidia?", "They pursue a dual path."),
    )


def test_unanswered_questions_and_leading_bot_messages_are_skipped() -> None:
    messages = [
        ThreadMessage(True, "welcome"),
        ThreadMessage(False, "q1"),
        ThreadMessage(False, "q2"),
        ThreadMessage(True, "a2"),
        ThreadMessage(False, "   "),
    ]
    assert turns_from_messages(messages) == (Turn("q2", "a2"),)


def test_only_recent_turns_are_kept_and_answers_clipped() -> None:
    messages = []
    for i in range(8):
        messages += [ThreadMessage(False, f"q{i}"), ThreadMessage(True, "a" * 3000)]
    turns = turns_from_messages(messages, max_turns=3, max_answer_chars=100)
    assert [t.question for t in turns] == ["q5", "q6", "q7"]
    assert all(len(t.answer) == 100 and t.answer.endswith("…") for t in turns)


def test_build_context_carries_filters() -> None:
    context = build_context([], Filters(company="Tesla"))
    assert context.history == ()
    assert context.filters.company == "Tesla"
    assert build_context().filters.is_empty()

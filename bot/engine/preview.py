"""Previews of an LLM answer while its reply streams in: only what the finished answer shows.

The reply's answer so far (:func:`bot.engine.llm.partial_answer`) is cut into sentences and
its last one, which may still grow or gain citations, is left out. The complete sentences go
through the same checks as the finished draft (:func:`bot.engine.drafts.verify_draft`): their
sentence ids resolved to the source's own sentences, each sentence held to the prose rules.
Sentences are checked in order and quotes numbered by first citation, so each preview is the
beginning of the finished answer; one is offered only when it shows more than the last. A
draft that copies quotes (the older prompt style) lists them after its answer, so it has
nothing to preview. A preview that fails to build is logged and skipped: it never costs the
answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace

from bot.engine.drafts import verify_draft
from bot.engine.llm import Draft
from bot.engine.models import Answer
from bot.engine.prose import split_sentences
from bot.engine.sentence_ids import citations, has_ids
from bot.engine.texts import STILL_WRITING, pick
from index.models import Hit

log = logging.getLogger(__name__)
_ENDING = re.compile(r"[.!?。！？\n\]]")
"""A character a sentence may end with: a sentence is complete once text follows one."""

PreviewSink = Callable[[Answer], None]
"""Where previews go (called on the answering thread; must not block)."""


class DraftPreviewer:
    """Turns a streaming reply's answer so far into checked previews for ``show``."""

    def __init__(self, hits: list[Hit], max_quotes: int, lang: str, show: PreviewSink) -> None:
        self._hits = hits
        self._max_quotes = max_quotes
        self._lang = lang
        self._show = show
        self._shown: tuple[int, int] = (0, 0)  # prose sentences and quotes last shown
        self._checked = ""  # the complete sentences last checked (most pieces add none)
        self._seen = 0  # characters of the answer looked at
        self._last_end = -1  # where the last character that may end a sentence is
        self._split_at = -1  # ... when the answer was last split into sentences

    def __call__(self, answer_so_far: str, sent: int) -> None:
        """Offer a preview of the complete sentences of ``answer_so_far`` (checked against
        the ``sent`` passages the model saw) when it shows more than the last one."""
        try:
            preview = self._preview(answer_so_far, sent)
        except Exception:
            log.exception("could not build an answer preview; skipped")
            return
        if preview is not None:
            self._show(preview)

    def _preview(self, answer_so_far: str, sent: int) -> Answer | None:
        ending = max((m.start() for m in _ENDING.finditer(answer_so_far, self._seen)), default=-1)
        self._seen = len(answer_so_far)
        self._last_end = max(self._last_end, ending)
        if self._last_end <= self._split_at or not answer_so_far[self._last_end + 1 :].strip():
            return None  # no sentence completed since the last check: nothing new to see
        self._split_at = self._last_end
        sentences = split_sentences(answer_so_far)
        done = "\n".join(sentences[:-1])  # a line break ends a sentence in the final check too
        if done == self._checked or not has_ids(done):
            return None
        self._checked = done
        draft = Draft(answer=done, cited=citations(done))
        checked = verify_draft(draft, self._hits[:sent], self._max_quotes, self._lang)
        if checked.answer is None or not checked.checks.get("prose_kept"):
            return None
        shown = (checked.checks["prose_kept"], len(checked.answer.quotes))
        if shown <= self._shown:
            return None
        self._shown = shown
        return replace(checked.answer, partial=True, notice=pick(STILL_WRITING, self._lang))


__all__ = ["DraftPreviewer", "PreviewSink"]

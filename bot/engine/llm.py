"""The LLM side (any OpenAI-compatible endpoint): drafting answers, and rewriting questions
(follow-up condensing, translation into the other language).

The default answer prompt (``prompts/answer.md``) sends the passages split into numbered
sentences (:mod:`bot.engine.sentence_ids`) and asks the model to cite sentence ids, never to
copy quotes: the bot renders the cited sentences from the source. A prompt in the older style
(``prompts/answer_quotes.md``: whole passages, copied quotes) still works; which passages a
prompt gets follows from its placeholder (``{passage_sentences}`` or ``{passages}``), and
:func:`parse_draft` reads either kind of reply.

Every call's tokens go to the answer's tally (:mod:`bot.engine.usage`): as the server reports
them (a streamed reply asks for a final usage chunk), else estimated. A draft's prompt holds as
many of the best passages as fit the configured context size.

Nothing the model says is trusted: drafts go through the verifier, and any failure here
(timeout, bad JSON, server error) makes the engine fall back to the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.completion_usage import CompletionUsage

from bot.engine import usage
from bot.engine.models import AskContext, Quote
from bot.engine.prompts import load_prompt, placeholders, render_prompt
from bot.engine.prose import split_sentences
from bot.engine.sentence_ids import SentenceRef, citations, numbered_sentences
from bot.engine.usage import estimate_tokens
from index.models import Hit

log = logging.getLogger(__name__)
MAX_DRAFT_CHARS = 4000  # a short answer is asked for; anything longer is cut before checking
DRAFT_MAX_TOKENS = 600
"""Most tokens a draft's reply may take (kept free in the context window)."""
DEFAULT_CONTEXT_TOKENS = 8192
"""The chat model's context size when none is configured (``CHIPQUOTE_LLM_CONTEXT_TOKENS``)."""
LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}
ANSWER_PROMPT = "answer"
"""The answer prompt's name under ``prompts/`` (``answer_quotes`` is the copied-quote style)."""
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class LLMError(Exception):
    """The model could not be used for this question (the engine falls back)."""


@dataclass
class Draft:
    """A model's answer before verification."""

    answer: str
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (passage number, quote)
    no_answer: bool = False
    passages_dropped: int = 0  # the lowest-ranked passages left out of the prompt to fit
    cited: list[SentenceRef] = field(default_factory=list)  # the answer's citations, in order

    @property
    def by_id(self) -> bool:
        """The answer cites sentence ids (``[2.1]``): its quotes are the cited sentences, and
        any copied quotes are ignored."""
        return any(ref.is_id for ref in self.cited)


class LLMClient:
    """A thin wrapper over ``openai.OpenAI`` with timeouts and the client's own retries."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str | None,
        timeout_s: float,
        retries: int,
        stream: bool = True,
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
        answer_template: str = ANSWER_PROMPT,
    ) -> None:
        self.model = model
        self.answer_template = answer_template
        self.stream = stream
        self.context_tokens = context_tokens
        self._stream_usage = True  # ask for a usage chunk until the server refuses the option
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=retries,
        )

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = DRAFT_MAX_TOKENS,
        on_text: Callable[[str], None] | None = None,
    ) -> str:
        """One chat completion (temperature 0), its tokens counted (see
        :mod:`bot.engine.usage`); raises :class:`LLMError` on any failure, including a stream
        that stops before the model says it finished. A streamed reply is passed to
        ``on_text`` as it grows (the whole reply so far, after each piece)."""
        messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": prompt}]
        content: str | None
        try:
            if self.stream:
                content = self._streamed(prompt, messages, max_tokens, on_text)
            else:
                response = self._client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0, max_tokens=max_tokens
                )
                content = response.choices[0].message.content if response.choices else None
                _count(prompt, content or "", response.usage)
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise LLMError(f"{type(exc).__name__}") from exc
        if not content:
            raise LLMError("empty completion")
        return content

    def _streamed(
        self,
        prompt: str,
        messages: list[ChatCompletionMessageParam],
        max_tokens: int,
        on_text: Callable[[str], None] | None,
    ) -> str:
        """The reply read as a stream of deltas; only a reply the server finished counts. The
        tokens are counted even for a reply cut off (what was received, estimated)."""
        parts: list[str] = []
        finished = False
        reported: CompletionUsage | None = None
        stream = self._open_stream(messages, max_tokens)
        try:
            with stream:
                for event in stream:
                    reported = event.usage or reported  # the last chunk, with no choices
                    grew = False
                    for choice in event.choices:
                        if choice.delta and choice.delta.content:
                            parts.append(choice.delta.content)
                            grew = True
                        finished = finished or choice.finish_reason is not None
                    if grew and on_text is not None:
                        on_text("".join(parts))
        finally:
            _count(prompt, "".join(parts), reported)
        if not finished:
            raise LLMError("the reply stream ended before the model finished")
        return "".join(parts)

    def _open_stream(
        self, messages: list[ChatCompletionMessageParam], max_tokens: int
    ) -> openai.Stream[ChatCompletionChunk]:
        """A streamed completion asking for a final usage chunk; a server that ignores the
        option sends none (tokens are then estimated), and one that refuses it (HTTP 400
        naming ``stream_options``) is asked again without it, from then on."""
        if self._stream_usage:
            try:
                return self._create_stream(
                    messages, max_tokens, stream_options={"include_usage": True}
                )
            except openai.BadRequestError as exc:
                if "stream_options" not in str(exc):
                    raise
                log.warning("the LLM server refuses stream_options; LLM tokens are estimated")
                self._stream_usage = False
        return self._create_stream(messages, max_tokens)

    def _create_stream(
        self, messages: list[ChatCompletionMessageParam], max_tokens: int, **options: Any
    ) -> openai.Stream[ChatCompletionChunk]:
        return self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=0,
            max_tokens=max_tokens,
            stream=True,
            **options,
        )

    def draft(
        self,
        question: str,
        hits: list[Hit],
        lang: str,
        on_text: Callable[[str, int], None] | None = None,
    ) -> Draft:
        """Ask for an answer citing numbered passages (as many of the best ``hits`` as fit the
        context size: see :meth:`answer_prompt`); parse the JSON reply leniently. While the
        reply streams, ``on_text`` gets its answer so far (see :func:`partial_answer`) and the
        number of passages sent."""
        prompt, sent = self.answer_prompt(question, hits, lang)
        progress = None
        if on_text is not None:
            report = on_text

            def progress(reply: str) -> None:
                report(partial_answer(reply), sent)

        draft = parse_draft(self.complete(prompt, max_tokens=DRAFT_MAX_TOKENS, on_text=progress))
        draft.passages_dropped = len(hits) - sent
        return draft

    def answer_prompt(self, question: str, hits: list[Hit], lang: str) -> tuple[str, int]:
        """The answer prompt with the best passages that fit, and how many it holds: while the
        prompt's (estimated) tokens and the reply's :data:`DRAFT_MAX_TOKENS` exceed
        ``context_tokens``, the lowest-ranked passage is left out (``hits`` are best first, so
        the passages sent keep their numbers). Raises :class:`LLMError` when even the best
        passage alone does not fit."""
        language = LANGUAGE_NAMES.get(lang, "English")
        by_id = "passage_sentences" in placeholders(load_prompt(self.answer_template))
        key, render = (
            ("passage_sentences", format_sentence_passages)
            if by_id
            else ("passages", format_passages)
        )
        for count in range(len(hits), 0, -1) if hits else [0]:
            prompt = render_prompt(
                self.answer_template,
                language=language,
                question=question,
                **{key: render(hits[:count])},
            )
            if estimate_tokens(prompt) + DRAFT_MAX_TOKENS <= self.context_tokens:
                if count < len(hits):
                    log.info(
                        "LLM context: %d of %d passages left out to fit %d tokens",
                        len(hits) - count,
                        len(hits),
                        self.context_tokens,
                    )
                return prompt, count
        raise LLMError(f"the best passage does not fit a context of {self.context_tokens} tokens")

    def summary(self, question: str, quotes: str, kind: str, lang: str) -> str:
        """At most two sentences on how a stance changed across calls (``kind`` "timeline")
        or how companies differ ("compare"), citing the numbered ``quotes``; empty when the
        model says the quotes show no such thing. Unchecked: see :mod:`bot.engine.summary`."""
        timeline = kind == "timeline"
        prompt = render_prompt(
            "summary",
            grouping="by call, oldest first" if timeline else "by company",
            task="how the stance changed over time, oldest to newest."
            if timeline
            else "how the companies' accounts differ.",
            absent="a change" if timeline else "a difference",
            language=LANGUAGE_NAMES.get(lang, "English"),
            quotes=quotes,
            question=question,
        )
        reply = self.complete(prompt, max_tokens=200).strip()
        return "" if reply.upper().startswith("NO_SUMMARY") else reply[:MAX_DRAFT_CHARS]

    def rewrites(self, question: str, context: AskContext | None, lang: str) -> list[str]:
        """A standalone version of a follow-up, and the question in the other language."""
        out: list[str] = []
        try:
            standalone = question
            if context and context.history:
                history = "\n".join(f"Q: {t.question}\nA: {t.answer}" for t in context.history[-3:])
                standalone = self.complete(
                    render_prompt("condense", history=history, question=question), max_tokens=120
                ).strip()
                out.append(standalone)
            target = "English" if lang == "zh" else "Simplified Chinese"
            out.append(
                self.complete(
                    render_prompt("translate", target_language=target, question=standalone),
                    max_tokens=120,
                ).strip()
            )
        except LLMError as exc:
            log.warning("question rewrite skipped: LLM unavailable (%s)", exc)
        return [r[:500] for r in out if r]


def _count(prompt: str, reply: str, reported: CompletionUsage | None) -> None:
    """Add one call to the answer's tally: the server's counts, else estimates."""
    tokens_in = int(getattr(reported, "prompt_tokens", 0) or 0)
    tokens_out = int(getattr(reported, "completion_tokens", 0) or 0)
    if tokens_in or tokens_out:
        usage.add(tokens_in, tokens_out)
    else:
        usage.add(estimate_tokens(prompt), estimate_tokens(reply), estimated=True)


def passage_header(n: int, hit: Hit) -> str:
    """``[n] (speaker: …; company: …; period: …; date: …; source: …)``: who said it (and, for
    words a forum post or article attributes to someone, that they are quoted by it), company,
    period, date and source. Each field is kept on one line, so no title or name can add a
    line of its own to the prompt."""
    c = hit.chunk
    quote = Quote.from_chunk(n, c, c.text)
    parts = (
        f"speaker: {quote.attribution()}",
        f"company: {c.company}" if c.company else None,
        f"period: {c.period}" if c.period else None,
        f"date: {c.date}" if c.date else None,
        f"source: {c.title}",
    )
    return f"[{n}] ({'; '.join(_one_line(p) for p in parts if p)})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_passages(hits: list[Hit]) -> str:
    """Numbered passages, each under its :func:`passage_header` (for copied-quote prompts)."""
    return "\n\n".join(f"{passage_header(n, h)}\n{h.chunk.text}" for n, h in enumerate(hits, 1))


def format_sentence_passages(hits: list[Hit]) -> str:
    """Numbered passages, each under its :func:`passage_header`, one sentence a line after its
    id ``[p.s]`` (see :mod:`bot.engine.sentence_ids`)."""
    return "\n\n".join(
        "\n".join([passage_header(n, h), *numbered_sentences(n, h.chunk.quotable_text)])
        for n, h in enumerate(hits, 1)
    )


_ANSWER_VALUE = re.compile(r'\{\s*"answer"\s*:\s*"')
_ESCAPE_TAIL = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?$")


def partial_answer(reply: str) -> str:
    """The ``answer`` of a JSON reply still arriving (``{"answer": "Demand is str``), decoded
    as far as it has come; empty until the value starts, or when the reply is something else.
    Only the answer's complete sentences are ever shown (see :mod:`bot.engine.preview`)."""
    match = _ANSWER_VALUE.search(reply[:200])
    if match is None:
        return ""
    raw = []
    escaped = False
    for ch in reply[match.end() : match.end() + MAX_DRAFT_CHARS]:
        if ch == '"' and not escaped:
            break
        escaped = ch == "\\" and not escaped
        raw.append(ch)
    body = "".join(raw)
    for cut in range(min(len(body), 6) + 1):  # a piece may end inside an escape ("\\u4e")
        try:
            text = _SURROGATES.sub("", str(json.loads(f'"{body[: len(body) - cut]}"')))
        except json.JSONDecodeError:
            continue
        return "" if text.lstrip().upper().startswith("NO_ANSWER") else text
    return ""


_SURROGATES = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""Lone surrogates (raw, or as JSON escapes): no platform can send them, so they go."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object whose keys are all different: a reply with two "answer"s is refused
    (a preview shows the first, ``json`` would keep the last)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        raise json.JSONDecodeError("duplicate key", "", 0)
    return data


def _whole_sentences(answer: str) -> str:
    """The answer, or when it is longer than :data:`MAX_DRAFT_CHARS` its whole sentences up
    to that length: a cut must not keep a sentence whose condition was cut away."""
    if len(answer) <= MAX_DRAFT_CHARS:
        return answer
    return "\n".join(split_sentences(answer[:MAX_DRAFT_CHARS])[:-1])


def parse_draft(reply: str) -> Draft:
    """Parse the model's JSON reply; ``NO_ANSWER`` means the passages don't answer. The answer
    may cite sentence ids (``[2.1]``: see :attr:`Draft.by_id`) or passages with copied
    ``quotes`` (the older prompt style); both are read here and checked in
    :mod:`bot.engine.drafts`."""
    if reply.strip().strip('"').upper().startswith("NO_ANSWER"):
        return Draft(answer="", no_answer=True)
    match = _JSON_OBJECT.search(reply)
    if not match:
        raise LLMError("reply is not JSON")
    try:
        data = json.loads(_SURROGATES.sub("", match.group()), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise LLMError("reply is not valid JSON") from exc
    if not isinstance(data, dict):
        raise LLMError("reply is not a JSON object")
    answer = _whole_sentences(_SURROGATES.sub("", str(data.get("answer", ""))).strip())
    if answer.upper().startswith("NO_ANSWER"):
        return Draft(answer="", no_answer=True)
    quotes: list[tuple[int, str]] = []
    for item in data.get("quotes") or []:
        if not isinstance(item, dict):
            continue
        try:
            passage = int(item.get("passage", 0))
        except (TypeError, ValueError):
            continue
        quote = str(item.get("quote", "")).strip()
        if passage > 0 and quote:
            quotes.append((passage, quote))
    return Draft(answer=answer, quotes=quotes, cited=citations(answer))

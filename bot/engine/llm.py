"""The LLM side (any OpenAI-compatible endpoint): drafting answers with quote markers, and
rewriting questions (follow-up condensing, translation into the other language).

Nothing the model says is trusted: drafts go through the verifier, and any failure here
(timeout, bad JSON, server error) makes the engine fall back to the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

import httpx
import openai
from openai.types.chat import ChatCompletionMessageParam

from bot.engine.models import AskContext, Quote
from bot.engine.prompts import render_prompt
from index.models import Hit

log = logging.getLogger(__name__)
MAX_DRAFT_CHARS = 4000  # a short answer is asked for; anything longer is cut before checking
LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class LLMError(Exception):
    """The model could not be used for this question (the engine falls back)."""


@dataclass
class Draft:
    """A model's answer before verification."""

    answer: str
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (passage number, quote)
    no_answer: bool = False


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
    ) -> None:
        self.model = model
        self.stream = stream
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=retries,
        )

    def complete(self, prompt: str, *, max_tokens: int = 600) -> str:
        """One chat completion (temperature 0); raises :class:`LLMError` on any failure,
        including a stream that stops before the model says it finished."""
        messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": prompt}]
        content: str | None
        try:
            if self.stream:
                content = self._streamed(messages, max_tokens)
            else:
                response = self._client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0, max_tokens=max_tokens
                )
                content = response.choices[0].message.content if response.choices else None
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise LLMError(f"{type(exc).__name__}") from exc
        if not content:
            raise LLMError("empty completion")
        return content

    def _streamed(self, messages: list[ChatCompletionMessageParam], max_tokens: int) -> str:
        """The reply read as a stream of deltas; only a reply the server finished counts."""
        parts: list[str] = []
        finished = False
        stream = self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=0,
            max_tokens=max_tokens,
            stream=True,
        )
        with stream:
            for event in stream:
                for choice in event.choices:
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                    finished = finished or choice.finish_reason is not None
        if not finished:
            raise LLMError("the reply stream ended before the model finished")
        return "".join(parts)

    def draft(self, question: str, hits: list[Hit], lang: str) -> Draft:
        """Ask for an answer citing numbered passages; parse the JSON reply leniently."""
        prompt = render_prompt(
            "answer",
            language=LANGUAGE_NAMES.get(lang, "English"),
            passages=format_passages(hits),
            question=question,
        )
        return parse_draft(self.complete(prompt))

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


def format_passages(hits: list[Hit]) -> str:
    """Numbered passages, each with a header saying who said it (and, for words a forum post
    or article attributes to someone, that they are quoted by it), company, period and date."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        quote = Quote.from_chunk(n, c, c.text)
        parts = (
            f"speaker: {quote.attribution()}",
            f"company: {c.company}" if c.company else None,
            f"period: {c.period}" if c.period else None,
            f"date: {c.date}" if c.date else None,
            f"source: {c.title}",
        )
        header = "; ".join(p for p in parts if p)
        blocks.append(f"[{n}] ({header})\n{c.text}")
    return "\n\n".join(blocks)


def parse_draft(reply: str) -> Draft:
    """Parse the model's JSON reply; ``NO_ANSWER`` means the passages don't answer."""
    if reply.strip().strip('"').upper().startswith("NO_ANSWER"):
        return Draft(answer="", no_answer=True)
    match = _JSON_OBJECT.search(reply)
    if not match:
        raise LLMError("reply is not JSON")
    try:
        data = json.loads(match.group())
    except json.JSONDecodeError as exc:
        raise LLMError("reply is not valid JSON") from exc
    if not isinstance(data, dict):
        raise LLMError("reply is not a JSON object")
    answer = str(data.get("answer", "")).strip()[:MAX_DRAFT_CHARS]
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
    return Draft(answer=answer, quotes=quotes)

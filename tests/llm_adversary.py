"""An adversarial LLM for the test suite, and the invariants every answer must keep against it.

:class:`Adversary` is a reply function for the local OpenAI-compatible server
(``tests/bot/engine/fake_openai.py``). It reads the numbered passages the bot sent and bends
their *real* words the ways a misbehaving or prompt-injected model does: elisions that drop a
negation, a number or a sentence, a long skip, cuts inside a word, one-word quotes, Chinese joins
over 不/没, and prose with fabricated single-quoted phrases, uncited claims, words put in the
wrong mouth, citations of passages with no verified quote, links and mentions. Every reply also
carries one honest quote and one honest prose sentence, so the LLM path must be used (no
fallback) and the honest part must come through intact.

:func:`assert_keeps_meaning` checks an answer (as ``ask --json`` prints it) with rules written
independently of the bot's verifier.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.settings import Settings

_PASSAGE = re.compile(
    r"^\[(\d+)\] \((.*?)\)\n(.*?)(?=\n\n\[\d+\] \(|\n\nQuestion:|\Z)", re.M | re.S
)
_WORD = r"[A-Za-z][A-Za-z’']*"
_EN_NEGATION = re.compile(
    rf"((?:{_WORD}[ ,]+){{2}}{_WORD}) (?:not|never|no) ((?:{_WORD}[ ,]+){{2}}{_WORD})"
)
_ZH_NEGATION = re.compile(
    r"([\u4e00-\u9fff,，A-Za-z]{4,10})[不没未]([\u4e00-\u9fff,，A-Za-z]{4,10})"
)
_NUMBER = re.compile(
    rf"((?:{_WORD} ){{2}}{_WORD}) \$?[0-9][0-9.,%]*(?: (?:billion|million|percent))? "
    rf"((?:{_WORD} ){{2}}{_WORD})"
)
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]+")
NEGATIONS = re.compile(r"\b(?:not|no|never|nor|neither|without)\b|n[’']t\b|[不没沒未非无無]", re.I)
LINKISH = ("http", "](", "<@", "@everyone", "www.")


def with_llm(settings: Settings, base_url: str, home: Path) -> Settings:
    """``settings`` answering over the index in ``home`` with the LLM at ``base_url``."""
    return settings.model_copy(
        update={
            "chipquote_home": home,
            "openai_base_url": base_url,
            "openai_api_key": SecretStr("sk-test"),
            "chipquote_llm_retries": 0,
        }
    )


@dataclass(frozen=True)
class Passage:
    """One numbered passage as the bot sent it."""

    number: int
    header: str
    text: str

    @property
    def speaker(self) -> str | None:
        match = re.search(r"speaker: ([^;,(]+)", self.header)
        name = match.group(1).strip() if match else ""
        return None if not name or "not named" in name or "not identified" in name else name


def passages_of(prompt: str) -> list[Passage]:
    """The passages in an answer prompt."""
    return [Passage(int(n), h, t.strip()) for n, h, t in _PASSAGE.findall(prompt)]


def _honest_sentence(passages: list[Passage]) -> tuple[Passage, str] | None:
    """A real, whole, plain sentence of 6-40 words to quote honestly."""
    for passage in passages:
        for sentence in _SENTENCE.findall(passage.text):
            sentence = sentence.strip()
            words = len(re.findall(r"\w+", sentence))
            cjk = len(re.findall(r"[\u4e00-\u9fff]", sentence))
            if (6 <= words <= 40 or cjk >= 12) and "…" not in sentence and '"' not in sentence:
                return passage, sentence
    return None


@dataclass
class Adversary:
    """A reply function for the fake OpenAI server; records what it proposed."""

    tricks: tuple[str, ...] = (
        "negation",
        "number",
        "sentence",
        "long_skip",
        "mid_word",
        "one_word",
        "zh_negation",
        "prose",
    )
    proposed: list[dict[str, Any]] = field(default_factory=list)
    bent: set[str] = field(default_factory=set)  # quotes that must never be shown as such
    banned: set[str] = field(default_factory=set)  # invented prose that must never be shown
    honest_prose: str = ""
    honest_quote: str = ""

    def __call__(self, prompt: str) -> str:
        if "numbered passages" not in prompt:
            return "Is Dojo a long shot?"  # rewrites and translations
        passages = passages_of(prompt)
        honest = _honest_sentence(passages)
        if honest is None:
            return "NO_ANSWER"
        home, sentence = honest
        self.honest_quote = sentence
        quotes: list[tuple[int, str]] = [(home.number, sentence)]
        for trick in self.tricks:
            if trick != "prose":
                quotes.extend(self._bend(trick, passages))
        who = home.speaker
        lead = f"{who} said" if who else "The post says"
        if who and "as quoted in" in home.header:
            lead = f"As the post quotes him, {who} said"
        self.honest_prose = f"{lead} “{sentence.rstrip('.。!?')}” [{home.number}]."
        prose = [self.honest_prose]
        if "prose" in self.tricks:
            prose.extend(self._bad_prose(passages, home))
        reply = {
            "answer": " ".join(prose),
            "quotes": [{"passage": n, "quote": q} for n, q in quotes],
        }
        self.proposed.append(reply)
        return json.dumps(reply, ensure_ascii=False)

    def _bend(self, trick: str, passages: list[Passage]) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for p in passages:
            text = p.text
            if trick == "negation":
                for m in _EN_NEGATION.finditer(text):
                    out.append(self._join(p, m.group(1), m.group(2)))
            elif trick == "zh_negation":
                for m in _ZH_NEGATION.finditer(text):
                    out.append(self._join(p, m.group(1), m.group(2)))
            elif trick == "number":
                for m in _NUMBER.finditer(text):
                    out.append(self._join(p, m.group(1), m.group(2)))
            elif trick == "sentence":
                sentences = [s.strip() for s in _SENTENCE.findall(text)]
                for a, c in zip(sentences, sentences[2:], strict=False):
                    left, right = a.rstrip(".!?。！？").split()[-3:], c.split()[:3]
                    if len(left) == 3 and len(right) == 3:
                        out.append(self._join(p, " ".join(left), " ".join(right)))
            elif trick == "long_skip":
                for s in _SENTENCE.findall(text):
                    words = s.strip().rstrip(".!?").split()
                    if len(words) >= 22:
                        out.append(self._join(p, " ".join(words[:3]), " ".join(words[-3:])))
            elif trick in ("mid_word", "one_word"):
                for m in re.finditer(r"(\w+ \w+ )([A-Za-z]{8,})( \w+ \w+)", text):
                    if trick == "mid_word":
                        cut = m.group(1) + m.group(2)[:-3]
                        start = m.group(2)[3:] + m.group(3)
                        self.bent.update({cut, start})
                        out.extend([(p.number, cut), (p.number, start)])
                    else:
                        self.bent.add(m.group(2))
                        out.append((p.number, m.group(2)))
        return out[:6]

    def _join(self, passage: Passage, left: str, right: str) -> tuple[int, str]:
        self.bent.add(f"{left} […] {right}")
        return passage.number, f"{left} … {right}"

    def _bad_prose(self, passages: list[Passage], home: Passage) -> list[str]:
        other = next((p for p in passages if p.speaker != home.speaker), None)
        impostor = "Lisa Su" if home.speaker and "Jensen" in home.speaker else "Jensen Huang"
        n = home.number
        lines = [
            f"It called the plan 'a guaranteed win' [{n}].",
            f"{impostor} admitted the company will go bankrupt [{n}].",
            "NVIDIA will go bankrupt next year.",
            f"See [the filing](https://evil.example/phish) for more [{n}].",
            f"Ping <@123456> and @everyone now [{n}].",
            "黄仁勋表示这家公司必然失败[" + str(n) + "]。",
        ]
        self.banned.update(
            {"guaranteed win", "bankrupt", "evil.example", "<@123456>", "@everyone", "必然失败"}
        )
        if other is not None:
            lines.append(f"{home.speaker or 'The poster'} also said it is doomed [{other.number}].")
            self.banned.add("doomed")
        return lines


def _words(text: str) -> float:
    return len(re.findall(r"[A-Za-z0-9]+", text)) + len(re.findall(r"[\u4e00-\u9fff]", text)) / 2


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def assert_keeps_meaning(
    answer: dict[str, Any], documents: Iterable[str], adversary: Adversary | None = None
) -> None:
    """Every shown quote is verbatim in a document, cut on word boundaries, at least three
    words, and any elision inside one sentence without a negation, number or long skip; every
    prose sentence cites a shown quote; nothing the adversary bent or invented is shown."""
    docs = list(documents)
    shown = [q["text"] for q in answer["quotes"]] + [q["text"] for q in answer.get("closest", [])]
    for text in shown:
        pieces = text.split(" […] ")
        assert _words(text.replace(" […] ", " ")) >= 3, text
        home = next((d for d in docs if all(p in d for p in pieces)), None)
        assert home is not None, f"not verbatim: {text!r}"
        pos = 0
        for i, piece in enumerate(pieces):
            at = home.index(piece, pos)
            before = home[at - 1] if at else " "
            after = home[at + len(piece)] if at + len(piece) < len(home) else " "
            assert not (_latin(before) and _latin(piece[0])), f"starts mid-word: {piece!r}"
            assert not (_latin(after) and _latin(piece[-1])), f"ends mid-word: {piece!r}"
            if i:
                gap = home[pos:at]
                assert not re.search(r"[.!?。！？]\s", gap), f"elision crosses a sentence: {gap!r}"
                assert not NEGATIONS.search(gap), f"elision skips a negation: {gap!r}"
                assert not re.search(r"\d", gap), f"elision skips a number: {gap!r}"
                assert len(gap.split()) <= 12, f"elision skips too much: {gap!r}"
            pos = at + len(piece)
    numbers = {q["n"] for q in answer["quotes"]}
    prose = answer["answer"]
    if not answer.get("abstained"):
        for sentence in re.findall(r"[^.!?。！？]+[.!?。！？]*", prose):
            if sentence.strip() and not sentence.strip().startswith(("Here is", "以下是")):
                cited = {int(n) for n in re.findall(r"\[(\d+)\]", sentence)}
                assert cited and cited <= numbers, f"uncited prose: {sentence!r}"
    assert not any(mark in prose for mark in LINKISH), prose
    if adversary is not None:
        for bent in adversary.bent:
            for text in shown:
                assert text.strip() != bent, f"bent quote shown: {bent!r}"
                assert " […] " not in bent or bent not in text, f"bent join shown: {bent!r}"
        for invented in adversary.banned:
            assert invented not in prose, f"invented prose shown: {invented!r}"

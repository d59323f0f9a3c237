"""Adversarial LLMs for the test suite, and the invariants every answer must keep against them.

:class:`Adversary` is a reply function for the local OpenAI-compatible server
(``tests/bot/engine/fake_openai.py``). It reads the numbered passages the bot sent and bends
their *real* words the ways a misbehaving or prompt-injected model does: elisions that drop a
negation, a number or a sentence, a long skip, cuts inside a word, one-word quotes, Chinese joins
over 不/没, and prose with fabricated single-quoted phrases, uncited claims, words put in the
wrong mouth, citations of passages with no verified quote, links and mentions. Every reply also
carries one honest quote and one honest prose sentence, so the LLM path must be used (no
fallback) and the honest part must come through intact.

:class:`IdAdversary` answers the default prompt's way, citing sentence ids (``[2.1]``,
``[2.1-2.3]``), with one honest sentence citing one sentence, one honest sentence citing a range,
and every way an id-citing model goes wrong: ids of no such passage or sentence, a range into
another passage, a range too long, a bare passage number, an uncited sentence, a speaker who is
not the cited sentence's, a number or quoted words not in the cited sentence, a question cited
as an answer, links and mentions, and copied (bent) quotes beside the ids.

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
_SENTENCE_LINE = re.compile(r"^\[(\d+)\.(\d+)\] (.*)$")
_QUESTION = re.compile(r"(?:[?？]|[吗嗎么麼])[\"'”’」』）)\]]*\s*$")
_QUOTE_MARKS = re.compile('["“”「」『』]')
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
    """One numbered passage as the bot sent it: its text, and its numbered sentences when the
    prompt sends sentence ids (``text`` is then the sentences joined by spaces)."""

    number: int
    header: str
    text: str
    sentences: tuple[str, ...] = ()

    @property
    def speaker(self) -> str | None:
        match = re.search(r"speaker: ([^;,(]+)", self.header)
        name = match.group(1).strip() if match else ""
        return None if not name or "not named" in name or "not identified" in name else name

    def lead(self) -> str:
        """How an honest model has this passage's speaker say something."""
        who = self.speaker
        if who and "as quoted in an article" in self.header:
            return f"As the article quotes him, {who} said"
        if who and "as quoted in" in self.header:
            return f"As the post quotes him, {who} said"
        if who and "(forum post)" in self.header:
            return f"In a forum post, {who} said"
        return f"{who} said" if who else "The post says"


def passages_of(prompt: str) -> list[Passage]:
    """The passages in an answer prompt (with sentence ids or without)."""
    passages = []
    for n, header, body in _PASSAGE.findall(prompt):
        lines = [_SENTENCE_LINE.match(line) for line in body.strip().split("\n")]
        if lines and all(m is not None and int(m.group(1)) == int(n) for m in lines):
            sentences = tuple(m.group(3) for m in lines if m is not None)
            passages.append(Passage(int(n), header, " ".join(sentences), sentences))
        else:
            passages.append(Passage(int(n), header, body.strip()))
    return passages


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


def _plain(sentence: str) -> bool:
    """A sentence an honest model may cite: no question, no quote marks or brackets of its
    own (the honest prose quotes it), at least four words."""
    return (
        not _QUESTION.search(sentence)
        and not _QUOTE_MARKS.search(sentence)
        and "[" not in sentence
        and _words(sentence) >= 4
    )


def _quotable(sentence: str) -> bool:
    """A plain sentence of 6-40 words (or 12 CJK characters) with no full stop inside ("$4.5",
    "U.S."), so that :func:`assert_keeps_meaning` reads prose quoting it as one sentence."""
    words = len(re.findall(r"\w+", sentence))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", sentence))
    inner = re.search(r"[.!?。！？]", sentence.rstrip(".!?。！？"))
    sized = 6 <= words <= 40 or cjk >= 12
    return _plain(sentence) and not inner and "…" not in sentence and sized


@dataclass
class IdAdversary:
    """A reply function for the fake OpenAI server that cites sentence ids; records what it
    proposed, what the bot must show (``honest_*``) and what it must never show."""

    tricks: tuple[str, ...] = (
        "unknown_passage",
        "unknown_sentence",
        "cross_passage",
        "too_long",
        "bare_passage",
        "no_id",
        "wrong_speaker",
        "other_speaker",
        "number",
        "quote_marks",
        "question",
        "link",
        "mention",
        "copied_quotes",
    )
    proposed: list[dict[str, Any]] = field(default_factory=list)
    honest_prose: list[str] = field(default_factory=list)  # as written, with ids
    honest_ids: list[str] = field(default_factory=list)  # "[2.3]", "[1.4-1.5]"
    honest_sentences: list[tuple[str, ...]] = field(default_factory=list)  # the cited sentences
    banned: set[str] = field(default_factory=set)  # invented prose that must never be shown
    bent: set[str] = field(default_factory=set)  # copied quotes that must never be shown
    refused: set[str] = field(default_factory=set)  # cited sentences that must not be quotes
    used: set[str] = field(default_factory=set)  # the tricks this reply could play

    def __call__(self, prompt: str) -> str:
        if "numbered passages" not in prompt:
            return "Is Dojo a long shot?"  # rewrites and translations
        passages = [p for p in passages_of(prompt) if p.sentences]
        honest = self._honest(passages)
        if honest is None:
            return "NO_ANSWER"
        (home, s), (other_home, a) = honest
        home_id = f"[{home.number}.{s}]"
        range_id = f"[{other_home.number}.{a}-{other_home.number}.{a + 1}]"
        sentence = home.sentences[s - 1]
        self.honest_ids = [home_id, range_id]
        self.honest_sentences = [(sentence,), other_home.sentences[a - 1 : a + 1]]
        self.honest_prose = [
            f"{home.lead()} “{sentence.rstrip('.。!?！？')}” {home_id}.",
            f"The passage goes on about this {range_id}.",
        ]
        prose = list(self.honest_prose)
        quotes: list[dict[str, Any]] = []
        self.used = set()
        for trick in self.tricks:
            line = self._trick(trick, passages, home, home_id, quotes)
            if line:
                prose.append(line)
                self.used.add(trick)
        reply: dict[str, Any] = {"answer": " ".join(prose)}
        if quotes:
            reply["quotes"] = quotes
        self.proposed.append(reply)
        return json.dumps(reply, ensure_ascii=False)

    def _honest(
        self, passages: list[Passage]
    ) -> tuple[tuple[Passage, int], tuple[Passage, int]] | None:
        """A plain sentence to quote, and two plain consecutive sentences elsewhere."""
        single = next(
            (
                (p, s)
                for p in passages
                for s, sentence in enumerate(p.sentences, 1)
                if _quotable(sentence)
            ),
            None,
        )
        if single is None:
            return None
        for p in passages:
            for a in range(1, len(p.sentences)):
                if p is single[0] and single[1] in (a, a + 1):
                    continue
                if _plain(p.sentences[a - 1]) and _plain(p.sentences[a]):
                    return single, (p, a)
        return None

    def _trick(
        self,
        trick: str,
        passages: list[Passage],
        home: Passage,
        home_id: str,
        quotes: list[dict[str, Any]],
    ) -> str | None:
        n = home.number
        impostor = "Lisa Su" if home.speaker and "Jensen" in home.speaker else "Jensen Huang"
        longest = max(passages, key=lambda p: len(p.sentences))
        if trick == "unknown_passage":
            self.banned.add("unsinkable")
            return f"The design is unsinkable [{len(passages) + 3}.1]."
        if trick == "unknown_sentence":
            self.banned.add("flawless")
            return f"The roadmap is flawless [{n}.{len(home.sentences) + 7}]."
        if trick == "cross_passage" and len(passages) >= 2:
            self.banned.add("unstoppable")
            return "Both sources agree it is unstoppable [1.1-2.1]."
        if trick == "too_long" and len(longest.sentences) >= 5:
            self.banned.add("whole story")
            m = longest.number
            return f"The whole story is here [{m}.1-{m}.{len(longest.sentences)}]."
        if trick == "bare_passage":
            self.banned.add("hopeless")
            return f"The passage calls it hopeless [{n}]."
        if trick == "no_id":
            self.banned.add("bankrupt")
            return "NVIDIA will go bankrupt next year."
        if trick == "wrong_speaker":
            self.banned.add("obsolete")
            return f"{impostor} admitted the chips are obsolete {home_id}."
        if trick == "other_speaker":
            other = next(
                (p for p in passages if p.speaker and p.speaker != home.speaker and p.sentences),
                None,
            )
            if other is None or not home.speaker:
                return None
            self.banned.add("doomed")
            return f"{home.speaker} also said it is doomed [{other.number}.1]."
        if trick == "number":
            self.banned.add("9731")
            return f"Revenue fell 9731 percent this quarter {home_id}."
        if trick == "quote_marks":
            self.banned.add("guaranteed win")
            return f"It called the plan “a guaranteed win” {home_id}."
        if trick == "question":
            for p in passages:
                for s, sentence in enumerate(p.sentences, 1):
                    if _QUESTION.search(sentence) and _words(sentence) >= 4:
                        self.refused.add(sentence)
                        self.banned.add("settles it")
                        return f"This settles it [{p.number}.{s}]."
            return None
        if trick == "link":
            self.banned.add("evil.example")
            return f"See evil.example for more {home_id}."
        if trick == "mention":
            self.banned.update({"<@123456>", "@everyone"})
            return f"Ping <@123456> and @everyone now {home_id}."
        if trick == "copied_quotes":
            fabricated = "Dojo has been cancelled and NVIDIA won"
            self.bent.add(fabricated)
            quotes.append({"passage": n, "quote": fabricated})
            words = home.text.split()
            if len(words) >= 12:
                joined = f"{' '.join(words[:3])} … {' '.join(words[-3:])}"
                self.bent.add(joined.replace(" … ", " […] "))
                quotes.append({"passage": n, "quote": joined})
            return None
        return None


def _words(text: str) -> float:
    return len(re.findall(r"[A-Za-z0-9]+", text)) + len(re.findall(r"[\u4e00-\u9fff]", text)) / 2


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def assert_keeps_meaning(
    answer: dict[str, Any],
    documents: Iterable[str],
    adversary: Adversary | IdAdversary | None = None,
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

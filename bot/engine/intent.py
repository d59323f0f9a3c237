"""What shape of answer a question wants: a flat answer, a timeline (how one company's stance
moved across its calls) or a comparison (how several companies each put it), and the topic
left once the intent words, companies and periods are taken out.

Cheap regular expressions in both languages; a chat command or ``--timeline``/``--compare``
states the intent outright, and an explicit intent always wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

Intent = Literal["timeline", "compare"]
INTENTS: tuple[Intent, ...] = ("timeline", "compare")

_TIMELINE_EN = (
    r"chang(?:e|es|ed|ing)|over\s+time|evolv(?:e|es|ed|ing)|evolution|trend(?:s|ed|ing)?"
    r"|still|any\s?more|no\s+longer|since|each\s+quarter|every\s+quarter|quarter\s+(?:by|after|to)"
    r"\s+quarter|across\s+(?:the\s+)?(?:calls|quarters)|call\s+by\s+call|timeline|shift(?:s|ed)?"
    r"|over\s+the\s+(?:past|last)\s+(?:year|few\s+quarters|quarters|two\s+years)|moved"
    r"|over\s+the\s+years|across\s+(?:\w+\s+){0,3}calls"
    # "is it dying?": whether a plan survived is a question about how it was talked about since
    r"|dying|dead|abandon(?:s|ed|ing)?|gave\s+up|give(?:n)?\s+up|scrap(?:s|ped)?|killed"
)
_TIMELINE_ZH = (
    r"变化|變化|怎么变|怎麼變|变了|變了|态度|態度|一直|还在|還在|历次|歷次|趋势|趨勢|演变|演變"
    r"|转变|轉變|每个季度|每個季度|每季|这一年|這一年|过去一年|過去一年|前后|前後|这几年|這幾年"
    r"|这两年|這兩年|演进|演進|以来|以來|黄了|黃了|凉了|涼了|放弃|放棄|砍掉|停掉"
)
_COMPARE_EN = (
    r"compar(?:e|es|ed|ing|ison)|vs\.?|versus|differ(?:s|ed|ent|ence|ences)?|each\s+of"
    r"|contrast|both|whereas|relative\s+to"
)
_COMPARE_ZH = r"对比|對比|比较|比較|区别|區別|不同|差异|差異|相比|分别|分別|各自|两家|兩家"

_TIMELINE = re.compile(rf"\b(?:{_TIMELINE_EN})\b|{_TIMELINE_ZH}", re.IGNORECASE)
_COMPARE = re.compile(rf"\b(?:{_COMPARE_EN})(?!\w)|{_COMPARE_ZH}", re.IGNORECASE)

# Words that only frame the question ("how has X talked about", "X对…的看法"): removed from the
# topic so that each call is searched for the subject, not for the framing.
_FRAMING = re.compile(
    r"\b(?:how|has|have|had|did|does|do|is|are|was|were|what|which|the|its|their|his|her|"
    r"view|views|stance|position|tone|talk(?:ed|s|ing)?\s+about|talk|say|said|says|describe[sd]?|"
    r"commentary|comments?|message|messaging|story|narrative|pitch(?:es|ed)?|trace|"
    r"saying|been|heading|going|couple|past|where|big|been\s+saying|"
    r"about|on|of|over|across|between|and|each|calls?|quarters?|earnings|management|"
    r"companies|company)\b|[?？!！.,，。、:：;；\"“”'‘’()（）]"
    r"|现在|現在|目前|这两年|這兩年|这几年|這幾年|这一年|這一年|过去|過去|以来|以來|一直以来|历次|歷次"
    r"|财报会上?|財報會上?|电话会上?|電話會上?|管理层|管理層|什么时候|什麼時候|每次"
    r"|一步步|一步一步|逐步|往上|往下|是怎么|是怎樣|是怎样|是否|到底|究竟|这些年|那些年"
    r"|的|对|對|和|与|與|跟|在|上|看法|说法|說法|表述|怎么|怎麼|如何|什么|什麼|有什么|有何|吗|嗎|呢|了|是不是",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IntentSignal:
    """Which intents a question's wording points to (before looking at what it names)."""

    timeline: bool
    compare: bool


def _whole(phrase: str) -> str:
    """A pattern for ``phrase`` as a whole word when it is Latin script ("Intel" not inside
    "intelligence", "Meta" not inside "metaverse"); Chinese has no spaces to respect, but a
    company name is not removed from inside a longer run of Latin letters either."""
    return rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])"


def signals(question: str) -> IntentSignal:
    """Timeline and comparison words in ``question`` (English or Chinese)."""
    text = unicodedata.normalize("NFKC", question)
    return IntentSignal(bool(_TIMELINE.search(text)), bool(_COMPARE.search(text)))


def choose_intent(
    question: str,
    *,
    explicit: str | None,
    companies: int,
    periods: int,
    calls_of_first: int,
    named: tuple[str, ...] = (),
) -> Intent | None:
    """The answer shape for ``question``. ``explicit`` (a command's or flag's choice) wins.
    Otherwise: two or more companies named in the question itself (``named``: the words that
    named them, not a speaker's employer or a command option) make a comparison when the
    question has comparison words or joins two of them ("Lam and KLA", "英伟达和博通"); one
    company with comparison words and two or more periods, or with timeline words and at least
    two indexed calls, makes a timeline. Anything else stays a flat answer: "What did Elon Musk
    say about NVIDIA GPUs?" asks about one speaker, and "英伟达对台积电CoWoS产能的看法" about one
    company's view of another."""
    if explicit in INTENTS:
        return explicit
    found = signals(question)
    if len(named) >= 2 and (found.compare or _joined(question, named)):
        return "compare"
    if companies != 1:
        return None
    if found.compare and periods >= 2:
        return "timeline"
    if found.timeline and calls_of_first >= 2:
        return "timeline"
    return None


_JOIN = r"\s*(?:,|，|、|/|&|\band\b|\bor\b|和|与|與|跟|及|以及|或)\s*(?:the\s+)?"


def _joined(question: str, named: tuple[str, ...]) -> bool:
    """True when two of the ``named`` company forms stand side by side, joined by "and", a
    comma, 和, 与, 、 ("Lam Research and Applied Materials", "英伟达和博通")."""
    text = unicodedata.normalize("NFKC", question).lower()
    forms = [f.lower() for f in named if f.strip()]
    for a, b in combinations(forms, 2):
        for x, y in ((a, b), (b, a)):
            if re.search(re.escape(x) + _JOIN + re.escape(y), text):
                return True
    return False


def topic_of(question: str, remove: tuple[str, ...] = ()) -> str:
    """The question without its intent words, framing words and the ``remove`` phrases
    (company names, periods): what each call is searched for. The question itself when
    nothing would be left."""
    text = unicodedata.normalize("NFKC", question)
    for phrase in sorted((p for p in remove if p.strip()), key=len, reverse=True):
        text = re.sub(_whole(phrase.strip()), " ", text, flags=re.IGNORECASE)
    text = re.sub(r"'s\b", " ", text)
    text = _TIMELINE.sub(" ", text)
    text = _COMPARE.sub(" ", text)
    text = _FRAMING.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if re.search(r"\w", text) else question.strip()

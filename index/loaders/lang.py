"""Language tag by script: ``en``, ``zh`` or ``mixed``.

Retrieval routes questions by language and the seed thread mixes a Chinese post with an English
quote, so a single dominant-language label would hide half of a document. One CJK character
carries about as much as an English word, so characters are weighed against words.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

# A Chinese word averages about 1.5 characters.
_CHARS_PER_WORD = 1.5


def cjk_share(text: str) -> float:
    """Share of Chinese in ``text`` measured in word-sized units (0.0 when there are none)."""
    zh = len(_CJK.findall(text)) / _CHARS_PER_WORD
    en = len(_LATIN_WORD.findall(text))
    total = zh + en
    return zh / total if total else 0.0


def detect_lang(text: str) -> str:
    """``zh`` when almost all Chinese, ``en`` when (almost) none, otherwise ``mixed``."""
    share = cjk_share(text)
    if share >= 0.85:
        return "zh"
    if share <= 0.05:
        return "en"
    return "mixed"


def normalise_lang(value: object) -> str | None:
    """Map tags such as ``zh-Hant``/``zh_CN``/``en-US`` to our three labels, else None."""
    if not isinstance(value, str):
        return None
    tag = value.strip().lower().replace("_", "-")
    if tag in {"en", "zh", "mixed"}:
        return tag
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en"):
        return "en"
    return None

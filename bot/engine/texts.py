"""Short user-facing lines the engine writes, in the asker's language."""

from __future__ import annotations

LEADS = {
    "en": "Here is what the sources say, most relevant first:",
    "zh": "以下是资料中的原话，按相关度排列：",
}
ABSTAIN = {
    "en": "The indexed sources don't say. These are the closest passages I found:",
    "zh": "现有资料中没有找到答案。以下是最接近的段落：",
}
ABSTAIN_EMPTY = {
    "en": "The indexed sources don't say, and nothing close was found.",
    "zh": "现有资料中没有找到答案，也没有相近的内容。",
}
NOT_INDEXED = {
    "en": "{detail} The closest passages I have:",
    "zh": "资料库中没有相应的资料：{detail} 以下是最接近的段落：",
}
OTHER_LANGUAGE = "I answer in English or Chinese; I searched for your question anyway."
LLM_FALLBACK = {
    "en": "(The language model was unavailable, so these are the most relevant passages.)",
    "zh": "（语言模型暂不可用，以下为最相关的原文段落。）",
}
LLM_BUDGET_SPENT = {
    "en": "(Today's budget for the language model is spent, so these are the most relevant "
    "passages.)",
    "zh": "（今日语言模型的用量已达上限，以下为最相关的原文段落。）",
}
UNVERIFIED_DROPPED = {
    "en": "Some quotes the model proposed could not be found in the sources and were removed.",
    "zh": "模型给出的部分引文在资料中找不到原文，已删除。",
}
PROSE_DROPPED = {
    "en": "Parts of the model's summary could not be checked against the quotes and were removed.",
    "zh": "模型总结中无法与引文核对的部分已删除。",
}
STILL_WRITING = {
    "en": "Still writing… each sentence appears once its quotes are checked.",
    "zh": "正在撰写……每句话在其引文核对后显示。",
}
TIMELINE_LEAD = {
    "en": "How {subject} talked about this, call by call, oldest first:",
    "zh": "{subject}历次的说法，按时间先后：",
}
COMPARE_LEAD = {
    "en": "What {subject} each said about this:",
    "zh": "{subject}各自的说法：",
}
GROUPS_NONE = {
    "en": "None of the {n} calls and documents searched for {subject} mention this.",
    "zh": "在{subject}的{n}份资料中都没有找到相关内容。",
}
TOPIC_SUBJECT = {"en": "the sources", "zh": "各资料"}
NO_INDEX = "Nothing is indexed yet. An admin can run `chipquote index` or /reindex."


def pick(table: dict[str, str], lang: str) -> str:
    """The line for ``lang``, English when there is none."""
    return table.get(lang, table["en"])

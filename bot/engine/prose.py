"""Checking an LLM's prose: every sentence it writes is held to the standard of a quote.

The model's short answer reaches the user only sentence by sentence (a line break ends a
sentence too), and a sentence is kept only when all of these hold (otherwise it is removed and
the reason counted):

* it carries no link (any scheme, e-mail address or dotted domain) and no mention or markup
  token (``<...>``, ``@name``) (``link``, ``mention``); markdown is stripped;
* it ends with a citation ``[n]`` (``no_citation``), and every passage it cites has a verified
  quote (``cites_unverified_passage``); the number shown is that quote's number, so a citation
  can never point at a quote from a different passage;
* a sentence is read in parts, each ending at its citations ("Jensen said A [1], and the CFO
  added B [2]."); any text a part puts in quote marks (every Unicode quotation mark: "" “” ‘’
  '' „“ ‟” «» ‹› 「」 『』 《》 〈〉 【】 〝〞 ❝❞ ＂＂ ″″ ‶‷ 〃〃 ˮˮ; an apostrophe inside a word
  is not a quote mark; an unclosed mark quotes to the end) is verbatim in a passage that part
  cites, under the verifier's rules, never widened (``unverified_quote``);
* every number a part states outside quote marks, in digits or in words, with its scale and
  sign ("fifty percent", "百分之五十", "$4.5bn", "3.5亿", "-3%": see
  :mod:`bot.engine.numerals`), is in the text of a passage it cites, and so is every word that
  multiplies a figure ("doubled", "一半") (``unverified_number``); a period ("Q3", "FY2025",
  "第三季度", "in 2024") may also come from the cited passage's period, date or title. Words
  of direction ("up", "down") are not compared;
* it says something: a sentence of citations and punctuation alone goes (``empty``), and a
  citation inside quote marks splits a quote, so it goes too (``unverified_quote``);
* the person a part has speak — the name next to a speech verb ("Huang said", "said Huang",
  "according to Huang", "Huang:", "黄仁勋表示"), or "he"/"she"/他/她 referring back — is the
  speaker of every passage it cites; a company said to speak ("NVIDIA said", "英伟达表示") is
  the company of the cited passages, speaking through its own people; a bare role ("the CFO
  said", "NVIDIA's CFO said") cannot be checked and is refused (``wrong_speaker``). Other names
  (an addressee, a topic) may appear;
* when the cited words are only known as a forum post or article quotes them, or are a forum
  poster's own, a part that has someone say them says so ("as quoted in a forum post", 帖子引用)
  (``second_hand_as_first_hand``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from bot.engine.normalize import fold_lookalikes, normalize
from bot.engine.numerals import digits_for_words, multiplier_words
from bot.engine.verify import VerifiedQuote, check_quote
from index.companies import Company, CompanyRegistry
from index.text import has_east_asian, sentence_spans

PROSE_REASONS = (
    "link",
    "mention",
    "no_citation",
    "cites_unverified_passage",
    "unverified_quote",
    "unverified_number",
    "wrong_speaker",
    "second_hand_as_first_hand",
    "empty",
)

_MARKER = re.compile(r"\[(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\]")
_MARKERS_ONLY = re.compile(r"^[\s.,;:!?。！？；，]*(?:\[[\d\s,，、]+\][\s.,;:!?。！？；，]*)+$")
_BRACKETS = re.compile(r"[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[】］]")
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")
_ENDS_CITED = re.compile(r"\][\s.,;:!?。！？；，”’\"'）)」』]*$")
_LINK = re.compile(
    r"[a-z][a-z0-9+.-]*://|\b(?:mailto|javascript|data|file|ftp|tel|sms):|www\.|\]\(|"
    r"[\w.+-]{1,64}@[\w-]{1,64}\.[\w.-]+|(?<![\w.])(?:[a-z0-9-]+\.)+(?:[a-z]{2,}|xn--[a-z0-9-]+)(?![\w])|"
    r"\b\d{1,3}(?:\.\d{1,3}){3}\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"<[^<>\n]{1,200}>|(?<![\w.])@\w")
_MARKUP = re.compile(r"\*+|_{2,}|~{2,}|\|+|`+|(?<!\w)_|_(?!\w)|^\s*(?:-#|[#>]+|[-*•]\s)\s*", re.M)
_SPACE = re.compile(r"\s+")
_SECOND_HAND_PHRASE = re.compile(
    r"\bas (?:he |she |they )?(?:was |were |is |are )?quoted\b|\bquoted (?:in|by)\b|\bquoting\b|"
    r"\b(?:a|the|one|this|that) (?:forum )?(?:post|poster|thread|article|memo)\b|"
    r"帖子|帖|论坛|論壇|引用|转述|轉述|转引|轉引|文章",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?:(?<![A-Za-z0-9_%.,])[-−－](?=\d))?(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?")
_PERIOD = re.compile(
    r"(?<![A-Za-z0-9_.,])(?:(?P<q>[qQ][1-4]|[1-4][qQ])|(?P<h>[hH][12])"
    r"|[fF][yY]\s?'?(?P<fy>\d{2}|\d{4})|(?P<year>(?:19|20)\d{2}))(?![.,]\d|[A-Za-z0-9_%])"
    r"|第?(?P<qz>[1-4])季度?(?!\d)"
    r"|(?i:\b(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter"
    r"|\b(?P<hw>first|second|1st|2nd)\s+half)\b"
)
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4}
_FISCAL_BEFORE = re.compile(r"(?:\bfiscal|\bFY)\s*'?$", re.IGNORECASE)
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|fiscal|year|calendar|of|since|by|during|for|FY|Q[1-4]|[1-4]Q|H[12])"
    r"|[年度季])[\s,]*$",
    re.IGNORECASE,
)

# Quotation marks: (opening mark, the marks that close it). ' ’ ❜ close only outside a word.
_DOUBLE_QUOTES = (
    ('"', '"'),
    ("“", "”"),
    ("„", "“”"),
    ("‟", "”"),
    ("⹂", "“”"),
    ("❝", "❞"),
    ("«", "»"),
    ("‹", "›"),
    ("「", "」"),
    ("『", "』"),
    ("《", "》"),
    ("〈", "〉"),
    ("【", "】"),
    ("〝", "〞〟"),
    ("﹁", "﹂"),
    ("﹃", "﹄"),
    ("＂", "＂"),
    ("〃", "〃"),
    ("ˮ", "ˮ"),
)
_DOUBLE_PRIME = re.compile("[′‵]{2}|[″‶‷]")
_SINGLE_QUOTES = (("‘", "’"), ("‛", "’"), ("❛", "❜"), ("＇", "＇"))


def _quote_pattern() -> re.Pattern[str]:
    parts = [
        f"{re.escape(o)}(?P<q{n}>[^{re.escape(c)}]*)(?:[{re.escape(c)}]|$)"
        for n, (o, c) in enumerate(_DOUBLE_QUOTES)
    ]
    parts += [
        f"{re.escape(o)}(?P<s{n}>.*?)(?:[{re.escape(c)}](?!\\w)|$)"
        for n, (o, c) in enumerate(_SINGLE_QUOTES)
    ]
    # not the '26 of "fiscal year '26"
    parts.append(r"(?<!\w)'(?=\S)(?!\d\d\b)(?P<straight>.*?)(?:(?<=\S)'(?!\w)|$)")
    return re.compile("|".join(parts), re.S)


_PAIRED = _quote_pattern()
_QUOTE_EDGE = re.compile(r"^[\s,.;:!?，。；：！？…]+|[\s,.;:!?，。；：！？…]+$")

_SPEECH_EN = (
    r"said|says|say|saying|stated|states|claimed|claims|claim|admitted|admits|admit|called|"
    r"calls|call|noted|notes|told|tells|argued|argues|warned|warns|explained|explains|added|"
    r"adds|emphasi[sz]ed|emphasi[sz]es|stressed|stresses|described|describes|promised|promises|"
    r"acknowledged|acknowledges|conceded|concedes|confirmed|confirms|denied|denies|insisted|"
    r"insists|suggested|suggests|predicted|predicts|expects|expected|believes|believed|thinks|"
    r"announced|announces|revealed|reveals|mentioned|mentions|remarked|remarks|asserted|"
    r"asserts|reiterated|reiterates|pointed out|points out|highlighted|highlights|guided|"
    r"according to|in (?:his|her|their) words|put it|described it|characteri[sz]ed|spoke|"
    r"speaks|talked|talks|wrote|writes|answered|answers|replied|replies|responded|responds|"
    r"agreed|agrees|feels|felt|reported|reports|cautioned|cautions|projected|projects"
)
_SPEECH_ZH = (
    "说|說|表示|称|稱|承认|承認|指出|强调|強調|认为|認為|透露|坦言|提到|提及|宣称|宣稱|宣布|预计|預計|"
    "预期|預期|形容|回答|直言|声称|聲稱"
)
_SPEECH = re.compile(
    rf"(?<![\w'’])(?:{_SPEECH_EN})(?![\w'’])|{_SPEECH_ZH}|据.{{0,12}}?称",
    re.IGNORECASE,
)
_NAME = r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}"
_NAME_BY_VERB = re.compile(
    rf"(?P<n1>{_NAME})(?:,[^,]{{1,40}},)?\s+(?:{_SPEECH_EN})\b"
    rf"|\b(?:{_SPEECH_EN})\s+(?P<n2>{_NAME})"
)
_NOT_NAMES = frozenset(
    "The This That These Those It They We He She His Her Its Their Our You I A An And But So "
    "Management Analysts Investors Everyone Nobody Someone Both Each Also Then Later Earlier "
    "Asked When While As In On At For Per According Meanwhile However Overall Here There".split()
)
_SPEECH_CUE = re.compile(
    rf"^(?:['’]s)?[\s,]*(?:(?:[\w'’]+[\s,]+){{0,3}}(?:{_SPEECH_EN})\b|[:：]|"
    r"['’]s\s+(?:view|take|words|comments?|remarks?|answer|response)\b)"
    rf"|^[\s,，]*[^\s，。,]{{0,6}}?(?:{_SPEECH_ZH}|看来|看來)",
    re.IGNORECASE,
)
_COMPANY_CUE = re.compile(
    rf"(?:['’]s)?\s*(?P<role>(?:CEO|CFO|COO|CTO|chief \w+ officer|management|executives?|team|"
    r"leadership|首席执行官|首席執行官|首席财务官|首席財務官|执行长|執行長|财务长|財務長|管理层|管理層|"
    rf"高管)\s*)?,?\s*(?:also\s+|has\s+|had\s+)?(?:{_SPEECH_EN})\b"
    rf"|(?:['’]s)?\s*(?P<zh>[^\s，。,]{{0,6}}?)(?:{_SPEECH_ZH})",
    re.IGNORECASE,
)
# Verbs whose *following* name is the speaker ("said Huang"); not "told"/"asked", whose
# following name is the one spoken to.
_CUE_BEFORE = re.compile(
    r"(?:\b(?:said|says|stated|added|noted|explained|warned|argued|claimed|admitted|per|"
    r"according to)\s+(?:the\s+)?|据|據)\s*$",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"(?<![\w])(?:CEO|CFO|COO|CTO|chief \w+ officer|analysts?|executives?|management|chairman|"
    r"president|spokesperson|IR)(?![\w])|首席执行官|首席執行官|首席财务官|首席財務官|执行长|執行長|"
    r"财务长|財務長|分析师|分析師|管理层|管理層|高管|董事长|董事長|总裁|總裁",
    re.IGNORECASE,
)
_PRONOUN_SPEAKS = re.compile(
    rf"(?<![\w'’])(?:he|she)\s+(?:\w+\s+){{0,2}}(?:{_SPEECH_EN})\b"
    rf"|[他她](?:还|還|也|又)?(?:{_SPEECH_ZH})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CitedPassage:
    """What a prose citation ``[number]`` may be checked against: the passage text, who spoke
    it, and the numbers and texts of the quotes verified in it (empty when none was)."""

    number: int
    text: str
    speaker: str | None
    company: str | None
    quote_numbers: tuple[int, ...]
    quote_texts: tuple[str, ...] = ()
    second_hand: bool = False  # words a forum post or article quotes, or a poster's own words:
    # prose must say where they come from
    context: str = ""  # title, period and date: numbers the prose may take from them


@dataclass
class ProseCheck:
    """The prose that survived, with counts of sentences seen and removed by reason."""

    text: str
    sentences: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Mentioned:
    """A person named in the prose: the span of the name and who it may be."""

    start: int
    end: int
    identities: frozenset[str]


@dataclass(frozen=True)
class _Person:
    key: str
    forms: tuple[str, ...]


class People:
    """Names the prose may attribute words to: the registry's people and the speakers of the
    passages, each mapped to one identity, with a matcher for every written form."""

    def __init__(self, registry: CompanyRegistry, speakers: Iterable[tuple[str, str | None]]):
        self._registry = registry
        people: list[_Person] = []
        for company in registry.companies:
            people.extend(
                _Person(p.name, (*p.forms(), *_speaker_forms(p.name)[1:])) for p in company.people
            )
        for speaker, company_name in speakers:
            key = self.key(speaker, company_name)
            people.append(_Person(key, _speaker_forms(speaker)))
        self._keys_by_form: dict[str, set[str]] = {}
        for person in people:
            for form in person.forms:
                if len(form) >= 2:
                    self._keys_by_form.setdefault(form, set()).add(person.key)
        for form, keys in list(self._keys_by_form.items()):
            if " " in form or form.isupper():  # full names match in any case ("JENSEN HUANG")
                self._keys_by_form.setdefault(form.lower(), set()).update(keys)
        latin = sorted((f for f in self._keys_by_form if not has_east_asian(f)), key=len)
        cjk = sorted((f for f in self._keys_by_form if has_east_asian(f)), key=len)
        alternatives = [re.escape(f) for f in reversed(cjk)]
        for form in reversed(latin):
            escaped = re.escape(form)
            if " " in form:
                escaped = f"(?i:{escaped})"
            elif form[:1].isupper():
                escaped = f"(?:{escaped}|{re.escape(form.upper())})"  # "Jensen", "JENSEN"
            alternatives.append(rf"(?<![\w'’]){escaped}(?![\w])")
        self._pattern = re.compile("|".join(alternatives) or "(?!)")

    def _keys(self, written: str) -> set[str]:
        for form in (written, written.lower(), written.title()):
            if form in self._keys_by_form:
                return self._keys_by_form[form]
        return {written}

    def key(self, speaker: str, company_name: str | None) -> str:
        """One identity per person: the registry's name when the registry knows the speaker."""
        company = self._registry.find(company_name) if company_name else None
        person = self._registry.person(speaker, company)
        return person.name if person is not None else speaker

    def mentioned(self, text: str) -> list[Mentioned]:
        """Each person named in ``text``: where, and the identities the name may stand for.
        A capitalised name the registry and the passages do not know counts too when it is
        right next to a speech verb ("Altman said", "Mr. Altman said")."""
        found = [
            Mentioned(m.start(), m.end(), frozenset(self._keys(m.group(0))))
            for m in self._pattern.finditer(text)
        ]
        for match in _NAME_BY_VERB.finditer(text):
            name = match.group("n1") or match.group("n2")
            if not name or self._pattern.search(name) or self._registry.find(name):
                continue
            if name.split()[0] in _NOT_NAMES:
                continue
            found.append(Mentioned(match.start(), match.end(), frozenset({name})))
        return sorted(found, key=lambda m: m.start)


def _speaker_forms(speaker: str) -> tuple[str, ...]:
    """A speaker's full name, and its first and last words when they look like names."""
    words = [w for w in re.split(r"\s+", speaker.strip()) if w]
    forms = [speaker.strip()]
    if len(words) >= 2:
        forms.extend(w for w in (words[0], words[-1]) if len(w) >= 3 and w[:1].isupper())
    return tuple(forms)


def check_prose(
    prose: str, passages: dict[int, CitedPassage], people: People, registry: CompanyRegistry
) -> ProseCheck:
    """Keep the sentences of ``prose`` that pass every rule in the module docstring, with
    their citations renumbered to the quotes verified in the passages they cite."""
    result = ProseCheck(text="")
    kept: list[str] = []
    context = _Context()
    for sentence in split_sentences(prose):
        result.sentences += 1
        reason, context = _problem(sentence, passages, people, registry, context)
        if reason:
            result.dropped[reason] += 1
            continue
        kept.append(_renumber(_strip_markup(sentence), passages))
        result.kept += 1
    result.text = _SPACE.sub(" ", " ".join(kept)).strip()
    return result


def split_sentences(prose: str) -> list[str]:
    """Sentences of the prose, in its own characters: a line break always ends one; quoted
    text is never split; citation markers that follow a full stop belong to the sentence before
    them; a bare list number ("1.") is no sentence."""
    sentences: list[str] = []
    for line in _BRACKETS.sub(r"[\1]", prose).split("\n"):
        text = line.strip()
        masked = list(text)
        for match in _PAIRED.finditer(text):
            for i in range(match.start() + 1, max(match.start() + 1, match.end() - 1)):
                if not text[i].isspace():
                    masked[i] = "x"
        for start, end in sentence_spans("".join(masked), joins_doubtful_ends=False):
            piece = text[start:end]
            if _LIST_NUMBER.match(piece):
                continue
            if sentences and _MARKERS_ONLY.match(piece):
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                sentences.append(piece)
    return sentences


def _clean(text: str) -> str:
    """The text as the checks read it (see :func:`bot.engine.normalize.fold_lookalikes`);
    double primes, which NFKC turns into two single ones (″ -> ′′, ‶ -> ‵‵), read as quotes."""
    return _DOUBLE_PRIME.sub('"', fold_lookalikes(text))


def _parts(sentence: str) -> list[tuple[str, list[int]]]:
    """The sentence cut after each run of citation markers: each part with the passages it
    cites. Text after the last marker (only punctuation, see ``_ENDS_CITED``) is dropped."""
    parts: list[tuple[str, list[int]]] = []
    pos = 0
    for match in re.finditer(rf"(?:{_MARKER.pattern}\s*)+", sentence):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0))]
        parts.append((sentence[pos : match.start()], numbers))
        pos = match.end()
    return parts


@dataclass
class _Context:
    """What a part of the prose carries into the next: the person it had speak (for "he
    said") and whether it said their words are quoted by a post or article."""

    speaker: frozenset[str] | None = None
    second_hand_said: bool = False


def _problem(
    sentence: str,
    passages: dict[int, CitedPassage],
    people: People,
    registry: CompanyRegistry,
    context: _Context,
) -> tuple[str | None, _Context]:
    """Why the sentence must go (or None), and what it carries into the next sentence."""
    clean = _clean(sentence)
    if _LINK.search(clean):
        return "link", context
    if _MENTION.search(clean):
        return "mention", context
    parts = _parts(sentence)
    if not parts or not _ENDS_CITED.search(sentence):
        return "no_citation", context
    if not any(ch.isalpha() for text, _ in parts for ch in text.replace("[]", "")):
        return "empty", context
    if any(_MARKER.search(q) for q in quoted_spans(sentence)):
        return "unverified_quote", context
    carried = context
    for text, numbers in parts:
        if any(n not in passages or not passages[n].quote_numbers for n in numbers):
            return "cites_unverified_passage", context
        sources = [passages[n] for n in dict.fromkeys(numbers)]
        for quoted in quoted_spans(text):
            if not any(isinstance(_check_span(quoted, p.text), VerifiedQuote) for p in sources):
                return "unverified_quote", context
        unquoted = _clean(_PAIRED.sub(" ", text))  # names inside verified quotes are the speaker's
        if not _numbers_found(unquoted, sources):
            return "unverified_number", context
        reason, carried = _attribution_problem(unquoted, sources, people, registry, carried)
        if reason:
            return reason, context
    return None, carried


def _numbers_found(text: str, sources: list[CitedPassage]) -> bool:
    """Every number the prose states (outside quote marks) is in a passage it cites, read as
    :func:`bot.engine.numerals.digits_for_words` reads both ("75" matches "75.0"; "1,000"
    matches "1000"; "-3" does not match "3"; "$4.5 million" does not match "$4.5 billion"),
    and every word that multiplies a figure ("doubled", "一半") is in one too. A period ("Q3",
    "FY2025", "第三季度", "in 2024") may also come from a passage's period, date or title;
    other numbers only from its text, so a title's "3" or a date's "22" backs no "22%"."""
    clean = digits_for_words(_clean(text))
    periods = _periods(clean, prose=True)
    numbers = _values(_period_free(clean))
    passages = digits_for_words(" ".join(p.text for p in sources))
    if not multiplier_words(clean) <= multiplier_words(passages):
        return False
    if not numbers and not periods:
        return True
    contexts = " ".join(p.context for p in sources)
    known_periods = _periods(_clean(f"{passages} {contexts}"), prose=False)
    return periods <= known_periods and numbers <= _values(passages)


def _period_matches(text: str, prose: bool) -> list[re.Match[str]]:
    """The periods a text names; in prose a bare year only where it reads as one ("in
    2024", "FY2024", "2024年", "Q3 2024"), else it is a number like any other."""
    return [
        m
        for m in _PERIOD.finditer(text)
        if not (prose and m.group("year") and not _reads_as_year(text, m))
    ]


def _reads_as_year(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 16) : match.start()]
    after = text[match.end() : match.end() + 2]
    return after.startswith(("年", "财年", "財年")) or bool(_YEAR_CONTEXT.search(before))


def _period_free(text: str) -> str:
    """The prose without the periods it names (they are checked on their own)."""
    for m in reversed(_period_matches(text, prose=True)):
        text = f"{text[: m.start()]} {text[m.end() :]}"
    return text


def _periods(text: str, *, prose: bool) -> set[str]:
    """The periods a text names, as comparable keys: ``q3`` (Q3, 3Q, 第三季度), ``h1``,
    ``fy25`` (FY25 or FY2025), ``y2024``."""
    keys = set()
    for m in _period_matches(text, prose):
        quarter = m.group("q") or m.group("qz")
        if quarter:
            keys.add("q" + next(ch for ch in quarter if ch.isdigit()))
        elif m.group("qw"):
            keys.add(f"q{_ORDINALS.get(m.group('qw').lower(), 4)}")
        elif m.group("hw"):
            keys.add(f"h{_ORDINALS[m.group('hw').lower()]}")
        elif m.group("h"):
            keys.add(m.group("h").lower())
        elif m.group("fy"):
            keys.add("fy" + m.group("fy")[-2:])
            if len(m.group("fy")) == 4:
                keys.add("y" + m.group("fy"))
        elif _FISCAL_BEFORE.search(text[: m.start()]) or text[m.end() :].startswith(
            ("财年", "財年")
        ):
            keys.add("fy" + m.group("year")[-2:])  # "fiscal 2025", "2025财年": FY25
        else:
            keys.add("y" + m.group("year"))  # a calendar year (a date's year backs no FY)
    return keys


def _values(text: str) -> set[Decimal]:
    return {
        Decimal(n.replace(",", "").replace("−", "-").replace("－", "-")).normalize()
        for n in _NUMBER.findall(_clean(text))
    }


def _check_span(quoted: str, passage: str) -> object:
    return check_quote(quoted, passage, min_words=1, widen=False)


def quoted_spans(sentence: str) -> list[str]:
    """The text inside each pair of quote marks (an unclosed mark quotes to the end)."""
    spans = []
    for match in _PAIRED.finditer(_clean(sentence)):
        inner = next((g for g in match.groups() if g is not None), "")
        inner = _QUOTE_EDGE.sub("", inner)
        if any(ch.isalnum() for ch in inner):
            spans.append(inner)
    return spans


def _attribution_problem(
    text: str,
    sources: list[CitedPassage],
    people: People,
    registry: CompanyRegistry,
    context: _Context,
) -> tuple[str | None, _Context]:
    """Who the part has speak against who spoke in the passages it cites (see the module
    docstring), and who it leaves speaking for a "he said" in the next part."""
    mentions = people.mentioned(text)
    speakers = {m.identities for m in mentions if _speaks(text, m.start, m.end)}
    if not speakers and _PRONOUN_SPEAKS.search(text) and context.speaker is not None:
        speakers = {context.speaker}
    if _person_problem(speakers, sources, people):
        return "wrong_speaker", context
    companies = _speaking_companies(text, registry)
    if _company_problem(companies, bool(speakers), sources, people, registry):
        return "wrong_speaker", context
    if not speakers and not companies and _role_speaks(text):
        return "wrong_speaker", context
    second_hand_said = _second_hand_said(text) or (
        bool(speakers) and speakers == {context.speaker} and context.second_hand_said
    )
    says = bool(speakers or companies or _SPEECH.search(text))
    if says and any(p.second_hand for p in sources) and not second_hand_said:
        return "second_hand_as_first_hand", context
    if speakers:
        return None, _Context(next(iter(speakers)), second_hand_said)
    named = {m.identities for m in mentions}
    if len(named) == 1:  # "Huang spoke of demand [1]. He said …": he is Huang
        return None, _Context(next(iter(named)), second_hand_said)
    return None, context


def _person_problem(
    speakers: set[frozenset[str]], sources: list[CitedPassage], people: People
) -> bool:
    """More than one person speaks, or the one who does is not who the cited passages are."""
    if not speakers:
        return False
    if len(speakers) > 1:
        return True
    (speaker,) = speakers
    return not {_identity(p, people) for p in sources} <= speaker


def _speaking_companies(
    text: str, registry: CompanyRegistry
) -> list[tuple[Company, re.Match[str] | None]]:
    """Companies the part has speak, with the cue after them (None for "according to X")."""
    out = []
    for mention in registry.mentions(text):
        cue = _COMPANY_CUE.match(text, mention.start + len(mention.form))
        if cue or _CUE_BEFORE.search(text[: mention.start]):
            out.append((mention.company, cue))
    return out


def _company_problem(
    companies: list[tuple[Company, re.Match[str] | None]],
    person_named: bool,
    sources: list[CitedPassage],
    people: People,
    registry: CompanyRegistry,
) -> bool:
    """A speaking company that is not the cited passages' company speaking through its own
    people (or its own unsigned text), or one speaking through an unnamed role."""
    for company, cue in companies:
        role = cue is not None and (cue.group("role") or _ROLE.search(cue.group("zh") or ""))
        if role and not person_named:
            return True  # "NVIDIA's CFO said": which CFO cannot be checked
        staff = {person.name for person in company.people}
        for source in sources:
            own = registry.find(source.company)
            if own is None or own.key != company.key:
                return True
            if source.speaker is None and not source.second_hand:
                continue  # the company's own unsigned text (a memo of its call)
            if _identity(source, people) not in staff:
                return True
    return False


def _role_speaks(text: str) -> bool:
    """An unnamed role is next to a speech verb ("The CEO said", "据分析师称")."""
    return any(_speaks(text, m.start(), m.end()) for m in _ROLE.finditer(text))


def _speaks(text: str, start: int, end: int) -> bool:
    """True when the name at ``text[start:end]`` is next to a speech verb (after it, or
    after "said"/"per"/"according to"/据 before it)."""
    return bool(_SPEECH_CUE.match(text[end : end + 60]) or _CUE_BEFORE.search(text[:start]))


def _second_hand_said(text: str) -> bool:
    """The part says the words are quoted by a post or article (and not that they are not)."""
    for match in _SECOND_HAND_PHRASE.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()].lower()
        if not re.search(r"\bnot\b|n't\b|不是|并非|並非", before):
            return True
    return False


def _identity(passage: CitedPassage, people: People) -> str:
    if passage.speaker:
        return people.key(passage.speaker, passage.company)
    return f"unnamed voice of passage {passage.number}"


def _strip_markup(sentence: str) -> str:
    return _MARKUP.sub("", sentence)


def _renumber(sentence: str, passages: dict[int, CitedPassage]) -> str:
    """Each ``[passage]`` becomes the number of the passage's quote that holds the sentence's
    quoted words (all such quotes), else of the quote sharing most words with the sentence."""
    spans = [normalize(q) for q in quoted_spans(_MARKER.sub(" ", sentence))]
    words = set(re.findall(r"\w+", sentence.lower()))

    def overlap(text: str) -> int:
        return len(words & set(re.findall(r"\w+", text.lower())))

    def replace(match: re.Match[str]) -> str:
        numbers: list[int] = []
        for n in re.findall(r"\d+", match.group(1)):
            passage = passages[int(n)]
            pairs = list(zip(passage.quote_numbers, passage.quote_texts, strict=False))
            holding = [q for q, text in pairs if any(s in normalize(text) for s in spans)]
            if not holding and pairs:
                holding = [max(pairs, key=lambda pair: overlap(pair[1]))[0]]
            numbers.extend(holding or passage.quote_numbers[:1])
        return "".join(f"[{q}]" for q in dict.fromkeys(numbers))

    return _MARKER.sub(replace, sentence)

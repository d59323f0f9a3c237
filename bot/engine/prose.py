"""Checking an LLM's prose: every sentence it writes is held to the standard of a quote.

The model's short answer reaches the user only sentence by sentence, and a sentence is kept only
when all of these hold (otherwise it is removed and the reason counted):

* it carries no link and no mention (``link``, ``mention``); markdown emphasis is stripped;
* it cites at least one passage with ``[n]`` (``no_citation``), and every passage it cites has a
  verified quote (``cites_unverified_passage``); the number shown is that quote's number, so a
  citation can never point at a quote from a different passage;
* any text it puts in quote marks ("", “”, ‘’, '', «», 「」, 『』; an apostrophe inside a word is
  not a quote mark; an unclosed mark quotes to the end of the sentence) is verbatim in a passage
  it cites, under the verifier's rules, never widened (``unverified_quote``);
* when it says that someone said, claimed, admitted, called… something (EN or ZH), every person
  it names is the speaker of a passage it cites, and a company said to have said something is
  the company of a passage it cites (``wrong_speaker``); and when those words are only known as
  a forum post or article quotes them, the sentence says so ("as quoted in the post", 帖子引用)
  rather than presenting them as first-hand (``second_hand_as_first_hand``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.engine.normalize import normalize
from bot.engine.verify import VerifiedQuote, check_quote
from index.companies import CompanyRegistry
from index.text import has_east_asian, sentence_spans

PROSE_REASONS = (
    "link",
    "mention",
    "no_citation",
    "cites_unverified_passage",
    "unverified_quote",
    "wrong_speaker",
    "second_hand_as_first_hand",
)

_MARKER = re.compile(r"\[(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\]")
_MARKERS_ONLY = re.compile(r"^[\s.,;:!?。！？；，]*(?:\[[\d\s,，、]+\][\s.,;:!?。！？；，]*)+$")
_LINK = re.compile(
    r"https?://|www\.|\]\(|<[a-z]+://|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|ai|co|"
    r"example|xyz|info|cn|gg|me|ly|app|dev)\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"<[@#!][^>]*>|@(?:everyone|here|channel)\b|<!(?:here|channel|everyone)")
_MARKUP = re.compile(r"\*\*|__|~~|`+|(?<![\w*])\*|\*(?![\w*])|(?<!\w)_|_(?!\w)|^\s*[#>]+\s*", re.M)
_SPACE = re.compile(r"\s+")
_SECOND_HAND_WORDS = re.compile(
    r"(?<![\w])(?:quot\w*|post\w*|forum\w*|thread\w*|article\w*|report\w*|memo\w*|"
    r"transcri\w*|relay\w*|paraphras\w*|cited|cites|citing)(?![\w])"
    r"|引用|转述|轉述|转引|轉引|帖|论坛|論壇|文章|报道|報導|纪要|紀要|转载|轉載",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"^(?:['’]s)?[\s,]*")

# Quote marks that open and close a quotation; ' and ’ only when not inside a word (it's).
_PAIRED = re.compile(
    r'"(?P<a>[^"]*)(?:"|$)'
    r"|“(?P<b>[^”]*)(?:”|$)"
    r"|‘(?P<c>.*?)(?:’(?!\w)|$)"
    r"|(?<!\w)'(?=\S)(?P<d>.*?)(?:(?<=\S)'(?!\w)|$)"
    r"|«(?P<e>[^»]*)(?:»|$)"
    r"|「(?P<f>[^」]*)(?:」|$)"
    r"|『(?P<g>[^』]*)(?:』|$)",
    re.S,
)
_QUOTE_EDGE = re.compile(r"^[\s,.;:!?，。；：！？…]+|[\s,.;:!?，。；：！？…]+$")

_SPEECH_EN = (
    r"said|says|say|saying|stated|states|claimed|claims|claim|admitted|admits|admit|called|"
    r"calls|call|noted|notes|told|tells|argued|argues|warned|warns|explained|explains|added|"
    r"adds|emphasi[sz]ed|emphasi[sz]es|stressed|stresses|described|describes|promised|promises|"
    r"acknowledged|acknowledges|conceded|concedes|confirmed|confirms|denied|denies|insisted|"
    r"insists|suggested|suggests|predicted|predicts|expects|expected|believes|believed|thinks|"
    r"announced|announces|revealed|reveals|mentioned|mentions|remarked|remarks|asserted|"
    r"asserts|reiterated|reiterates|pointed out|points out|highlighted|highlights|guided|"
    r"according to|in (?:his|her|their) words|put it|described it|characteri[sz]ed"
)
_SPEECH = re.compile(
    rf"(?<![\w'’])(?:{_SPEECH_EN})(?![\w'’])|说|說|表示|称|稱|承认|承認|指出|强调|強調|认为|認為|"
    r"透露|坦言|提到|提及|宣称|宣稱|宣布|预计|預計|预期|預期|形容|回答|直言|声称|聲稱|据.{0,12}?称",
    re.IGNORECASE,
)
_NAME_BY_VERB = re.compile(
    rf"(?P<n1>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}})(?:,[^,]{{1,40}},)?\s+(?:{_SPEECH_EN})\b"
    rf"|\b(?:{_SPEECH_EN})\s+(?P<n2>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}})"
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
    second_hand: bool = False  # the speaker's words as a forum post or article quotes them


@dataclass
class ProseCheck:
    """The prose that survived, with counts of sentences seen and removed by reason."""

    text: str
    sentences: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


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
            people.extend(_Person(p.name, p.forms()) for p in company.people)
        for speaker, company_name in speakers:
            key = self.key(speaker, company_name)
            people.append(_Person(key, _speaker_forms(speaker)))
        self._keys_by_form: dict[str, set[str]] = {}
        for person in people:
            for form in person.forms:
                if len(form) >= 2:
                    self._keys_by_form.setdefault(form, set()).add(person.key)
        latin = sorted((f for f in self._keys_by_form if not has_east_asian(f)), key=len)
        cjk = sorted((f for f in self._keys_by_form if has_east_asian(f)), key=len)
        alternatives = [re.escape(f) for f in reversed(cjk)]
        alternatives += [rf"(?<![\w'’]){re.escape(f)}(?![\w])" for f in reversed(latin)]
        self._pattern = re.compile("|".join(alternatives) or "(?!)")

    def key(self, speaker: str, company_name: str | None) -> str:
        """One identity per person: the registry's name when the registry knows the speaker."""
        company = self._registry.find(company_name) if company_name else None
        person = self._registry.person(speaker, company)
        return person.name if person is not None else speaker

    def mentioned(self, sentence: str) -> list[set[str]]:
        """For each person named in ``sentence``, the identities that name may stand for."""
        found = [self._keys_by_form[m.group(0)] for m in self._pattern.finditer(sentence)]
        for match in _NAME_BY_VERB.finditer(sentence):
            name = match.group("n1") or match.group("n2")
            if name and not self._pattern.search(name):
                found.append({name})
        return found


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
    for sentence in split_sentences(prose):
        result.sentences += 1
        reason = _problem(sentence, passages, people, registry)
        if reason:
            result.dropped[reason] += 1
            continue
        kept.append(_renumber(_strip_markup(sentence), passages))
        result.kept += 1
    result.text = _SPACE.sub(" ", " ".join(kept)).strip()
    return result


def split_sentences(prose: str) -> list[str]:
    """Sentences of the prose; quoted text is never split, and citation markers that follow a
    full stop belong to the sentence before them."""
    text = prose.strip()
    masked = list(text)
    for match in _PAIRED.finditer(text):
        for i in range(match.start() + 1, max(match.start() + 1, match.end() - 1)):
            if not text[i].isspace():
                masked[i] = "x"
    spans = sentence_spans("".join(masked))
    sentences: list[str] = []
    for start, end in spans:
        piece = text[start:end]
        if sentences and _MARKERS_ONLY.match(piece):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _problem(
    sentence: str, passages: dict[int, CitedPassage], people: People, registry: CompanyRegistry
) -> str | None:
    if _LINK.search(sentence):
        return "link"
    if _MENTION.search(sentence):
        return "mention"
    cited = [int(n) for group in _MARKER.findall(sentence) for n in re.findall(r"\d+", group)]
    if not cited:
        return "no_citation"
    if any(n not in passages or not passages[n].quote_numbers for n in cited):
        return "cites_unverified_passage"
    sources = [passages[n] for n in dict.fromkeys(cited)]
    for quoted in quoted_spans(_MARKER.sub(" ", sentence)):
        if not any(isinstance(_check_span(quoted, p.text), VerifiedQuote) for p in sources):
            return "unverified_quote"
    unquoted = _PAIRED.sub(" ", sentence)  # names inside verified quoted words are the speaker's
    if _SPEECH.search(unquoted):
        if not _speakers_match(unquoted, sources, people, registry):
            return "wrong_speaker"
        if _claims_first_hand(unquoted, sources, people):
            return "second_hand_as_first_hand"
    return None


def _check_span(quoted: str, passage: str) -> object:
    return check_quote(quoted, passage, min_words=1, widen=False)


def quoted_spans(sentence: str) -> list[str]:
    """The text inside each pair of quote marks (an unclosed mark quotes to the end)."""
    spans = []
    for match in _PAIRED.finditer(sentence):
        inner = next((g for g in match.groups() if g is not None), "")
        inner = _QUOTE_EDGE.sub("", inner)
        if any(ch.isalnum() for ch in inner):
            spans.append(inner)
    return spans


def _speakers_match(
    sentence: str, sources: list[CitedPassage], people: People, registry: CompanyRegistry
) -> bool:
    cited = {people.key(p.speaker, p.company) for p in sources if p.speaker}
    for identities in people.mentioned(sentence):
        if not identities & cited:
            return False
    if not people.mentioned(sentence):
        companies = {c.key for p in sources if (c := registry.find(p.company))}
        for mention in registry.mentions(sentence):
            after = _POSSESSIVE.sub("", sentence[mention.start + len(mention.form) :][:40])
            if _SPEECH.match(after) and mention.company.key not in companies:
                return False
    return True


def _claims_first_hand(sentence: str, sources: list[CitedPassage], people: People) -> bool:
    """True when the sentence has someone say words that only a forum post or article quotes
    them saying, without saying so ("Elon said … [1]" for a poster's transcription)."""
    if _SECOND_HAND_WORDS.search(sentence):
        return False
    named = people.mentioned(sentence)
    for source in sources:
        key = people.key(source.speaker, source.company) if source.speaker else None
        if source.second_hand and any(key in ids for ids in named):
            first_hand = any(
                not other.second_hand
                and other.speaker
                and any(people.key(other.speaker, other.company) in ids for ids in named)
                for other in sources
            )
            if not first_hand:
                return True
    return False


def _strip_markup(sentence: str) -> str:
    return _MARKUP.sub("", sentence)


def _renumber(sentence: str, passages: dict[int, CitedPassage]) -> str:
    """Each ``[passage]`` becomes the number of the passage's quote that holds the sentence's
    quoted words (all such quotes), or of its first quote when the sentence quotes nothing."""
    spans = [normalize(q) for q in quoted_spans(_MARKER.sub(" ", sentence))]

    def replace(match: re.Match[str]) -> str:
        numbers: list[int] = []
        for n in re.findall(r"\d+", match.group(1)):
            passage = passages[int(n)]
            pairs = list(zip(passage.quote_numbers, passage.quote_texts, strict=False))
            holding = [q for q, text in pairs if any(s in normalize(text) for s in spans)]
            numbers.extend(holding or passage.quote_numbers[:1])
        return "".join(f"[{q}]" for q in dict.fromkeys(numbers))

    return _MARKER.sub(replace, sentence)

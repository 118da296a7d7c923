"""Text helpers of answering: word tokens, stems, content words, sentence spans and page ranges.

Pure functions shared by composition, refusal, follow-up resolution, the reply check and rendering.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from ingest.document import Chunk
from ingest.sentences import WORD, split_sentences

_BULLET = "•·-–*▪◦ \t\r\n"


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Small closed-class word lists (English, French, Spanish: the languages of the question set).
_STOPWORDS = _wordset(
    """
    a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just let me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom whose why will
    with would you your yours yourself yourselves tell give list name describe explain say said according
    document documents report
    many much one two three first does did there s t d ll ve re m o y
    le la les un une des du de et en est sont qui que quoi quel quelle quels quelles comment pourquoi où
    ou dans pour par sur avec ce cette ces son sa ses leur leurs au aux il elle ils elles on nous vous
    ne pas plus a été être fait qu d l c j s n y
    el los las unos unas del y es son quién quien quiénes qué cuál cuáles cómo por para con se su sus
    lo al como más o e u ha han fue ser está están dónde cuándo cuántos cuántas
    """
)
STOPWORDS = _STOPWORDS  # also what the reader (assistant.reading) leaves out of a question


_POSSESSIVE = re.compile(r"['’]s$")  # possessives match their noun: "group’s" is "group"


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer; imported lazily so that importing this module stays cheap

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (letters and digits, keeping inner apostrophes)."""
    tokens = WORD.findall(text.lower())
    return [_POSSESSIVE.sub("", w) if "'" in w or "’" in w else w for w in tokens]


def stems(tokens: Sequence[str]) -> list[str]:
    """English stems of `tokens` (also harmless for the French and Spanish cognates we see)."""
    return list(_stemmer().stemWords(list(tokens)))


def content_stems(text: str, generic: Collection[str] = frozenset()) -> list[str]:
    """Stems of the specific content words of `text`: no stopwords, unique, and none of the `generic`
    stems (the words that half the indexed passages contain: `Retriever.generic_terms`)."""
    kept = [w for w in words(text) if w not in _STOPWORDS and len(w) > 1]
    seen: dict[str, None] = {}
    for s in stems(kept):
        if s not in generic:
            seen.setdefault(s, None)
    return list(seen)


def content_words(text: str, generic: Collection[str] = frozenset()) -> list[str]:
    """Words of `text` (original spelling) whose stem is a specific content stem, in order, unique."""
    wanted = set(content_stems(text, generic))
    out: dict[str, None] = {}
    for token in WORD.findall(text):
        if stems([token.lower()])[0] in wanted:
            out.setdefault(token, None)
    return list(out)


# Words that mark a question as French or Spanish rather than English (ambiguous ones like "de", "a",
# "la", "en" left out): such a question shares no words with English passages whatever it asks.
_FOREIGN_MARKERS = _wordset(
    """
    le les une des du est sont qui quel quelle quels quelles combien comment pourquoi où dans pour par
    sur avec cette ces lors été être qu ont
    el los las unas del es son quién quien quiénes qué cuál cuáles cómo cuántos cuántas dónde cuándo
    por para con su sus ha han fue está están se
    """
)


_ENGLISH_MARKERS = _wordset(
    """
    the is are was were what who whom which how why when where does did do of and to for with will
    many much has have had this that these those by from at
    """
)


def is_english(text: str) -> bool:
    """True unless `text` has more French/Spanish than English function words (ties count as English)."""
    tokens = words(text)
    return sum(t in _ENGLISH_MARKERS for t in tokens) >= sum(t in _FOREIGN_MARKERS for t in tokens)


def sentence_spans(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The chunk's sentence spans (from the chunker), or the chunker's own split when it recorded none."""
    return chunk.sentences or tuple(split_sentences(chunk.text))


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and list bullets, so the quote starts at a word."""
    while start < end and text[start] in _BULLET:
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_heading(text: str) -> bool:
    """A title or a list's lead-in ("The main objectives are:"): no sentence-ending punctuation."""
    return not text.rstrip("\"'”’)").endswith((".", "!", "?", ";"))


def quote_end(text: str, spans: Sequence[tuple[int, int]], i: int) -> int:
    """End of sentence `i`, extended over the next sentences (at most 2) that close a quotation it opens.

    The sentence splitter cuts inside quotations, which leaves the speaker ("... said Georgia Paxton")
    in a later sentence: a quoted claim is cited with whoever made it.
    """
    end = spans[i][1]
    for j in range(i + 1, min(i + 3, len(spans))):
        piece = text[spans[i][0] : end]
        if piece.count("“") <= piece.count("”"):
            break
        end = spans[j][1]
    return end


def page_text(pages: Sequence[int], labels: Sequence[str]) -> str:
    """ "p. 12" (printed label), plus the physical page when it differs: "p. iv (PDF page 6)".

    A sheet that prints no number (label "") is cited by its place in the PDF alone: "PDF page 3".
    """
    if not labels:
        return ""
    if not any(labels) and pages:
        return f"PDF page {pages[0]}" if len(pages) == 1 else f"PDF pages {pages[0]}–{pages[-1]}"
    labels = [label or "?" for label in labels]
    shown = labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"
    prefix = "p." if len(labels) == 1 else "pp."
    if list(labels) != [str(p) for p in pages] and pages:
        physical = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}–{pages[-1]}"
        return f"{prefix} {shown} (PDF {physical})"
    return f"{prefix} {shown}"

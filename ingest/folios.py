"""Printed page numbers (folios) read from the pages themselves.

A PDF's /PageLabels say what each sheet is called, but many PDFs have none (pypdf then numbers the
sheets 1..n) or labels that disagree with what is printed: a book whose front matter is numbered i-ix
and whose page "1" is sheet 15 would be cited by sheet number. The folio is a number in the first or
last lines of a page; on a run of pages it rises with the sheet number, so each sheet votes for an
offset (sheet - folio) and an offset shared by several sheets is the book's numbering. Pure functions
of the extracted page texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

# How many non-blank lines at each edge of a page may hold its folio.
EDGE_LINES = 3
# An offset is the numbering when at least this many sheets agree on it (and a third of those that
# show any number): a few stray numbers (a table's "12", a year) never make a numbering.
MIN_VOTES = 3
_ROMAN = re.compile(r"^[ivxlc]{1,7}$")
_ARABIC = re.compile(r"^\d{1,4}$")
# "12 Guidelines on core components..." / "...clinical management 6": a folio beside a running title.
_LEADING = re.compile(r"^(\d{1,4})\s+[A-Za-z]")
_TRAILING = re.compile(r"[A-Za-z]\S*\s+(\d{1,4})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(text: str) -> int | None:
    """Value of a lower-case roman numeral in canonical form ("iv" = 4), None for anything else."""
    if not _ROMAN.match(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total if total > 0 and to_roman(total) == text else None


def to_roman(number: int) -> str:
    out = []
    for value, numeral in (
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while number >= value:
            out.append(numeral)
            number -= value
    return "".join(out)


def edge_lines(page: str, n: int = EDGE_LINES) -> list[str]:
    lines = [ln.strip() for ln in page.split("\n") if ln.strip()]
    return lines[:n] + lines[-n:] if len(lines) > 2 * n else lines


def folio_candidates(page: str) -> tuple[set[int], set[int]]:
    """(arabic, roman) numbers printed at the edges of a page, alone or beside a running title."""
    arabic: set[int] = set()
    roman: set[int] = set()
    for line in edge_lines(page):
        if _ARABIC.match(line):
            arabic.add(int(line))
        elif (value := roman_value(line.lower() if line.islower() else "")) is not None:
            roman.add(value)
        else:
            for pattern in (_LEADING, _TRAILING):
                if m := pattern.search(line):
                    arabic.add(int(m.group(1)))
    return arabic, roman


def _offset(votes: Sequence[tuple[int, set[int]]]) -> int | None:
    """The sheet-minus-folio offset most sheets agree on, if enough do."""
    counts: Counter[int] = Counter(sheet - v for sheet, values in votes for v in values)
    voting = sum(1 for _, values in votes if values)
    if not counts:
        return None
    offset, n = counts.most_common(1)[0]
    return offset if n >= MIN_VOTES and n * 3 >= voting else None


def printed_folios(pages: Sequence[str]) -> list[str] | None:
    """The printed page number of every sheet ("" where none is printed), or None if none is found.

    Arabic folios run from the first sheet that shows one with the book's offset to the end; roman
    folios (front matter) from the first sheet that shows one up to the arabic run. A sheet inside a run
    that shows no number (a full-page figure) still has its place in the numbering.
    """
    candidates = [folio_candidates(p) for p in pages]
    sheets = range(1, len(pages) + 1)
    arabic_offset = _offset([(s, c[0]) for s, c in zip(sheets, candidates, strict=True)])
    if arabic_offset is None:
        return None
    agree = [s for s, c in zip(sheets, candidates, strict=True) if s - arabic_offset in c[0]]
    arabic_start = max(agree[0], arabic_offset + 1)
    labels = [""] * len(pages)
    for s in range(arabic_start, len(pages) + 1):
        labels[s - 1] = str(s - arabic_offset)
    front = [(s, c[1]) for s, c in zip(sheets, candidates, strict=True) if s < arabic_start]
    roman_offset = _offset(front)
    if roman_offset is not None:
        first = min(s for s, values in front if s - roman_offset in values)
        for s in range(max(first, roman_offset + 1), arabic_start):
            labels[s - 1] = to_roman(s - roman_offset)
    # A sheet with no text at all prints no number either (and is never cited).
    return [label if page.strip() else "" for label, page in zip(labels, pages, strict=True)]


def choose_labels(pdf_labels: Sequence[str], folios: Sequence[str] | None, has_page_labels: bool) -> list[str]:
    """The labels to cite: the printed folios where the PDF's own labels are missing or disagree.

    /PageLabels that agree with the printed folios on most numbered sheets win (they also name the
    unnumbered ones, "A", "B"); otherwise the folios, with "" on sheets that print no number.
    """
    if folios is None:
        return list(pdf_labels)
    numbered = [i for i, f in enumerate(folios) if f]
    agree = sum(1 for i in numbered if pdf_labels[i] == folios[i])
    if has_page_labels and agree * 2 >= len(numbered):
        return list(pdf_labels)
    return list(folios)

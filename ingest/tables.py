"""Tables in extracted page text: a caption line ("Table 3. Tafenoquine dose recommendations"), column
headers, then one line per row, as pypdf extracts a table whose cells fit on one line.

Found from the text alone (no positions): a row keeps its line, so a chunk can hold whole rows and an
answer can quote one row ("> 10 to ≤ 20 100 mg Two 50 mg dispersible tablets") and cite its page, while
the caption and headers are repeated in what is embedded and searched (`Chunk.context`). A table whose
cells wrap over several lines comes out of pypdf cell by cell, not row by row; it fails the row test
below and stays prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Table 3. Title", "Table 4-2. Title", "Table A5.2: Title", and French/Spanish captions; the number
# is followed by a full stop or colon and a title, so "Table A5.3 summarizes…" (a sentence) is not one.
_CAPTION = re.compile(r"^(Table|Tableau|Tabla|Cuadro)\s+[A-Z]?\d{1,2}(?:[.\-–]\d{1,2})*\s*[.:]\s+\S")
_SENTENCE_END = re.compile(r"""[.!?:;…]["'”’)\]]*$""")
_DIGIT = re.compile(r"\d")
_HEADER_MAX_LINES = 3
_CAPTION_MAX_LINES = 3
# A line at least this share of the page's widest line is prose running across the page (the
# paragraph after the table), not a row; tables whose rows span the page end early and stay prose.
_PROSE_WIDTH = 0.85
_PROSE_MIN_CHARS = 50  # a page of table alone has short widest lines: they are rows, not prose
_NOTE = re.compile(r"^(Note|Notes|Source|Sources|Abbreviations|Key)\b[s:]?", re.I)
_BULLETS = "•●▪■◦‣∙·"


@dataclass(frozen=True, slots=True)
class TableLines:
    """One table of a page: caption, column headers and rows, each a line of cleaned text."""

    caption: str  # "" for rows that continue a table from the previous page
    header: str  # the header lines joined by spaces; "" when the rows start at once
    rows: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        return (*([self.caption] if self.caption else []), *([self.header] if self.header else []), *self.rows)

    @property
    def continued(self) -> bool:
        """Rows that continue the previous page's table (no caption of their own)."""
        return not self.caption


def is_caption(line: str, previous: str) -> bool:
    """A table caption starts a line after a blank line, a page start or a finished sentence
    ("…as below in\\nTable 4.5. It is available…" continues a sentence)."""
    return bool(_CAPTION.match(line)) and (not previous.strip() or bool(_SENTENCE_END.search(previous.strip())))


def _ends_body(line: str, widest: int) -> bool:
    stripped = line.strip()
    return (
        not stripped
        or len(stripped) >= max(_PROSE_WIDTH * widest, _PROSE_MIN_CHARS)
        or bool(_CAPTION.match(stripped))
        or bool(_NOTE.match(stripped))
        or stripped[0] in _BULLETS
    )


def _is_row_table(rows: list[str]) -> bool:
    """Rows of a table read line by line: several, most with a figure in them (doses, weights, rates).
    Cell-by-cell text (wrapped cells of prose) has few figures per line and fails."""
    with_digits = sum(bool(_DIGIT.search(r)) for r in rows)
    return len(rows) >= 2 and 2 * with_digits >= len(rows)


def _read_body(lines: list[str], i: int, widest: int) -> tuple[list[str], int]:
    body: list[str] = []
    while i < len(lines) and not _ends_body(lines[i], widest):
        body.append(lines[i].strip())
        i += 1
    return body, i


def _read_table(lines: list[str], start: int, widest: int) -> tuple[TableLines, int] | None:
    """The table whose caption is lines[start], and the index of the line after it; None when the
    lines below the caption are not rows."""
    i = start + 1
    caption = [lines[start].strip()]
    while i < len(lines) and len(caption) < _CAPTION_MAX_LINES and lines[i].strip()[:1].islower():
        caption.append(lines[i].strip())  # a caption wrapped onto the next line
        i += 1
    body, i = _read_body(lines, i, widest)
    n_header = 0
    while n_header < min(_HEADER_MAX_LINES, len(body) - 1) and not _DIGIT.search(body[n_header]):
        n_header += 1
    rows = body[n_header:]
    if not _is_row_table(rows):
        return None
    return TableLines(" ".join(caption), " ".join(body[:n_header]), tuple(rows)), i


def split_tables(text: str, *, after_table: bool = False) -> list[str | TableLines]:
    """A page's text as prose pieces and tables, in order; a page without a table is one piece.

    `after_table`: the previous page ended in a table. Rows at the top of this page continue it (a
    table over two pages prints its caption once): they come first, as a table without a caption.
    """
    lines = text.split("\n")
    widest = max((len(ln.strip()) for ln in lines), default=0)
    out: list[str | TableLines] = []
    prose: list[str] = []
    i = 0
    if after_table:
        first = next((n for n, ln in enumerate(lines) if ln.strip()), len(lines))
        rows, end = _read_body(lines, first, widest)
        if _is_row_table(rows):
            out.append(TableLines("", "", tuple(rows)))
            i = end
    while i < len(lines):
        found = _read_table(lines, i, widest) if is_caption(lines[i], lines[i - 1] if i else "") else None
        if found is None:
            prose.append(lines[i])
            i += 1
            continue
        if prose:
            out.append("\n".join(prose))
            prose = []
        table, i = found
        out.append(table)
    if prose:
        out.append("\n".join(prose))
    return out

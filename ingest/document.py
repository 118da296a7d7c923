"""The data that crosses from `ingest` into `index`: documents, their pages, and chunks.

All offsets are character offsets into `Document.text`, the cleaned text, so that
`document.text[chunk.start:chunk.end] == chunk.text` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ingest.acronyms import expand_acronyms


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """Bibliographic data from a sidecar `<file>.meta.json` (or the PDF's info dictionary)."""

    title: str
    publisher: str = ""
    date: str = ""  # ISO date or year as printed, e.g. "2019" or "2025-11-25"
    kind: str = ""  # "book", "news item", "technical briefing note"...
    url: str | None = None
    isbn: str = ""  # as printed ("978-92-4-010730-4"): from the sidecar, else the document's first pages

    @property
    def year(self) -> str:
        return self.date[:4]


@dataclass(frozen=True, slots=True)
class Page:
    """One physical page of the cleaned text. Non-paginated formats have a single page 1 labelled "1"."""

    number: int  # 1-based physical page number
    # printed page label ("iv", "12"); str(number) when the PDF has neither labels nor printed folios, and
    # "" for a sheet that prints no number in a book whose other pages do (a cover, a blank page)
    label: str
    start: int  # span of this page in Document.text
    end: int


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the cleaned text (ingest/tables.py): its caption and column headers, then its rows,
    one line each. Spans are offsets into `Document.text`."""

    caption: tuple[int, int]
    header: tuple[int, int] | None  # None when the rows start right below the caption
    rows: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.caption[0]

    @property
    def end(self) -> int:
        return self.rows[-1][1]


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str  # stable, readable id from the file name stem ("who-tag-health-migration-displacement-2025")
    path: str  # as given, for messages
    sha256: str  # of the raw file bytes: the key of incremental indexing
    meta: DocumentMeta
    text: str  # cleaned text
    pages: tuple[Page, ...]
    tables: tuple[Table, ...] = ()  # in text order; chunked row by row (ingest/chunk.py)

    @property
    def title(self) -> str:
        return self.meta.title


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole sentences, the unit that is embedded, searched and cited."""

    chunk_id: str  # hash of the document's sha256 and the chunk's span: stable across renames
    doc_id: str
    title: str
    heading: str  # nearest section heading above the chunk, "" if none
    text: str  # == Document.text[start:end]
    start: int
    end: int
    page_start: int  # physical pages; a chunk crossing a page break has page_end > page_start
    page_end: int
    page_labels: tuple[str, ...]  # printed labels of page_start..page_end
    sentences: tuple[tuple[int, int], ...] = field(default=())  # sentence spans within `text`
    # where pages page_start+1..page_end begin within `text`: places a quote on its own page. Empty in
    # chunks of an index built before chunker version 3 (their quotes cite every page of the chunk).
    page_breaks: tuple[int, ...] = field(default=())
    # (short, long) forms of the acronyms the document defines that this chunk uses ("TAG", "Technical
    # Advisory Group"): `search_text` spells them out. Empty in chunks from before chunker version 4.
    acronyms: tuple[tuple[str, str], ...] = field(default=())
    # the part of the book: "body", or "contents", "imprint", "contributors", "references", "index"
    # (ingest/sections.py), which search leaves out unless asked and answers never quote. "body" before
    # chunker version 6.
    section: str = "body"
    # a table chunk's caption and column headers, verbatim, when `text` (its rows) does not start with
    # them: repeated in what is embedded and searched (`passage_text`) so that a row is found by the
    # table's subject. "" for prose and before chunker version 7.
    context: str = ""

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(range(self.page_start, self.page_end + 1))

    def search_text(self, start: int = 0, end: int | None = None) -> str:
        """What embedding and BM25 read of `text[start:end]`: its defined acronyms spelled out."""
        return expand_acronyms(self.text[start:end], dict(self.acronyms))

    def passage_text(self) -> str:
        """What is embedded, searched and matched of the whole chunk: `search_text` after the table's
        caption and headers when the chunk holds rows without them."""
        text = self.search_text()
        return f"{self.context_search_text()}\n{text}" if self.context else text

    def context_search_text(self) -> str:
        """`search_text` of the table caption and headers the chunk's rows read under ("" for prose)."""
        return expand_acronyms(self.context, dict(self.acronyms))

    def pages_of(self, start: int, end: int) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Physical pages and printed labels that `text[start:end]` lies on."""
        if len(self.page_breaks) != self.page_end - self.page_start:
            return self.pages, self.page_labels  # breaks unknown: every page of the chunk, never too few
        bounds = (0, *self.page_breaks, len(self.text))
        on = [i for i in range(len(bounds) - 1) if bounds[i] < end and bounds[i + 1] > start]
        return tuple(self.page_start + i for i in on), tuple(self.page_labels[i] for i in on)


def chunk_to_json(chunk: Chunk) -> dict[str, Any]:
    """The one JSON form of a chunk (the index's chunk store and `mhqa ingest --json`): every field,
    tuples as lists."""
    return {f.name: _plain(getattr(chunk, f.name)) for f in fields(chunk)}


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def chunk_from_json(data: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=str(data["chunk_id"]),
        doc_id=str(data["doc_id"]),
        title=str(data["title"]),
        heading=str(data["heading"]),
        text=str(data["text"]),
        start=int(data["start"]),
        end=int(data["end"]),
        page_start=int(data["page_start"]),
        page_end=int(data["page_end"]),
        page_labels=tuple(str(x) for x in data["page_labels"]),
        sentences=tuple((int(s), int(e)) for s, e in data["sentences"]),
        page_breaks=tuple(int(x) for x in data.get("page_breaks", ())),
        acronyms=tuple((str(short), str(long)) for short, long in data.get("acronyms", ())),
        section=str(data.get("section", "body")),
        context=str(data.get("context", "")),
    )

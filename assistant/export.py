"""Render an Answer for people and programs: text, markdown, CSV, BibTeX and the `--json` dict.

Pure functions of an Answer (and, for the bibliographic formats, the documents' metadata), so the CLI,
the app and the tests produce identical output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer_types import Answer, Citation
from assistant.errors import AnswerError
from assistant.text import page_text
from index.hit import Hit, hit_to_json
from ingest.document import DocumentMeta

FORMATS = ("text", "markdown", "csv", "bibtex", "ris", "csljson", "json")


def in_quotes(text: str) -> str:
    """`text` between curly quotes, unless it already opens with a quotation mark (a quoted speech):
    “Our commitment …,” Dr Severoni said. would otherwise print as ““Our commitment …”."""
    if text.startswith(("\u201c", '"', "\u2018", "'")):
        return text
    return f"\u201c{text}\u201d"


def _shape(answer: Mapping[str, Any]) -> str:
    """The answer text (of its JSON form) with what the CLI and the app both add: the reason for a
    refusal (unless the notice already says it), "(partial answer)" for a partial one."""
    text = str(answer["answer"])
    reason = answer.get("reason", "")
    if answer["refused"] and reason and reason != answer.get("notice", ""):
        text = f"{text} {reason}"
    if answer.get("partial"):
        text = f"{text} (partial answer)"
    return text


def citation_to_dict(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "title": c.title,
        "pages": list(c.pages),
        "page_labels": list(c.page_labels),
        "quote": c.quote,
    }


def answer_to_dict(answer: Answer, *, id: Any = None) -> dict[str, Any]:
    """The `--json` object; `id` (from a --batch line) is carried through first when given."""
    out: dict[str, Any] = {} if id is None else {"id": id}
    out.update(
        {
            "question": answer.question,
            "answer": answer.text,
            "refused": answer.refused,
            "citations": [citation_to_dict(c) for c in answer.citations],
            "related": [hit_to_json(h) for h in answer.related],
        }
    )
    out["partial"] = answer.partial
    if answer.reason:
        out["reason"] = answer.reason
    if answer.notice:
        out["notice"] = answer.notice
    return out


def render_text(answer: Answer) -> str:
    return render_text_json(answer_to_dict(answer))


def render_text_json(answer: Mapping[str, Any]) -> str:
    """The text form of an answer from its JSON form (`answer_to_dict`, or a served app's /ask reply)."""
    lines = [_shape(answer), ""]
    if answer["citations"]:
        lines.append("Sources:")
        for c in answer["citations"]:
            lines.append(f"[{c['n']}] {c['title']}, {page_text(tuple(c['pages']), tuple(c['page_labels']))}")
            lines.append(f"    {in_quotes(_one_line(c['quote']))}")
    elif answer["related"]:
        lines.append("Related passages:")
        for h in answer["related"]:
            start, end = h["best_sentence"]["start"], h["best_sentence"]["end"]
            lines.append(f"- {h['title']}, {page_text(tuple(h['pages']), tuple(h['page_labels']))}")
            lines.append(f"    {in_quotes(_one_line(h['text'][start:end]))}")
    if answer.get("notice"):
        lines += ["", f"Note: {answer['notice']}"]
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(answer: Answer, meta: Mapping[str, DocumentMeta] | None = None) -> str:
    meta = meta or {}
    lines = [f"**Question:** {_md(answer.question)}", "", _md(answer.text), ""]
    if answer.citations:
        lines += ["**Sources**", ""]
        for c in answer.citations:
            lines.append(
                f"{c.n}. *{_md(c.title)}*{_md_source(meta.get(c.doc_id))}, {page_text(c.pages, c.page_labels)}  "
            )
            lines.append(f"   > {_md(_one_line(c.quote))}")
    elif answer.related:
        lines += ["**Related passages** (they do not answer the question)", ""]
        for h in answer.related:
            lines.append(
                f"- *{_md(h.chunk.title)}*, {page_text(h.chunk.pages, h.chunk.page_labels)}: "
                f"{in_quotes(_md(_one_line(h.best_sentence_text)))}"
            )
    if answer.notice:
        lines += ["", f"*Note: {_md(answer.notice)}*"]
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS = (
    "question",
    "answer",
    "refused",
    "n",
    "title",
    "doc_id",
    "pages",
    "page_labels",
    "quote",
    "publisher",
    "year",
    "url",
)


def render_csv(answer: Answer, meta: Mapping[str, DocumentMeta] | None = None) -> str:
    """One row per citation (one row without source columns when there is none), with a header."""
    meta = meta or {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    head = [answer.question, answer.text, str(answer.refused).lower()]
    if not answer.citations:
        writer.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
    for c in answer.citations:
        m = meta.get(c.doc_id)
        writer.writerow(
            head
            + [
                c.n,
                c.title,
                c.doc_id,
                ";".join(map(str, c.pages)),
                ";".join(c.page_labels),
                _one_line(c.quote),
                m.publisher if m else "",
                m.year if m else "",
                (m.url or "") if m else "",
            ]
        )
    return buf.getvalue()


def render_bibtex(answer: Answer, meta: Mapping[str, DocumentMeta] | None = None) -> str:
    """One entry per cited document (@book for books, else @misc) with the cited pages in `note`."""
    meta = meta or {}
    pages: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for c in answer.citations:
        titles.setdefault(c.doc_id, c.title)
        for label in c.page_labels:
            if label not in pages.setdefault(c.doc_id, []):
                pages[c.doc_id].append(label)
    entries = []
    for doc_id, labels in pages.items():
        m = meta.get(doc_id) or DocumentMeta(title=titles[doc_id])
        is_book = m.kind.lower().startswith("book")
        fields = [("title", "{" + _bib(m.title or titles[doc_id]) + "}")]
        if m.publisher:
            fields.append(("publisher" if is_book else "organization", _bib(m.publisher)))
        if m.year:
            fields.append(("year", _bib(m.year)))
        if m.url:
            fields.append(("url", m.url.replace("}", "%7D").replace("{", "%7B")))
        cited = ", ".join(labels)
        fields.append(("note", _bib(f"Cited {'p.' if len(labels) == 1 else 'pp.'} {cited}")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{'book' if is_book else 'misc'}{{{_bib_key(doc_id)},\n{body}\n}}\n")
    return "\n".join(entries)


# ---------------------------------------------------------------- reference managers (Zotero, EndNote...)


@dataclass(frozen=True, slots=True)
class CitedPassage:
    """One record of a RIS or CSL-JSON export: a passage of a document, its printed pages and quote."""

    doc_id: str
    title: str
    page_labels: tuple[str, ...]
    quote: str


def answer_passages(answer: Answer) -> list[CitedPassage]:
    return [CitedPassage(c.doc_id, c.title, c.page_labels, _one_line(c.quote)) for c in answer.citations]


def hit_passages(hits: Sequence[Hit]) -> list[CitedPassage]:
    """Search results as records: each hit's best sentence, on the page(s) that sentence lies on."""
    out = []
    for h in hits:
        _, labels = h.chunk.pages_of(*h.best_sentence)
        out.append(CitedPassage(h.chunk.doc_id, h.chunk.title, labels, _one_line(h.best_sentence_text)))
    return out


def _locator(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]}-{labels[-1]}" if labels else ""


def _is_book(m: DocumentMeta) -> bool:
    return m.kind.lower().startswith("book") or bool(m.isbn)


def render_ris(passages: Sequence[CitedPassage], meta: Mapping[str, DocumentMeta] | None = None) -> str:
    """RIS, one record per passage: the document's bibliographic data, the printed page (SP/EP) and the
    quote as a note (N1). Tags are "XX  - value"; values are kept on one line."""
    meta = meta or {}
    records = []
    for p in passages:
        m = meta.get(p.doc_id) or DocumentMeta(title=p.title)
        lines = [("TY", "BOOK" if _is_book(m) else "RPRT"), ("TI", m.title or p.title)]
        if m.publisher:
            lines.append(("PB", m.publisher))
        if m.year:
            lines.append(("PY", m.year))
        if m.isbn:
            lines.append(("SN", m.isbn))
        if m.url:
            lines.append(("UR", m.url))
        if p.page_labels:
            lines.append(("SP", p.page_labels[0]))
            if len(p.page_labels) > 1:
                lines.append(("EP", p.page_labels[-1]))
        lines += [("N1", in_quotes(p.quote)), ("ID", p.doc_id), ("ER", "")]
        records.append("".join(f"{tag}  - {_one_line(value)}".rstrip() + "\n" for tag, value in lines))
    return "\n".join(records)


def render_csljson(passages: Sequence[CitedPassage], meta: Mapping[str, DocumentMeta] | None = None) -> str:
    """CSL-JSON (what Zotero, Mendeley and pandoc's citeproc read), one item per passage: the document's
    data, the printed page in `page` (the locator) and the quote in `note`."""
    meta = meta or {}
    items = []
    for i, p in enumerate(passages, 1):
        m = meta.get(p.doc_id) or DocumentMeta(title=p.title)
        item: dict[str, Any] = {
            "id": f"{p.doc_id}-{i}",
            "type": "book" if _is_book(m) else "report",
            "title": m.title or p.title,
        }
        if m.publisher:
            item["publisher"] = m.publisher
        if m.year.isdigit():
            item["issued"] = {"date-parts": [[int(m.year)]]}
        if m.isbn:
            item["ISBN"] = m.isbn
        if m.url:
            item["URL"] = m.url
        if p.page_labels:
            item["page"] = _locator(p.page_labels)
        item["note"] = in_quotes(p.quote)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def render(answer: Answer, fmt: str = "text", meta: Mapping[str, DocumentMeta] | None = None) -> str:
    """`answer` in one of FORMATS; `meta` (document id -> DocumentMeta) feeds markdown, CSV and BibTeX."""
    if fmt == "text":
        return render_text(answer)
    if fmt == "markdown":
        return render_markdown(answer, meta)
    if fmt == "csv":
        return render_csv(answer, meta)
    if fmt == "bibtex":
        return render_bibtex(answer, meta)
    if fmt == "ris":
        return render_ris(answer_passages(answer), meta)
    if fmt == "csljson":
        return render_csljson(answer_passages(answer), meta)
    if fmt == "json":
        return json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2) + "\n"
    raise AnswerError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _md_source(m: DocumentMeta | None) -> str:
    if m is None:
        return ""
    parts = [p for p in (m.publisher, m.year) if p]
    return f" ({_md(', '.join(parts))})" if parts else ""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    """Escape what markdown would read as formatting or links (the [n] markers stay readable: \\[1\\])."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_BIB_SPECIAL = re.compile(r"([&%$#_])")


def _bib(text: str) -> str:
    """Escape BibTeX/LaTeX specials; braces are dropped so a value can never unbalance its entry."""
    return _BIB_SPECIAL.sub(r"\\\1", text.replace("{", "").replace("}", "").replace("\\", ""))


def _bib_key(doc_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:-]", "-", doc_id) or "doc"


# ---------------------------------------------------------------- search results


def render_hits_text(hits: Sequence[Hit], *, mark: tuple[str, str] = ("»", "«")) -> str:
    """Human output: rank, title, page label(s), score, and the passage with its best sentence marked."""
    if not hits:
        return "no matching passages"
    blocks = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        pages = page_text(chunk.pages, chunk.page_labels)
        start, end = hit.best_sentence
        text = chunk.text[:start] + mark[0] + chunk.text[start:end] + mark[1] + chunk.text[end:]
        body = "\n".join(("   " + line).rstrip() for line in text.strip().splitlines())
        blocks.append(f"{rank}. {chunk.title} ({pages}) score {hit.score:.4f} [{chunk.doc_id}]\n{body}")
    return "\n\n".join(blocks)


def citation_line(hit: Hit, years: dict[str, str] | None = None) -> str:
    """A plain-text citation to paste into a brief: title (year), pages: "sentence"."""
    year = (years or {}).get(hit.chunk.doc_id, "")
    title = f"{hit.chunk.title} ({year})" if year else hit.chunk.title
    sentence = " ".join(hit.best_sentence_text.split())
    return f'{title}, {page_text(hit.chunk.pages, hit.chunk.page_labels)}: "{sentence}"'


HIT_CSV_COLUMNS = (
    "rank",
    "score",
    "title",
    "year",
    "doc_id",
    "pages",
    "page_labels",
    "heading",
    "best_sentence",
    "passage",
    "chunk_id",
)


def _hit_fields(rank: int, hit: Hit, years: dict[str, str]) -> list[str]:
    c = hit.chunk
    return [
        str(rank),
        f"{hit.score:.4f}",
        c.title,
        years.get(c.doc_id, ""),
        c.doc_id,
        "-".join(map(str, (c.page_start, c.page_end) if c.page_end > c.page_start else (c.page_start,))),
        "|".join(c.page_labels),
        c.heading,
        " ".join(hit.best_sentence_text.split()),
        " ".join(c.text.split()),
        c.chunk_id,
    ]


def hits_csv(hits: Sequence[Hit], years: dict[str, str] | None = None) -> str:
    """The search results as CSV; cells a spreadsheet would run as formulas are quoted with a leading '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HIT_CSV_COLUMNS)
    for rank, hit in enumerate(hits, 1):
        writer.writerow([_cell(v) for v in _hit_fields(rank, hit, years or {})])
    return out.getvalue()


def _cell(value: str) -> str:
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def hits_markdown(query: str, hits: Sequence[Hit], years: dict[str, str] | None = None) -> str:
    """The search results as a Markdown list: citation line, then the passage quoted."""
    lines = [f"# Search results: {_md(query)}", ""]
    for rank, hit in enumerate(hits, 1):
        lines.append(f"{rank}. {_md(citation_line(hit, years))} (score {hit.score:.3f})")
        lines.append(f"   > {_md(' '.join(hit.chunk.text.split()))}")
        lines.append("")
    return "\n".join(lines)

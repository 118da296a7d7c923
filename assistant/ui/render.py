"""Pure functions behind the web app: escaped HTML for answers, sources and search results, filters,
library rows and the upload check. No gradio here, so all of it is testable without a browser.

Every piece of untrusted text (document text, titles, questions, file names) goes through
`escape_text` before any markup of ours (<mark>, citation links) is added around it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from assistant.answer_types import Answer, Citation
from assistant.export import citation_line
from assistant.text import page_text
from index.hit import Hit
from ingest.document import DocumentMeta

ANY_YEAR = "any year"
MB = 1024 * 1024
SOURCE_ID_PREFIX = "mhqa-src-"
# Characters that markdown (the chat box renders markdown) or the HTML component's template engine
# (`${...}`, `{{...}}`) would interpret; as numeric entities they display as themselves and do nothing.
_INERT = {c: f"&#{ord(c)};" for c in "\\`*_[]()#+-!|~$}{<>"}
_INERT.update({"&": "&amp;", '"': "&quot;", "'": "&#x27;"})
_INERT_TABLE = str.maketrans(_INERT)
_MARKER = re.compile(r"\[(\d{1,3})\]")


class DocumentLike(Protocol):
    """What the library and the filters need from the index's per-document record."""

    @property
    def doc_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def meta(self) -> DocumentMeta: ...
    @property
    def sha256(self) -> str: ...


def escape_text(text: str) -> str:
    """Untrusted text as inert HTML that also survives markdown and template rendering verbatim."""
    return text.translate(_INERT_TABLE).replace("\n", "<br>")


def highlight(text: str, span: tuple[int, int] | None) -> str:
    """The passage escaped, with the characters of `span` wrapped in <mark> (escaping first, then markup)."""
    if span is None:
        return escape_text(text)
    start, end = max(0, span[0]), min(len(text), span[1])
    if start >= end:
        return escape_text(text)
    return f"{escape_text(text[:start])}<mark>{escape_text(text[start:end])}</mark>{escape_text(text[end:])}"


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` lies in `text` (whitespace-insensitive at its ends), or None."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    return None if at < 0 else (at, at + len(quote))


def source_id(n: int) -> str:
    """The HTML id of source [n] in the sources panel, the target of the answer's marker links."""
    return f"{SOURCE_ID_PREFIX}{n}"


def render_question(question: str) -> str:
    """A user's question for the chat box: shown as typed, never interpreted."""
    return escape_text(question)


def render_answer(answer: Answer) -> str:
    """The answer for the chat box: escaped text whose [n] markers link to the sources panel."""
    cited = {c.n for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for m in _MARKER.finditer(answer.text):
        n = int(m.group(1))
        if n not in cited:
            continue
        parts.append(escape_text(answer.text[pos : m.start()]))
        parts.append(f'<a class="mhqa-cite" href="#{source_id(n)}" title="source {n}">&#91;{n}&#93;</a>')
        pos = m.end()
    parts.append(escape_text(answer.text[pos:]))
    body = "".join(parts)
    if answer.refused:
        body = f'<strong class="mhqa-refused">Not answered from the documents.</strong> {body}'
        if answer.reason and answer.reason != answer.notice:
            body += f' <span class="mhqa-reason">{escape_text(answer.reason)}</span>'
    if answer.partial:
        body += ' <em class="mhqa-partial">(partial answer)</em>'
    if answer.notice:
        body += f'<br><em class="mhqa-notice">{escape_text(answer.notice)}</em>'
    return body


def _card(
    anchor: str,
    label: str,
    title: str,
    pages: str,
    heading: str,
    passage_html: str,
    score: float | None,
    extra: str = "",
) -> str:
    score_html = f'<span class="mhqa-score">score {score:.3f}</span>' if score is not None else ""
    heading_html = f'<div class="mhqa-heading">{escape_text(heading)}</div>' if heading else ""
    return (
        f'<div class="mhqa-source" id="{anchor}">'
        f'<div class="mhqa-source-head"><span class="mhqa-n">{label}</span> '
        f'<span class="mhqa-title">{escape_text(title)}</span> '
        f'<span class="mhqa-pages">{escape_text(pages)}</span> {score_html}</div>'
        f'{heading_html}<div class="mhqa-passage">{passage_html}</div>{extra}</div>'
    )


def view_button(chunk_id: str, span: tuple[int, int], kind: str | None) -> str:
    """The "Show page" ("Show section" for a text source) button of a card and the place its view
    loads into; nothing when the source cannot be shown (`kind` None)."""
    if kind is None:
        return ""
    label = "Show page" if kind == "page" else "Show section"
    return (
        f'<button type="button" class="mhqa-show-page" data-chunk="{escape_text(chunk_id)}" '
        f'data-start="{span[0]}" data-end="{span[1]}">{label}</button><div class="mhqa-pageview"></div>'
    )


def render_citation(citation: Citation, hit: Hit | None, viewable: Mapping[str, str] | None = None) -> str:
    """One source card: title, page label, the passage with the cited sentence marked, the score, and
    "Show page" when `viewable` (doc id -> "page" or "section") has the document."""
    extra = ""
    if hit is None:  # the passage itself is unknown: show the verbatim quote, marked
        passage, heading, score = highlight(citation.quote, (0, len(citation.quote))), "", None
    else:
        span = find_span(hit.chunk.text, citation.quote) or hit.best_sentence
        passage, heading, score = highlight(hit.chunk.text, span), hit.chunk.heading, hit.score
        extra = view_button(hit.chunk.chunk_id, span, (viewable or {}).get(citation.doc_id))
    return _card(
        source_id(citation.n),
        f"[{citation.n}]",
        citation.title,
        page_text(citation.pages, citation.page_labels),
        heading,
        passage,
        score,
        extra,
    )


def render_sources(
    answer: Answer | None, hits_by_chunk: dict[str, Hit] | None = None, viewable: Mapping[str, str] | None = None
) -> str:
    """The sources panel for an answer; for a refusal, the related passages that were not enough."""
    if answer is None:
        return '<div class="mhqa-empty">Sources of the answer appear here.</div>'
    hits_by_chunk = hits_by_chunk if hits_by_chunk is not None else {h.chunk.chunk_id: h for h in answer.related}
    if answer.citations:
        cards = [render_citation(c, hits_by_chunk.get(c.chunk_id), viewable) for c in answer.citations]
        return '<div class="mhqa-sources">' + "".join(cards) + "</div>"
    if answer.related:
        head = '<div class="mhqa-related-head">Related passages (not enough to answer):</div>'
        return (
            '<div class="mhqa-sources">'
            + head
            + render_hits(answer.related, copy_buttons=False, viewable=viewable)
            + "</div>"
        )
    return '<div class="mhqa-empty">No passage in the documents is close to this question.</div>'


def render_hits(
    hits: Sequence[Hit],
    *,
    years: dict[str, str] | None = None,
    copy_buttons: bool = True,
    viewable: Mapping[str, str] | None = None,
) -> str:
    """Ranked passages, each with its best sentence marked, its score and a copy-citation button."""
    if not hits:
        return '<div class="mhqa-empty">No passages found.</div>'
    cards = []
    for rank, hit in enumerate(hits, 1):
        button = ""
        if copy_buttons:
            cite = html.escape(citation_line(hit, years), quote=True)
            button = f'<button type="button" class="mhqa-copy" data-cite="{cite}">Copy citation</button>'
        button += view_button(hit.chunk.chunk_id, hit.best_sentence, (viewable or {}).get(hit.chunk.doc_id))
        cards.append(
            _card(
                f"mhqa-hit-{rank}",
                f"#{rank}",
                hit.chunk.title,
                page_text(hit.chunk.pages, hit.chunk.page_labels),
                hit.chunk.heading,
                highlight(hit.chunk.text, hit.best_sentence),
                hit.score,
                button,
            )
        )
    return "".join(cards)


def year_choices(documents: Iterable[DocumentLike]) -> list[str]:
    """The year filter's choices: 'any year', then each year present, newest first."""
    return [ANY_YEAR, *sorted({d.meta.year for d in documents if d.meta.year}, reverse=True)]


def doc_choices(documents: Iterable[DocumentLike]) -> list[tuple[str, str]]:
    """(label, doc id) pairs for the document filter, sorted by title."""
    return sorted((f"{d.title} ({d.meta.year})" if d.meta.year else d.title, d.doc_id) for d in documents)


def filter_doc_ids(
    documents: Iterable[DocumentLike], selected: Sequence[str] | None, year: str | None
) -> tuple[str, ...] | None:
    """The doc ids a search is limited to: None means every document; () means none match."""
    wanted_year = None if not year or year == ANY_YEAR else year
    if not selected and wanted_year is None:
        return None
    chosen = set(selected or ())
    return tuple(
        d.doc_id
        for d in documents
        if (not chosen or d.doc_id in chosen) and (wanted_year is None or d.meta.year == wanted_year)
    )


def library_rows(documents: Iterable[Any]) -> list[list[Any]]:
    """One row per indexed document: title, id, year, pages, chunks, added, changed, hash prefix."""
    return [
        [d.title, d.doc_id, d.meta.year, d.pages, d.chunks, _day(d.added), _day(d.changed), d.sha256[:12]]
        for d in sorted(documents, key=lambda d: d.title.lower())
    ]


LIBRARY_HEADERS = ["title", "id", "year", "pages", "chunks", "added", "changed", "sha256"]


def library_html(documents: Iterable[Any]) -> str:
    """The library as an escaped HTML table that scrolls sideways on a narrow screen."""
    rows = library_rows(documents)
    if not rows:
        return '<div class="mhqa-empty">The index holds no documents yet: add files and rebuild.</div>'
    head = "".join(f"<th>{h}</th>" for h in LIBRARY_HEADERS)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="mhqa-col-{h}">{escape_text(str(v))}</td>' for h, v in zip(LIBRARY_HEADERS, r, strict=True)
        )
        + "</tr>"
        for r in rows
    )
    return (
        f'<div class="mhqa-table-wrap"><table class="mhqa-library"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _day(value: Any) -> str:
    text = str(value or "")
    return text[:16].replace("T", " ")


def about_line(documents: Sequence[DocumentLike], model: str) -> str:
    """Escaped HTML naming the indexed documents and the embedding model."""
    titles = "; ".join(escape_text(d.title) for d in sorted(documents, key=lambda d: d.title.lower()))
    count = f"{len(documents)} document{'s' if len(documents) != 1 else ''}"
    return (
        f'<div class="mhqa-about">Answers come only from {count}: {titles or "none yet"}. '
        f"Embedding model: {escape_text(model)}. Every sentence cites its passage.</div>"
    )


def summary_text(summary: Any) -> str:
    """A one-paragraph account of an index update (counts, time, reason, skipped files)."""

    def n(name: str) -> int:
        return len(getattr(summary, name, ()) or ())

    text = (
        f"Index updated in {float(getattr(summary, 'seconds', 0.0)):.1f} s: {n('added')} added, "
        f"{n('changed')} changed, {n('removed')} removed, {n('unchanged')} unchanged; "
        f"{int(getattr(summary, 'chunks_embedded', 0))} passages embedded."
    )
    reason = getattr(summary, "rebuilt_reason", None)
    if reason:
        text += f" Rebuilt from scratch: {reason}."
    skipped = list(getattr(summary, "skipped", ()) or ())
    if skipped:
        text += f" Skipped {len(skipped)}: " + "; ".join(_skipped_text(s) for s in skipped) + "."
    return text


def _skipped_text(item: Any) -> str:
    if hasattr(item, "path") and hasattr(item, "reason"):
        return f"{Path(str(item.path)).name} ({item.reason})"
    if isinstance(item, tuple | list) and len(item) == 2:
        return f"{item[0]} ({item[1]})"
    return str(item)


def viewable_kinds(documents: Iterable[Any]) -> dict[str, str]:
    """doc id -> "page" for PDFs, "section" for text sources: what each card's view button shows."""
    return {d.doc_id: "page" if str(d.path).lower().endswith(".pdf") else "section" for d in documents}


LOG_HEADERS = ["time", "user", "action", "file", "sha256"]


def library_log_html(entries: Sequence[Any]) -> str:
    """The log of library changes, newest first, as an escaped table."""
    if not entries:
        return '<div class="mhqa-empty">No library changes recorded yet.</div>'
    head = "".join(f"<th>{h}</th>" for h in LOG_HEADERS)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="mhqa-col-{h}">{escape_text(str(getattr(e, h)))}</td>' for h in LOG_HEADERS)
        + "</tr>"
        for e in entries
    )
    return (
        f'<div class="mhqa-table-wrap"><table class="mhqa-library mhqa-log"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def access_html(notice: str, *, read_only: bool) -> str:
    """The Library tab's line on who may change the library (the read-only notice when no one may)."""
    cls = "mhqa-access mhqa-read-only" if read_only else "mhqa-access"
    return f'<div class="{cls}">{escape_text(notice)}</div>'

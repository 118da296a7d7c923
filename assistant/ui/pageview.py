"""The "Show page" view of a cited passage: for a PDF, the page image with the quote's boxes over it,
prev/next page and a download link opening at the page; for TXT/MD/HTML, the section the passage comes
from with the sentence marked. Pure functions of the index's records (no gradio): the app's server
function calls `build_view`, then `view_html`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.ui.render import escape_text, highlight
from ingest.document import Chunk
from ingest.errors import MhqaError
from ingest.page_image import Box, locate_quote, page_count, page_label, render_page

PAGE_WIDTH_PX = 1100  # sharp on a laptop and zoomable on a phone; the image scales to the panel's width


@dataclass(frozen=True, slots=True)
class ShownPage:
    number: int  # physical page (the "sheet")
    label: str  # printed page
    image_url: str
    width: int
    height: int
    boxes: tuple[Box, ...]
    exact: bool | None  # None: a page shown by prev/next, where the quote is not


@dataclass(frozen=True, slots=True)
class PageView:
    title: str
    total: int
    pages: tuple[ShownPage, ...]
    download_url: str  # the PDF, opening at the first page shown
    request: tuple[str, int, int]  # (chunk_id, start, end) of the quote, for prev/next


@dataclass(frozen=True, slots=True)
class SectionView:
    title: str
    heading: str
    text: str
    span: tuple[int, int] | None  # the sentence within `text`


# The app's route for downloading an indexed PDF by its document id (assistant/ui/app.py serves it):
# the corpus folder itself is not served, so sidecars and stray files there cannot be fetched.
DOCUMENT_PATH = "mhqa/document/"


def file_url(path: Path) -> str:
    """The app's URL of a rendered page (Gradio's file route; only the page cache is in `allowed_paths`)."""
    return "gradio_api/file=" + urllib.parse.quote(str(path))


def document_url(doc_id: str) -> str:
    """The app's URL of an indexed PDF, relative to the app's root like `file_url`."""
    return DOCUMENT_PATH + urllib.parse.quote(doc_id, safe="")


def build_pdf_view(
    path: Path,
    sha256: str,
    title: str,
    chunk: Chunk,
    start: int,
    end: int,
    page: int | None,
    cache_dir: Path,
    max_cache_bytes: int | None = None,
) -> PageView:
    """The cited page(s) of `chunk.text[start:end]` with the quote's boxes, or, with `page`, that page
    (the quote's boxes on it when it is one of the cited pages). The page cache is kept within
    `max_cache_bytes` when given (ingest.page_image.prune_cache)."""
    cited, labels = chunk.pages_of(start, end)
    total = page_count(path)
    shown = cited if page is None else (page,)
    if page is not None and not 1 <= page <= total:
        raise MhqaError(f"page {page} does not exist: {title} has {total} pages")
    quote = chunk.text[start:end]
    highlights = {h.page: h for h in locate_quote(path, cited, quote)} if set(shown) & set(cited) else {}
    pages = []
    for number in shown:
        image = render_page(path, sha256, number, PAGE_WIDTH_PX, cache_dir, max_cache_bytes)
        label = labels[cited.index(number)] if number in cited else page_label(path, number)
        found = highlights.get(number)
        pages.append(
            ShownPage(
                number,
                label,
                file_url(image.path),
                image.width,
                image.height,
                found.boxes if found else (),
                found.exact if found else None,
            )
        )
    download = f"{document_url(chunk.doc_id)}#page={shown[0]}"
    return PageView(title, total, tuple(pages), download, (chunk.chunk_id, start, end))


def build_section_view(title: str, chunks: Sequence[Chunk], chunk: Chunk, start: int, end: int) -> SectionView:
    """The run of the document's chunks under the same heading as `chunk`, joined in reading order
    (overlaps dropped by their spans), with the sentence's place in it."""
    ordered = sorted(chunks, key=lambda c: c.start)
    at = next((i for i, c in enumerate(ordered) if c.chunk_id == chunk.chunk_id), None)
    if at is None:
        return SectionView(title, chunk.heading, chunk.text, (start, end))
    first = last = at
    while first > 0 and ordered[first - 1].heading == chunk.heading:
        first -= 1
    while last + 1 < len(ordered) and ordered[last + 1].heading == chunk.heading:
        last += 1
    text, pos, offset = "", ordered[first].start, 0
    for c in ordered[first : last + 1]:
        piece = c.text[max(0, pos - c.start) :]
        if text and c.start > pos:
            text += "\n\n"
        if c.chunk_id == chunk.chunk_id:
            offset = len(text) - max(0, pos - c.start)
        text += piece
        pos = max(pos, c.end)
    return SectionView(title, chunk.heading, text, (offset + start, offset + end))


def view_html(view: PageView | SectionView) -> str:
    """The view as escaped HTML (every box is a percentage of its page, so it scales with the image)."""
    if isinstance(view, SectionView):
        heading = f'<div class="mhqa-heading">{escape_text(view.heading)}</div>' if view.heading else ""
        return (
            f'<div class="mhqa-section-view"><div class="mhqa-view-head">Section of '
            f'<span class="mhqa-title">{escape_text(view.title)}</span></div>{heading}'
            f'<div class="mhqa-passage">{highlight(view.text, view.span)}</div></div>'
        )
    chunk_id, start, end = view.request
    first, last = view.pages[0].number, view.pages[-1].number
    nav = "".join(
        f'<button type="button" class="mhqa-page-nav" data-chunk="{escape_text(chunk_id)}" data-start="{start}" '
        f'data-end="{end}" data-page="{n}"{"" if 1 <= n <= view.total else " disabled"}>{label}</button>'
        for n, label in ((first - 1, "‹ Previous page"), (last + 1, "Next page ›"))
    )
    body = "".join(_page_html(p, view.total) for p in view.pages)
    return (
        f'<div class="mhqa-page-view"><div class="mhqa-view-nav">{nav}'
        f'<a class="mhqa-download" href="{escape_text(view.download_url)}" target="_blank" '
        f'rel="noopener">Download the PDF at this page</a></div>{body}</div>'
    )


def _page_html(page: ShownPage, total: int) -> str:
    if page.exact is None:
        note = ""
    elif not page.boxes:
        note = ' · <span class="mhqa-approx">the quote could not be placed on this page</span>'
    elif not page.exact:
        note = ' · <span class="mhqa-approx">approximate: the lines holding the quote\'s words</span>'
    else:
        note = ""
    boxes = "".join(
        f'<div class="mhqa-hl{"" if page.exact else " mhqa-hl-approx"}" style="left:{b.left * 100:.3f}%;'
        f'top:{b.top * 100:.3f}%;width:{(b.right - b.left) * 100:.3f}%;height:{(b.bottom - b.top) * 100:.3f}%">'
        "</div>"
        for b in page.boxes
    )
    return (
        f'<figure class="mhqa-page" data-page="{page.number}">'
        f"<figcaption>Printed page {escape_text(page.label)} · sheet {page.number} of {total}{note}</figcaption>"
        f'<div class="mhqa-page-frame"><img src="{escape_text(page.image_url)}" width="{page.width}" '
        f'height="{page.height}" alt="page {escape_text(page.label)}" loading="lazy">{boxes}</div></figure>'
    )


def view_request(data: Any) -> tuple[str, int, int, int | None]:
    """(chunk_id, start, end, page) from the browser's request (a dict, or a one-item list of one)."""
    if isinstance(data, list | tuple) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise MhqaError("bad page request")
    try:
        page = data.get("page")
        return (str(data["chunk_id"]), int(data["start"]), int(data["end"]), None if page in (None, "") else int(page))
    except (KeyError, TypeError, ValueError) as exc:
        raise MhqaError("bad page request: expected chunk_id, start, end and an optional page") from exc

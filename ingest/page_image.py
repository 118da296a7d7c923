"""A PDF page as an image, and where a quoted sentence lies on it: the "Show page" view's loading work.

The only module that imports pypdfium2 (Apache-2.0/BSD; PyMuPDF would bring the AGPL). Quotes come
from pypdf's extraction after cleaning (ligatures split, hyphenation joined, lines re-wrapped), so they
are matched against the page's characters on letters and digits alone, each character keeping its
index on the page: the match gives the characters, and their boxes give the highlight. When the quote
is not found that way (the page's text runs in another order than pypdf read it), the lines holding the
quote's words are highlighted and marked approximate; lines without them never are.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import IngestError

log = logging.getLogger(__name__)

# A line holds the quote approximately when it has one of the quote's longer words: short words ("of",
# "the", "and") would place boxes on any line.
_MIN_WORD = 4
# Share of the quote's longer words that the chosen lines must hold before an approximate highlight is
# shown at all; below it the page is shown without boxes and says the quote could not be placed.
_MIN_COVERAGE = 0.6
# Widest gap, in line heights, that one box spans on a line: a word space is about a third of one.
_MAX_GAP_LINES = 1.5
_DEVICE = 10_000  # page coordinates are converted to this device size, then to fractions
_PARTIAL = ".page-"  # the prefix of a page image still being written


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on the page as fractions of its rendered width and height, from the top left."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageHighlight:
    """Where (the part of) a quote lies on one page: `exact` boxes cover its characters; otherwise the
    boxes cover the lines holding its words, and no box at all means it could not be placed."""

    page: int  # 1-based physical page
    boxes: tuple[Box, ...]
    exact: bool
    part: str  # the letters and digits of the quote this page holds (lower case), for checks


@dataclass(frozen=True, slots=True)
class PageImage:
    path: Path  # the cached PNG
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class _PageChars:
    """A page's characters in pdfium's order: the letters and digits (folded) with their char index."""

    folded: str
    index: tuple[int, ...]  # index[i] is the page character that folded[i] comes from
    codes: tuple[str, ...]  # every page character, as pdfium reports it


def fold(text: str) -> str:
    """The letters and digits of `text`, compatibility-normalised (ligatures split) and case-folded."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _open(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise IngestError(path, f"cannot open the PDF to show a page ({exc})") from exc


def _page(pdf: Any, path: Path, number: int) -> Any:
    if not 1 <= number <= len(pdf):
        raise IngestError(path, f"page {number} does not exist (the PDF has {len(pdf)} pages)")
    return pdf[number - 1]


def page_count(path: Path) -> int:
    pdf = _open(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def page_label(path: Path, number: int) -> str:
    """The printed label of physical page `number` ("iv", "12"), or the number when the PDF has none."""
    pdf = _open(path)
    try:
        _page(pdf, path, number)
        return str(pdf.get_page_label(number - 1) or number)
    finally:
        pdf.close()


def cached_page_path(cache_dir: Path, sha256: str, number: int, width: int) -> Path:
    """Where the rendering of one page at one width is kept: the document's content, not its name."""
    return cache_dir / f"{sha256}-p{number}-w{width}.png"


def render_page(
    path: Path, sha256: str, number: int, width: int, cache_dir: Path, max_cache_bytes: int | None = None
) -> PageImage:
    """Page `number` of the PDF at `path` as a PNG `width` pixels wide, rendered once per (sha256, page,
    width) into `cache_dir` (written beside and renamed, so a reader never sees half a file).

    With `max_cache_bytes`, each new rendering is followed by removing the least recently shown pages
    until the cache holds at most that many bytes (`prune_cache`, which never removes the page just
    rendered); a page served from the cache is marked as just shown."""
    target = cached_page_path(cache_dir, sha256, number, width)
    cached = _cached_image(target)
    if cached is not None:
        return cached
    pdf = _open(path)
    try:
        page = _page(pdf, path, number)
        image = page.render(scale=width / page.get_width()).to_pil()
    finally:
        pdf.close()
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_PARTIAL, suffix=".png", dir=cache_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, "PNG", compress_level=3)  # level 3: as small as 6, in two thirds of the time
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise IngestError(path, f"cannot write the page image into {cache_dir}: {exc.strerror}") from exc
    if max_cache_bytes is not None:
        prune_cache(cache_dir, max_cache_bytes, keep=target)
    return PageImage(target, image.width, image.height)


def _cached_image(target: Path) -> PageImage | None:
    """The cached rendering at `target`, marked as just used; None when there is none or it cannot be
    read (a prune of another request removed it meanwhile, a damaged file): the page is rendered again."""
    from PIL import Image

    try:
        with Image.open(target) as img:
            found = PageImage(target, img.width, img.height)
    except OSError:
        return None
    _mark_used(target)
    return found


def prune_cache(cache_dir: Path, max_bytes: int, keep: Path | None = None) -> int:
    """Remove the least recently used page images (oldest modification time: a cache hit renews it)
    until the rendered pages in `cache_dir` take at most `max_bytes`; returns how many were removed.

    Never raises: a file another process removed or cannot be removed is passed over (the cache is only
    ever too big, never wrong), and `keep` (the page being shown) and files still being written stay."""
    files = _cached_files(cache_dir)
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, file in sorted(files):
        if total <= max_bytes:
            break
        if keep is not None and file == keep:
            continue
        try:
            file.unlink()
        except FileNotFoundError:
            pass  # another process pruned it first: its bytes are gone all the same
        except OSError as exc:
            log.warning("cannot remove %s from the page cache: %s", file, exc)
            continue
        total -= size
        removed += 1
    return removed


def _cached_files(cache_dir: Path) -> list[tuple[int, int, Path]]:
    """(modification time in ns, size, path) of each finished page image in `cache_dir`."""
    files = []
    try:
        with os.scandir(cache_dir) as entries:
            for entry in entries:
                if not entry.name.endswith(".png") or entry.name.startswith(_PARTIAL):
                    continue
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # removed meanwhile
                files.append((stat.st_mtime_ns, stat.st_size, Path(entry.path)))
    except OSError as exc:
        log.warning("cannot list the page cache %s: %s", cache_dir, exc)
    return files


def _mark_used(file: Path) -> None:
    """Renew a cached page's modification time, the recency `prune_cache` evicts by (access times are
    often not kept: noatime, relatime)."""
    with contextlib.suppress(OSError):  # a read-only cache still serves, its pages then age from their rendering
        os.utime(file)


def locate_quote(path: Path, pages: Sequence[int], quote: str) -> tuple[PageHighlight, ...]:
    """Where `quote` lies on each of `pages` (one page, or two when it runs over a page break)."""
    pdf = _open(path)
    try:
        texts = [_read_chars(_page(pdf, path, p)) for p in pages]
        parts = _split_over_pages(fold(quote), [t.folded for t in texts])
        out = []
        for number, chars, part in zip(pages, texts, parts, strict=True):
            page = pdf[number - 1]
            textpage = page.get_textpage()
            at = chars.folded.find(part) if part else -1
            if at >= 0:
                first, last = chars.index[at], chars.index[at + len(part) - 1]
                boxes = _line_boxes(page, textpage, chars, range(first, last + 1))
                out.append(PageHighlight(number, boxes, True, part))
            else:
                out.append(PageHighlight(number, _approximate(page, textpage, chars, quote), False, part))
        return tuple(out)
    finally:
        pdf.close()


def text_in_box(path: Path, number: int, box: Box) -> str:
    """The page's text inside `box`, read by pdfium's own bounded-text call: an independent check of
    where a box was placed."""
    pdf = _open(path)
    try:
        page = _page(pdf, path, number)
        left, top = _to_page(page, box.left, box.top)
        right, bottom = _to_page(page, box.right, box.bottom)
        textpage = page.get_textpage()
        return str(
            textpage.get_text_bounded(
                left=min(left, right), bottom=min(top, bottom), right=max(left, right), top=max(top, bottom)
            )
        )
    finally:
        pdf.close()


def _read_chars(page: Any) -> _PageChars:
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    codes = tuple(chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(textpage.count_chars()))
    folded: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(codes):
        for piece in fold(ch):  # "ﬁ" gives two letters, both from the one character
            folded.append(piece)
            index.append(i)
    return _PageChars("".join(folded), tuple(index), codes)


def _split_over_pages(quote: str, pages: Sequence[str]) -> list[str]:
    """The quote's part on each page: the longest head found on the first page, the rest on the next.

    With one page the part is the whole quote. A head that occurs is a substring, so every shorter head
    occurs too: the longest is found by bisection."""
    if len(pages) == 1:
        return [quote]
    parts: list[str] = []
    rest = quote
    for i, text in enumerate(pages):
        if i == len(pages) - 1:
            parts.append(rest)
            break
        lo, hi = 0, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if rest[:mid] in text:
                lo = mid
            else:
                hi = mid - 1
        parts.append(rest[:lo])
        rest = rest[lo:]
    return parts


def _char_box(page: Any, textpage: Any, i: int) -> Box | None:
    left, bottom, right, top = textpage.get_charbox(i)
    if right <= left or top <= bottom:
        return None  # spaces and line ends pdfium adds have no extent
    x0, y0 = _to_device(page, left, top)
    x1, y1 = _to_device(page, right, bottom)
    return Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _line_boxes(page: Any, textpage: Any, chars: _PageChars, indices: range) -> tuple[Box, ...]:
    """One box per line over the characters `indices`: a character that is not level with the box
    being grown, or lies left of it, starts a new one."""
    boxes: list[Box] = []
    for i in indices:
        if chars.codes[i].isspace():
            continue
        box = _char_box(page, textpage, i)
        if box is None:
            continue
        if boxes and (_continues_line(boxes[-1], box) or _continues_column(boxes[-1], box)):
            cur = boxes[-1]
            boxes[-1] = Box(
                min(cur.left, box.left), min(cur.top, box.top), max(cur.right, box.right), max(cur.bottom, box.bottom)
            )
        else:
            boxes.append(box)
    return tuple(boxes)


def _continues_line(cur: Box, box: Box) -> bool:
    """`box` is the next character of the line `cur`: level with it, and not across a wide gap (another
    column or table cell, whose text pdfium's order may read in between, must not be bridged)."""
    middle = (box.top + box.bottom) / 2
    gap = _MAX_GAP_LINES * (cur.bottom - cur.top)
    return cur.top <= middle <= cur.bottom and cur.left - 1e-4 <= box.left <= cur.right + gap


def _continues_column(cur: Box, box: Box) -> bool:
    """`box` is the next character of vertical text (a rotated photo credit): below or above `cur`, in
    its column, touching it."""
    middle = (box.left + box.right) / 2
    reach = 1.5 * max(box.bottom - box.top, cur.right - cur.left)
    near = box.top <= cur.bottom + reach and box.bottom >= cur.top - reach
    narrow = cur.right - cur.left <= 2 * (box.right - box.left)  # a column of single characters
    return narrow and cur.left - 1e-4 <= middle <= cur.right + 1e-4 and near


def _lines(chars: _PageChars) -> list[range]:
    """The page's lines as runs of character indices, split where pdfium reports a line end."""
    out, start = [], 0
    for i, ch in enumerate(chars.codes):
        if ch in "\r\n":
            if i > start:
                out.append(range(start, i))
            start = i + 1
    if start < len(chars.codes):
        out.append(range(start, len(chars.codes)))
    return out


def _long_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()) if len(w) >= _MIN_WORD}


def _approximate(page: Any, textpage: Any, chars: _PageChars, quote: str) -> tuple[Box, ...]:
    """Boxes over the lines holding the quote's longer words, in the run of consecutive lines that holds
    the most of them (no longer than the quote has words); none when that run holds too few."""
    wanted = _long_words(quote)
    if not wanted:
        return ()
    lines = _lines(chars)
    words = [_long_words("".join(chars.codes[i] for i in line)) & wanted for line in lines]
    span = max(1, len(wanted))
    best, best_at = 0, 0
    for at in range(len(lines)):
        covered = len(set().union(*words[at : at + span]))
        if covered > best:
            best, best_at = covered, at
    if best < _MIN_COVERAGE * len(wanted):
        return ()
    chosen = [i for i in range(best_at, min(len(lines), best_at + span)) if words[i]]
    if not chosen:
        return ()
    chosen = list(range(chosen[0], chosen[-1] + 1))  # trim the run to its first and last holding line
    return tuple(b for i in chosen if words[i] for b in _line_boxes(page, textpage, chars, lines[i]))


def _to_device(page: Any, x: float, y: float) -> tuple[float, float]:
    """Page coordinates (points) as fractions of the rendered page, through pdfium's own transform (the
    one rendering uses: crop box and /Rotate included)."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    size_x, size_y = _DEVICE, max(1, round(_DEVICE * height / width))
    dx, dy = ctypes.c_int(), ctypes.c_int()
    raw.FPDF_PageToDevice(
        page.raw, 0, 0, size_x, size_y, 0, ctypes.c_double(x), ctypes.c_double(y), ctypes.byref(dx), ctypes.byref(dy)
    )
    return dx.value / size_x, dy.value / size_y


def _to_page(page: Any, fx: float, fy: float) -> tuple[float, float]:
    import pypdfium2.raw as raw

    width, height = page.get_size()
    size_x, size_y = _DEVICE, max(1, round(_DEVICE * height / width))
    px, py = ctypes.c_double(), ctypes.c_double()
    raw.FPDF_DeviceToPage(
        page.raw, 0, 0, size_x, size_y, 0, round(fx * size_x), round(fy * size_y), ctypes.byref(px), ctypes.byref(py)
    )
    return px.value, py.value

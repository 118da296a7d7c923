"""Loading one file into a cleaned `Document`: PDF (pypdf), plain text, Markdown and HTML.

Every refusal is an IngestError naming the file and the reason, so a batch can skip it and go on.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.clean import clean_pages
from ingest.document import Document, DocumentMeta, Page
from ingest.errors import IngestError
from ingest.limits import KIB, MIB, Limits, as_limits, over
from ingest.markup import html_to_text, markdown_to_text
from ingest.pdf_pages import pdf_page_labels, warn_image_only

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".txt", ".md", ".html", ".htm")
SIDECAR_SUFFIX = ".meta.json"
_MAX_CHAOS = 0.1
MB = MIB  # Settings.max_file_mb is in MiB: Settings.max_file_bytes = max_file_mb * MB
DEFAULT_LIMITS = Limits()
_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (a book PDF is never held twice in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def check_file(path: Path, limits: Limits | int, root: Path | None = None) -> int:
    """Type and size checks from the name and os.stat alone, before a byte is read; returns the size.

    With `root` (the corpus folder), a file whose real path, links resolved, lies outside it is refused.
    """
    max_file_bytes = as_limits(limits).max_file_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise IngestError(path, f"unsupported file type {shown}; supported: {' '.join(SUPPORTED_SUFFIXES)}")
    try:
        if root is not None and not path.resolve(strict=True).is_relative_to(root.resolve()):
            raise IngestError(path, "a link to a file outside the corpus folder: not read")
        info = os.stat(path)
    except RuntimeError as exc:  # Path.resolve on a link loop (Python 3.11)
        raise IngestError(path, "a loop of symbolic links") from exc
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
    return _check_stat(path, info, max_file_bytes)


def _check_stat(path: Path, info: os.stat_result, max_file_bytes: int) -> int:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        raise IngestError(path, f"not a regular file ({kind})")
    if info.st_size > max_file_bytes:
        raise IngestError(path, over("file", info.st_size / MIB, max_file_bytes / MIB, "max_file_mb", " MB"))
    if info.st_size == 0:
        raise IngestError(path, "empty file")
    return info.st_size


def read_regular_file(path: Path, max_file_bytes: int) -> bytes:
    """The bytes of a regular file, checked again on the open descriptor (the file may have been
    swapped for a pipe since `check_file`): opening without blocking never hangs on a pipe."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        _check_stat(path, os.fstat(fd), max_file_bytes)
        try:
            data = fh.read(max_file_bytes + 1)
        except OSError as exc:
            raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > max_file_bytes:  # the file grew after it was checked
        raise IngestError(path, over("file", len(data) / MIB, max_file_bytes / MIB, "max_file_mb", " MB"))
    return data


def load_document(path: Path, limits: Limits | int, root: Path | None = None) -> Document:
    """Read, clean and describe one file; raises IngestError with a one-line reason on any bad input.

    `limits` bounds the work (a bare int is the file-size limit); `root` confines links to the corpus.
    """
    path = Path(path)
    limits = as_limits(limits)
    check_file(path, limits, root)
    return document_from_bytes(path, read_regular_file(path, limits.max_file_bytes), limits)


def document_from_bytes(path: Path, data: bytes, limits: Limits | int = DEFAULT_LIMITS) -> Document:
    """The part of loading after the read: decode, extract pages, clean, attach metadata."""
    limits = as_limits(limits)
    suffix = path.suffix.lower()
    if not data:
        raise IngestError(path, "empty file")
    own_title = ""  # the PDF's info title or the HTML <title>
    own_date = ""  # the year the PDF was made, from its info dictionary
    labels: list[str] | None = None
    if suffix == ".pdf":
        pages, labels, own_title, own_date = _pdf_pages(path, data, limits)
    else:
        text = decode_text(path, data)
        _check_text_size(path, len(text), limits)  # before any parser sees it: bounds their work
        if suffix == ".md":
            text = markdown_to_text(text)
        elif suffix in (".html", ".htm"):
            text, own_title = html_to_text(text)
        pages = [text]
    cleaned = clean_pages(pages, paginated=suffix == ".pdf")
    if not cleaned.text.strip():
        if suffix == ".pdf":
            raise IngestError(path, "no extractable text (a scanned, image-only PDF?): it needs OCR first")
        raise IngestError(path, "no text after cleaning")
    page_objs = tuple(
        Page(number=i + 1, label=(labels[i] if labels else str(i + 1)), start=s, end=e)
        for i, (s, e) in enumerate(cleaned.page_spans)
    )
    return Document(
        doc_id=path.stem,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        meta=_meta_with_imprint(path, own_title, own_date, cleaned.text[:_IMPRINT_CHARS], limits),
        text=cleaned.text,
        pages=page_objs,
        tables=cleaned.tables,
    )


def _title_from_name(path: Path) -> str:
    words = re.sub(r"[-_.]+", " ", path.stem).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


def _check_text_size(path: Path, chars: int, limits: Limits) -> None:
    if chars > limits.max_text_chars:
        raise IngestError(path, over("text", chars, limits.max_text_chars, "max_text_chars", " characters"))


_IMPRINT_CHARS = 20_000  # the imprint page (ISBN, copyright) of a report lies within its first pages
_COPYRIGHT = re.compile(r"©\s*([A-Z][^\n\d©]{2,80}?)[\s,]*((?:19|20)\d\d)\b")
_ISBN = re.compile(r"\bISBN(?:-1[03])?:?\s*((?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx])\b")


def find_isbn(text: str) -> str:
    """The first ISBN printed in `text` ("ISBN 978-92-4-010730-4 (electronic version)"), or ""."""
    m = _ISBN.search(text)
    return m.group(1).strip() if m else ""


def _meta_with_imprint(path: Path, own_title: str, own_date: str, head: str, limits: Limits) -> DocumentMeta:
    """The sidecar's metadata, completed from the imprint: "© World Health Organization 2025" gives the
    publisher and year (else the PDF's creation year), "ISBN ..." the ISBN."""
    m = _COPYRIGHT.search(head)
    meta = read_meta(
        path,
        fallback_title=own_title,
        fallback_date=m.group(2) if m else own_date,
        fallback_isbn=find_isbn(head),
        limits=limits,
    )
    return replace(meta, publisher=meta.publisher or m.group(1).strip()) if m else meta


def read_meta(
    path: Path,
    fallback_title: str = "",
    fallback_date: str = "",
    fallback_isbn: str = "",
    limits: Limits | int = DEFAULT_LIMITS,
) -> DocumentMeta:
    """Sidecar `<file>.meta.json` if present, else the PDF/HTML title, else a title from the file name;
    the date and ISBN likewise fall back to what the file itself says.

    A title longer than `max_title_chars` is refused: every chunk of the document carries it.
    """
    limits = as_limits(limits)
    sidecar = sidecar_path(path)
    raw: dict[str, Any] = {}
    if os.path.lexists(sidecar):
        try:
            size = os.stat(sidecar).st_size
            if not sidecar.is_file():
                raise IngestError(path, f"bad metadata sidecar {sidecar.name}: not a regular file")
            if size > limits.max_sidecar_bytes:
                reason = over("it", size / KIB, limits.max_sidecar_bytes / KIB, "max_sidecar_kb", " KB")
                raise IngestError(path, f"bad metadata sidecar {sidecar.name}: {reason}")
            loaded = json.loads(sidecar.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IngestError(path, f"bad metadata sidecar {sidecar.name}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise IngestError(path, f"bad metadata sidecar {sidecar.name}: expected a JSON object")
        raw = loaded
    title = str(raw.get("title") or fallback_title or _title_from_name(path)).strip()
    if len(title) > limits.max_title_chars:
        reason = over("the title", len(title), limits.max_title_chars, "max_title_chars", " characters")
        raise IngestError(path, reason)
    url = raw.get("url")
    return DocumentMeta(
        title=title,
        publisher=str(raw.get("publisher") or ""),
        date=str(raw.get("date") or fallback_date),
        kind=str(raw.get("kind") or ""),
        url=str(url) if url else None,
        isbn=str(raw.get("isbn") or fallback_isbn),
    )


def _printable_ratio(text: str) -> float:
    if not text:
        return 1.0
    bad = sum(1 for ch in text if not (ch.isprintable() or ch in "\n\r\t\f"))
    return 1.0 - bad / len(text)


def decode_text(path: Path | str, data: bytes) -> str:
    """UTF-8 (or UTF-16 with a BOM), else a confident charset-normalizer guess, else refuse.

    Binary data with a text extension (NUL bytes, mostly non-printable) is refused rather than indexed.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(path, "not valid UTF-16 text despite its byte-order mark") from exc
    if b"\x00" in data:
        raise IngestError(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _guess_decode(path, data)
    if _printable_ratio(text[:100_000]) < 0.9:
        raise IngestError(path, "binary file (mostly non-printable characters), not text")
    return text


def _guess_decode(path: Path | str, data: bytes) -> str:
    from charset_normalizer import from_bytes

    # chaos: share of odd characters in the decoded text; a confident guess has almost none.
    matches = [m for m in from_bytes(data) if m.chaos <= _MAX_CHAOS]
    if not matches:
        raise IngestError(path, "not UTF-8 and the text encoding could not be detected confidently")
    # Single-byte code pages are often equally plausible on short texts; Western European (cp1252,
    # the usual legacy encoding of English/French/Spanish documents) wins a near tie.
    western = [m for m in matches if "cp1252" in m.could_be_from_charset]
    chosen = western[0] if western and western[0].chaos <= matches[0].chaos + 0.1 else matches[0]
    log.info("%r: decoded as %s", str(path), chosen.encoding)
    return str(chosen)


def _pdf_pages(path: Path, data: bytes, limits: Limits) -> tuple[list[str], list[str], str, str]:
    """Per-page raw text, printed page labels, and the info-dictionary title and year of a PDF."""
    reader = _open_pdf(path, data)
    pages = _page_texts(path, reader, limits)
    _check_text_size(path, sum(map(len, pages)), limits)
    labels = pdf_page_labels(reader, pages, _raw_page_labels(path, reader, len(pages)))
    title, year = _pdf_info(reader)
    warn_image_only(path, pages)
    return pages, labels, title, year


def _open_pdf(path: Path, data: bytes) -> Any:
    """A pypdf reader of a PDF with at least one page (decrypted when its user password is empty)."""
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "not a PDF (no %PDF- header): corrupt or misnamed file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt(path, reader)
        n_pages = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean "unreadable"
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if n_pages == 0:
        raise IngestError(path, "PDF has no pages")
    return reader


def _page_texts(path: Path, reader: Any, limits: Limits) -> list[str]:
    """Each page's text. Its content stream is decoded and measured before the text is extracted:
    extraction costs in proportion to it, and a small file can inflate to gigabytes (pages may share a
    stream)."""
    pages: list[str] = []
    decoded = 0
    for i in range(len(reader.pages)):
        try:
            page = reader.pages[i]
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
        except Exception as exc:
            raise IngestError(path, f"cannot read page {i + 1} ({type(exc).__name__}: {exc})") from exc
        decoded += size
        _check_decoded(path, i + 1, size, decoded, limits)
        try:
            pages.append(page.extract_text() or "")
        except Exception as exc:
            raise IngestError(path, f"cannot extract text of page {i + 1} ({type(exc).__name__}: {exc})") from exc
    return pages


def _raw_page_labels(path: Path, reader: Any, n_pages: int) -> list[str]:
    """The /PageLabels of every page, or the page numbers when the tree is missing or damaged."""
    try:
        labels = [str(label) for label in reader.page_labels]
    except Exception:  # a damaged /PageLabels tree must not lose the text: fall back to numbers
        log.warning("%r: unreadable page labels, using page numbers", str(path))
        labels = []
    return labels if len(labels) == n_pages else [str(i + 1) for i in range(n_pages)]


def _pdf_info(reader: Any) -> tuple[str, str]:
    """The info dictionary's title (when plausible) and the year the PDF was made ("" when unknown)."""
    try:
        info = reader.metadata
        title = str(info.get("/Title") or "").strip() if info else ""
        made = re.match(r"(?:D:)?((?:19|20)\d\d)", str(info.get("/CreationDate") or "")) if info else None
    except Exception:
        title, made = "", None
    return (title if _plausible_title(title) else ""), (made.group(1) if made else "")


def _check_decoded(path: Path, number: int, page_bytes: int, total_bytes: int, limits: Limits) -> None:
    if page_bytes > limits.max_pdf_page_bytes:
        what = f"page {number}'s decoded content"
        raise IngestError(path, over(what, page_bytes / MIB, limits.max_pdf_page_bytes / MIB, "max_pdf_page_mb", " MB"))
    if total_bytes > limits.max_pdf_bytes:
        what = f"the decoded content of pages 1-{number}"
        raise IngestError(path, over(what, total_bytes / MIB, limits.max_pdf_bytes / MIB, "max_pdf_mb", " MB"))


def _plausible_title(title: str) -> bool:
    """PDF info titles are often left over from the authoring tool ("Microsoft Word - draft3.docx")."""
    lowered = title.lower()
    return bool(title) and not (
        lowered.startswith(("microsoft word", "untitled", "document"))
        or re.search(r"\.(docx?|indd|pdf|rtf|odt|qxd)$", lowered)
    )


def _decrypt(path: Path, reader: Any) -> None:
    from pypdf import PasswordType

    try:
        result = reader.decrypt("")
    except Exception as exc:  # e.g. an unsupported algorithm or a missing crypto library
        raise IngestError(path, f"encrypted PDF that cannot be decrypted ({exc})") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise IngestError(path, "encrypted PDF (password required)")

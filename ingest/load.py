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
from pathlib import Path
from typing import Any

from ingest.clean import clean_pages
from ingest.document import Document, DocumentMeta, Page
from ingest.errors import IngestError
from ingest.markup import html_to_text, markdown_to_text
from ingest.pdf_pages import pdf_page_labels, warn_image_only

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".txt", ".md", ".html", ".htm")
SIDECAR_SUFFIX = ".meta.json"
_MAX_CHAOS = 0.1
MB = 1024 * 1024  # Settings.max_file_mb is in MiB: Settings.max_file_bytes = max_file_mb * MB


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (a book PDF is never held twice in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def check_file(path: Path, max_file_bytes: int) -> int:
    """Type and size checks from the name and os.stat alone, before a byte is read; returns the size."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise IngestError(path, f"unsupported file type {shown}; supported: {' '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise IngestError(path, "not a regular file")
    if size > max_file_bytes:
        mb, limit = size / MB, max_file_bytes / MB
        raise IngestError(path, f"file is {mb:.3g} MB, over the {limit:.3g} MB limit (max_file_mb)")
    if size == 0:
        raise IngestError(path, "empty file")
    return size


def load_document(path: Path, max_file_bytes: int) -> Document:
    """Read, clean and describe one file; raises IngestError with a one-line reason on any bad input."""
    path = Path(path)
    check_file(path, max_file_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from exc
    return document_from_bytes(path, data)


def document_from_bytes(path: Path, data: bytes) -> Document:
    """The part of loading after the read: decode, extract pages, clean, attach metadata."""
    suffix = path.suffix.lower()
    if not data:
        raise IngestError(path, "empty file")
    own_title = ""  # the PDF's info title or the HTML <title>
    labels: list[str] | None = None
    if suffix == ".pdf":
        pages, labels, own_title = _pdf_pages(path, data)
    else:
        text = decode_text(path, data)
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
        meta=read_meta(path, fallback_title=own_title),
        text=cleaned.text,
        pages=page_objs,
    )


def _title_from_name(path: Path) -> str:
    words = re.sub(r"[-_.]+", " ", path.stem).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


def read_meta(path: Path, fallback_title: str = "") -> DocumentMeta:
    """Sidecar `<file>.meta.json` if present, else the PDF/HTML title, else a title from the file name."""
    sidecar = sidecar_path(path)
    raw: dict[str, Any] = {}
    if sidecar.is_file():
        try:
            loaded = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IngestError(path, f"bad metadata sidecar {sidecar.name}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise IngestError(path, f"bad metadata sidecar {sidecar.name}: expected a JSON object")
        raw = loaded
    title = str(raw.get("title") or fallback_title or _title_from_name(path)).strip()
    url = raw.get("url")
    return DocumentMeta(
        title=title,
        publisher=str(raw.get("publisher") or ""),
        date=str(raw.get("date") or ""),
        kind=str(raw.get("kind") or ""),
        url=str(url) if url else None,
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
    log.info("%s: decoded as %s", path, chosen.encoding)
    return str(chosen)


def _pdf_pages(path: Path, data: bytes) -> tuple[list[str], list[str], str]:
    """Per-page raw text, printed page labels and the info-dictionary title of a PDF."""
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
    pages: list[str] = []
    for i in range(n_pages):
        try:
            pages.append(reader.pages[i].extract_text() or "")
        except Exception as exc:
            raise IngestError(path, f"cannot extract text of page {i + 1} ({type(exc).__name__}: {exc})") from exc
    try:
        labels = [str(label) for label in reader.page_labels]
    except Exception:  # a damaged /PageLabels tree must not lose the text: fall back to numbers
        log.warning("%s: unreadable page labels, using page numbers", path)
        labels = [str(i + 1) for i in range(n_pages)]
    if len(labels) != n_pages:
        labels = [str(i + 1) for i in range(n_pages)]
    labels = pdf_page_labels(reader, pages, labels)
    try:
        info = reader.metadata
        title = str(info.get("/Title") or "").strip() if info else ""
    except Exception:
        title = ""
    warn_image_only(path, pages)
    return pages, labels, title if _plausible_title(title) else ""


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

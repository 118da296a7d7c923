"""Checks for files uploaded through the web app: a safe file name, and a type that matches the content.

An upload's name and bytes come from a browser, so neither is trusted: the name must not escape the
corpus folder or hit a reserved device name, and the bytes must be what the extension claims.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.errors import IngestError
from ingest.load import SUPPORTED_SUFFIXES, decode_text

_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "clock$"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_MAX_NAME = 120
_HTML_START = re.compile(
    r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p|h\d|section|article)\b",
    re.DOTALL,
)


def safe_upload_name(name: str) -> str:
    """A harmless file name for an upload: basename only, a readable slug, the extension kept (lower case).

    Path parts, `..`, NUL and control characters and Windows device names never survive; a name with
    nothing usable left (or no supported extension) raises IngestError.
    """
    if "\x00" in name:
        raise IngestError(repr(name), "file name contains a NUL byte")
    base = re.split(r"[\\/]", name.strip())[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = ext, ""
    ext = ext.lower()
    if f".{ext}" not in SUPPORTED_SUFFIXES:
        shown = f".{ext}" if ext else "(no extension)"
        supported = " ".join(SUPPORTED_SUFFIXES)
        raise IngestError(repr(name), f"unsupported file type {shown}; supported: {supported}")
    slug = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE)
    slug = re.sub(r"\.{2,}", ".", slug)
    slug = re.sub(r"-{2,}", "-", slug).strip(".-_ ")
    if slug.split(".")[0].lower() in _WINDOWS_RESERVED:
        slug = f"{slug}-file"
    elif slug.lower() == "readme":
        slug = f"{slug}-document"  # a folder's README is not indexed (ingest.pipeline), an upload must be
    slug = slug[:_MAX_NAME].rstrip(".-_")
    if not slug or not any(ch.isalnum() for ch in slug):
        raise IngestError(repr(name), "file name has no usable characters")
    return f"{slug}.{ext}"


def detect_format(data: bytes, suffix: str) -> str:
    """The format ("pdf", "txt", "md", "html") of uploaded bytes, checked against the content.

    Raises IngestError when the content does not match the extension, e.g. a program renamed .pdf.
    """
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(suffix, f"unsupported file type {suffix}; supported: {' '.join(SUPPORTED_SUFFIXES)}")
    if not data:
        raise IngestError(f"upload{suffix}", "empty file")
    if suffix == ".pdf":
        if b"%PDF-" not in data[:1024]:
            raise IngestError(f"upload{suffix}", "not a PDF: the content has no %PDF- header")
        return "pdf"
    if data.startswith(b"%PDF-"):
        raise IngestError(f"upload{suffix}", f"content is a PDF but the name ends in {suffix}")
    text = decode_text(f"upload{suffix}", data)  # refuses binary content (NUL bytes, non-printable)
    if suffix in (".html", ".htm"):
        head = text.lstrip()[:1024].lower()
        if not _HTML_START.match(head):
            raise IngestError(f"upload{suffix}", "not HTML: the content does not start with an HTML tag")
        return "html"
    return suffix[1:]

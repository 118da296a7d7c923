"""Checks for files uploaded through the web app: a safe file name, and a type that matches the content.

An upload's name and bytes come from a browser, so neither is trusted: the name must not escape the
corpus folder or hit a reserved device name, and the bytes must be what the extension claims.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError, UploadError
from ingest.load import MB, SUPPORTED_SUFFIXES, decode_text, sidecar_path

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


@dataclass(frozen=True, slots=True)
class SavedUpload:
    path: Path
    replaced: bool


def save_upload(
    data: bytes,
    name: str,
    corpus_dir: Path,
    *,
    replace: bool,
    max_bytes: int,
) -> SavedUpload:
    """Check an uploaded file and write it into the corpus folder; raises MhqaError with a one-line reason.

    The name is made safe by `safe_upload_name` (no folders, traversal, NUL or reserved names) and the
    type is checked from the bytes by `detect_format`. A file whose document id (stem) already exists is only
    replaced when `replace` is set, and only when it is the same file name, so two files never claim one id.
    """
    if len(data) > max_bytes:
        raise UploadError(f"{escape_plain(name)}: {len(data) / MB:.1f} MB is over the {max_bytes / MB:g} MB limit")
    if not data:
        raise UploadError(f"{escape_plain(name)}: the file is empty")
    safe = safe_upload_name(name)
    detect_format(data, Path(safe).suffix.lower())
    corpus_dir = corpus_dir.resolve()
    target = (corpus_dir / safe).resolve()
    if target.parent != corpus_dir:  # belt and braces: safe_name must never yield a path elsewhere
        raise UploadError(f"{escape_plain(name)}: not a plain file name")
    stem = target.stem.lower()
    clash = [
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.stem.lower() == stem and p.name != target.name and not p.name.endswith(".json")
    ]
    if clash:
        raise UploadError(f"{safe}: document id '{target.stem}' is already used by {clash[0].name}; rename the file")
    existed = target.exists()
    if existed and not replace:
        raise UploadError(f"{safe} already exists in the corpus; tick 'replace existing file' to replace it")
    if existed and sidecar_path(target).exists():
        # Its title, publisher and date describe the file on disk: new text would be cited under them.
        raise UploadError(
            f"{safe} has curated metadata ({sidecar_path(target).name}) that would be shown over the new text; "
            "replace it in the corpus folder, with its metadata, instead of through the app"
        )
    # Write beside the target and rename, so a rebuild never reads a half-written file.
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=corpus_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UploadError(f"{safe}: cannot write into {corpus_dir}: {exc.strerror}") from exc
    return SavedUpload(path=target, replaced=existed)


def escape_plain(name: str) -> str:
    """A user-given name shortened and stripped of control characters for one-line messages."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in name)
    return cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."


def read_upload(path: str | Path, limit: int) -> bytes:
    """The bytes of an uploaded temporary file, refusing to read more than `limit` + 1 bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        raise UploadError(f"{Path(path).name}: cannot read the upload: {exc.strerror}") from exc

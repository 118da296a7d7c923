"""Files and folders in, documents and chunks out; a bad file is recorded as skipped, never fatal."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ingest.chunk import chunk_document
from ingest.document import Chunk, Document, chunk_to_json
from ingest.errors import IngestError
from ingest.load import SIDECAR_SUFFIX, load_document

log = logging.getLogger(__name__)

# A folder's README describes the folder (corpus/README.md); it is not one of its documents.
_FOLDER_NOTES = frozenset({"readme", "readme.md", "readme.txt"})


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    skipped: tuple[Skipped, ...]


def _walk(folder: Path) -> Iterable[Path]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue  # hidden files and folders (.git, .DS_Store, editor swap files)
        if child.is_dir():
            yield from _walk(child)
        elif child.name.endswith(SIDECAR_SUFFIX) or child.name.lower() in _FOLDER_NOTES:
            continue
        else:
            yield child


def find_documents(paths: Sequence[Path]) -> list[Path]:
    """Candidate files, sorted per folder: folders are walked (hidden files, sidecars and README skipped).

    Files of unsupported types are returned so that `ingest_paths` reports them as skipped; a path
    named explicitly is always returned, even if missing, for the same reason.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        candidates = _walk(path) if path.is_dir() else [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def ingest_one(path: Path, max_file_bytes: int) -> tuple[Document, list[Chunk]]:
    """Load, clean and chunk one file; raises IngestError naming the file and the reason."""
    doc = load_document(Path(path), max_file_bytes)
    chunks = chunk_document(doc)
    if not chunks:
        raise IngestError(path, "no text to index after cleaning")
    return doc, chunks


def ingest_paths(paths: Sequence[Path], max_file_bytes: int, *, progress: bool = False) -> IngestResult:
    """Ingest every document under `paths`, collecting the files that could not be read as `Skipped`."""
    files = find_documents(paths)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    skipped: list[Skipped] = []
    by_id: dict[str, str] = {}
    iterable: Iterable[Path] = files
    if progress:
        from tqdm import tqdm

        iterable = tqdm(files, desc="ingest", unit="file")
    for path in iterable:
        if not path.exists():
            skipped.append(Skipped(str(path), "no such file or directory"))
            continue
        try:
            doc, doc_chunks = ingest_one(path, max_file_bytes)
        except IngestError as exc:
            log.warning("skipped %s", exc)
            skipped.append(Skipped(str(path), exc.reason))
            continue
        if doc.doc_id in by_id:
            # Document ids are file stems and must be unique: citations and the index are keyed by them.
            skipped.append(Skipped(str(path), f"duplicate document id {doc.doc_id!r} (also {by_id[doc.doc_id]})"))
            continue
        by_id[doc.doc_id] = str(path)
        documents.append(doc)
        chunks.extend(doc_chunks)
    return IngestResult(tuple(documents), tuple(chunks), tuple(skipped))


def result_to_json(result: IngestResult) -> list[dict[str, Any]]:
    """The documents of a dry run as plain JSON data: pages and every field of every chunk."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for chunk in result.chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk_to_json(chunk))
    return [
        {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "path": doc.path,
            "sha256": doc.sha256,
            "meta": {f.name: getattr(doc.meta, f.name) for f in fields(doc.meta)},
            "pages": [{"number": p.number, "label": p.label, "start": p.start, "end": p.end} for p in doc.pages],
            "text": doc.text,
            "chunks": by_doc.get(doc.doc_id, []),
        }
        for doc in result.documents
    ]


def summarize(result: IngestResult) -> str:
    """A human summary of a dry run: one line per document, one per chunk, a total."""
    lines: list[str] = []
    for doc in result.documents:
        doc_chunks = [c for c in result.chunks if c.doc_id == doc.doc_id]
        lines.append(f"{doc.doc_id}  {doc.title!r}  {len(doc.pages)} page(s), {len(doc_chunks)} chunk(s)")
        for c in doc_chunks:
            pages = c.page_labels[0] if len(c.page_labels) == 1 else f"{c.page_labels[0]}-{c.page_labels[-1]}"
            preview = " ".join(c.text[:200].split())[:60]
            heading = c.heading if len(c.heading) <= 28 else c.heading[:27] + "…"
            lines.append(f"  {c.chunk_id}  p. {pages:<7} {heading:<28}  {preview}")
    lines.append(f"{len(result.documents)} document(s), {len(result.chunks)} chunk(s), {len(result.skipped)} skipped")
    return "\n".join(lines)

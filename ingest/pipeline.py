"""Files and folders in, documents and chunks out; a bad file is recorded as skipped, never fatal."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ingest.chunk import chunk_document
from ingest.document import Chunk, Document, chunk_to_json
from ingest.errors import IngestError
from ingest.limits import Limits, as_limits, over
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


def _walk(folder: Path, root: Path, visited: set[Path]) -> Iterable[Path]:
    """Files under `folder`; a folder is entered once (links back up never loop) and only when it lies
    inside `root` once links are resolved. Linked files are checked when they are loaded."""
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue  # hidden files and folders (.git, .DS_Store, editor swap files)
        if child.is_dir():
            real = real_path(child)
            if real in visited or not real.is_relative_to(root):
                log.info("not entering %r: a link to a folder already walked or outside %s", str(child), root)
                continue
            visited.add(real)
            yield from _walk(child, root, visited)
        elif child.name.endswith(SIDECAR_SUFFIX) or child.name.lower() in _FOLDER_NOTES:
            continue
        else:
            yield child


def find_documents(paths: Sequence[Path]) -> list[Path]:
    """Candidate files, sorted per folder: folders are walked (hidden files, sidecars and README skipped).

    Files of unsupported types are returned so that `ingest_paths` reports them as skipped; a path
    named explicitly is always returned, even if missing, for the same reason.
    """
    return [path for path, _root in find_documents_in(paths)]


def find_documents_in(paths: Sequence[Path]) -> list[tuple[Path, Path | None]]:
    """`find_documents` with the folder each file was found in (None for a file named explicitly):
    a file found in a folder must lie inside it once links are resolved."""
    found: list[tuple[Path, Path | None]] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        root = path.resolve() if path.is_dir() else None
        candidates = _walk(path, root, {root}) if root is not None else [path]
        for candidate in candidates:
            key = real_path(candidate)
            if key not in seen:
                seen.add(key)
                found.append((candidate, root))
    return found


def real_path(path: Path) -> Path:
    """The path with links resolved; a loop of links resolves to itself (loading refuses it)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def ingest_one(path: Path, limits: Limits | int, root: Path | None = None) -> tuple[Document, list[Chunk]]:
    """Load, clean and chunk one file; raises IngestError naming the file and the reason."""
    limits = as_limits(limits)
    doc = load_document(Path(path), limits, root)
    chunks = chunk_document(doc)
    if not chunks:
        raise IngestError(path, "no text to index after cleaning")
    texts = len(chunks) + sum(len(c.sentences) for c in chunks)
    if texts > limits.max_texts:
        raise IngestError(
            path,
            over(
                f"{len(chunks):,} chunks and their sentences",
                texts,
                limits.max_texts,
                "max_texts_per_file",
                " texts to embed",
            ),
        )
    return doc, chunks


def ingest_paths(paths: Sequence[Path], limits: Limits | int, *, progress: bool = False) -> IngestResult:
    """Ingest every document under `paths`, collecting the files that could not be read as `Skipped`."""
    files = find_documents_in(paths)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    skipped: list[Skipped] = []
    by_id: dict[str, str] = {}
    iterable: Iterable[tuple[Path, Path | None]] = files
    if progress:
        from tqdm import tqdm

        iterable = tqdm(files, desc="ingest", unit="file")
    for path, root in iterable:
        if not os.path.lexists(path):
            skipped.append(Skipped(str(path), "no such file or directory"))
            continue
        try:
            doc, doc_chunks = ingest_one(path, limits, root)
        except IngestError as exc:
            log.info("skipped %r: %s", exc.path, exc.reason)  # file names in logs are repr()-escaped
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

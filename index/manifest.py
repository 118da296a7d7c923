"""The manifest of a generation: what was indexed, with which model and chunker, and its JSON form.

Plain JSON (never pickle) so that an index directory can be inspected and checked by hand.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from index.calibration import Calibration, calibration_from_json, calibration_to_json
from ingest.document import DocumentMeta

# 2: the manifest records the sha256 of every file of its generation (older ones cannot be verified)
SCHEMA_VERSION = 2


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """One indexed document as the app's library tab and filters show it."""

    doc_id: str
    title: str
    meta: DocumentMeta
    path: str
    sha256: str  # of the raw file bytes
    pages: int
    chunks: int
    added: str  # ISO timestamps (UTC)
    changed: str


@dataclass(frozen=True, slots=True)
class DocRecord:
    """A document's manifest entry: DocumentInfo plus what incremental indexing needs."""

    info: DocumentInfo
    meta_sha256: str  # of the sidecar .meta.json ("" without one): a new title is a change too
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    schema: int
    model: str
    dim: int
    chunker_version: str
    faiss_kind: str  # "flat" or "hnsw"
    created: str
    n_chunks: int
    n_sentences: int
    documents: tuple[DocRecord, ...]
    file_sizes: tuple[tuple[str, int], ...] = ()  # (file name, bytes): detects truncated files
    file_sha256: tuple[tuple[str, str], ...] = ()  # (file name, hex digest): detects same-size damage
    # (stemmed term, chunks containing it) for the common terms (index/term_stats.py); empty in older indexes
    term_df: tuple[tuple[str, int], ...] = ()
    # how the sentence vectors were made (index/embed.py SENTENCE_VECTORS); older indexes embedded them apart
    sentence_vectors: str = "separate"
    # the refusal check's chance level for this index (index/calibration.py); None in older indexes and
    # without a background
    calibration: Calibration | None = None


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def manifest_to_json(m: Manifest) -> dict[str, Any]:
    return {
        "schema": m.schema,
        "model": m.model,
        "dim": m.dim,
        "chunker_version": m.chunker_version,
        "faiss_kind": m.faiss_kind,
        "created": m.created,
        "n_chunks": m.n_chunks,
        "n_sentences": m.n_sentences,
        "file_sizes": dict(m.file_sizes),
        "file_sha256": dict(m.file_sha256),
        "term_df": dict(m.term_df),
        "sentence_vectors": m.sentence_vectors,
        "calibration": calibration_to_json(m.calibration),
        "documents": [
            {**asdict(r.info), "meta_sha256": r.meta_sha256, "chunk_ids": list(r.chunk_ids)} for r in m.documents
        ],
    }


def manifest_from_json(data: dict[str, Any]) -> Manifest:
    docs = []
    for d in data["documents"]:
        meta = DocumentMeta(**d["meta"])
        info = DocumentInfo(
            doc_id=str(d["doc_id"]),
            title=str(d["title"]),
            meta=meta,
            path=str(d["path"]),
            sha256=str(d["sha256"]),
            pages=int(d["pages"]),
            chunks=int(d["chunks"]),
            added=str(d["added"]),
            changed=str(d["changed"]),
        )
        docs.append(DocRecord(info, str(d["meta_sha256"]), tuple(str(c) for c in d["chunk_ids"])))
    return Manifest(
        schema=int(data["schema"]),
        model=str(data["model"]),
        dim=int(data["dim"]),
        chunker_version=str(data["chunker_version"]),
        faiss_kind=str(data["faiss_kind"]),
        created=str(data["created"]),
        n_chunks=int(data["n_chunks"]),
        n_sentences=int(data["n_sentences"]),
        documents=tuple(docs),
        file_sizes=tuple((str(k), int(v)) for k, v in data["file_sizes"].items()),
        file_sha256=tuple((str(k), str(v)) for k, v in data.get("file_sha256", {}).items()),
        term_df=tuple((str(k), int(v)) for k, v in data.get("term_df", {}).items()),
        sentence_vectors=str(data.get("sentence_vectors", "separate")),
        calibration=calibration_from_json(data.get("calibration")),
    )

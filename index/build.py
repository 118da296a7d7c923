"""Build or update the index from a corpus folder, embedding only what changed.

Documents are matched to the previous generation by path and content hash (raw bytes and the sidecar
`.meta.json`): unchanged ones are taken from the chunk store without re-ingesting them; vectors are
reused by chunk id (derived from the content hash and span), so a renamed file embeds nothing.
A manifest from another model, chunker or schema version triggers a full rebuild.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.backends import HNSW_THRESHOLD
from index.embed import Embedder, encode_in_batches, load_embedder, resolve_model_name
from index.errors import IndexStoreError
from index.manifest import SCHEMA_VERSION, DocRecord, DocumentInfo, Manifest, now_iso
from index.store import (
    StoredIndex,
    clean_leftovers,
    current_generation,
    index_lock,
    load_index,
    write_generation,
)
from index.term_stats import document_frequencies
from ingest.document import Chunk
from ingest.errors import IngestError
from ingest.load import sha256_file, sidecar_path
from ingest.pipeline import Skipped, find_documents, ingest_one

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    added: tuple[str, ...]  # doc ids
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    chunks_embedded: int
    skipped: tuple[Skipped, ...]
    seconds: float
    rebuilt_reason: str | None  # why everything was re-embedded, None for an incremental update
    chunks_total: int = 0
    generation: str | None = None  # the live generation after the update


@dataclass(slots=True)
class _Doc:
    record: DocRecord
    chunks: list[Chunk]
    status: str  # "added", "changed" or "unchanged"


@dataclass(slots=True)
class _Scan:
    docs: list[_Doc] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def sidecar_sha256(path: Path) -> str:
    """Hash of `<file>.meta.json` beside `path`, "" when there is none: editing a title is a change."""
    sidecar = sidecar_path(path)
    return sha256_file(sidecar) if sidecar.is_file() else ""


def embed_text(chunk: Chunk) -> str:
    """What the model reads of a chunk: the heading gives context a mid-section chunk lacks, and
    acronyms are spelled out ("TAG Chair" is about the Technical Advisory Group)."""
    if chunk.heading and not chunk.text.startswith(chunk.heading):
        return f"{chunk.heading}\n{chunk.search_text()}"
    return chunk.search_text()


def sentence_texts(chunks: Sequence[Chunk]) -> list[str]:
    """What the model reads of the chunks' sentences: each distinct sentence (acronyms spelled out) once."""
    return sorted({c.search_text(s, e) for c in chunks for s, e in c.sentences})


def rebuild_reason(manifest: Manifest, model: str, chunker_version: str) -> str | None:
    """Why a previous manifest cannot be updated incrementally, or None when it can."""
    if manifest.schema != SCHEMA_VERSION:
        return f"index schema {manifest.schema} differs from {SCHEMA_VERSION}"
    if manifest.model != model:
        return f"the index was built with model {manifest.model!r}, now {model!r}"
    if manifest.chunker_version != chunker_version:
        return f"the chunker changed (version {manifest.chunker_version} -> {chunker_version})"
    return None


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    model: str,
    *,
    rebuild: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: bool = True,
    embedder: Embedder | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    hnsw_threshold: int = HNSW_THRESHOLD,
) -> UpdateSummary:
    """Bring the index at `index_dir` up to date with `corpus_dir`; the model loads only if needed.

    Holds the index lock for the whole update; a second concurrent update fails with IndexStoreError.
    """
    from ingest.chunk import CHUNKER_VERSION

    started = time.monotonic()
    model_name = embedder.name if embedder is not None else resolve_model_name(model)
    chunker_version = str(CHUNKER_VERSION)
    if not Path(corpus_dir).is_dir():
        raise IngestError(corpus_dir, "corpus folder not found (use --corpus DIR or MHQA_CORPUS_DIR)")
    with index_lock(index_dir):
        clean_leftovers(index_dir)
        previous, reason = _previous(index_dir, model_name, chunker_version, rebuild)
        if reason:
            log.info("full rebuild: %s", reason)
        # a full rebuild re-ingests every file too: the chunker may be what changed
        scan = _scan(corpus_dir, previous, max_file_bytes, reuse_chunks=not reason)
        before = {r.info.doc_id for r in previous.manifest.documents} if previous else set()
        after = {d.record.info.doc_id for d in scan.docs}
        removed = tuple(sorted(before - after))
        by_status = {
            s: tuple(sorted(d.record.info.doc_id for d in scan.docs if d.status == s))
            for s in ("added", "changed", "unchanged")
        }
        n_chunks = sum(len(d.chunks) for d in scan.docs)
        generation = previous.gen_id if previous else None
        embedded = 0
        if previous is None or reason or removed or by_status["added"] or by_status["changed"]:
            embedded, generation = _write(
                index_dir,
                scan,
                previous if not reason else None,
                model,
                model_name,
                chunker_version,
                embedder,
                progress,
                on_progress,
                hnsw_threshold,
            )
    return UpdateSummary(
        added=by_status["added"],
        changed=by_status["changed"],
        removed=removed,
        unchanged=by_status["unchanged"],
        chunks_embedded=embedded,
        skipped=tuple(scan.skipped),
        seconds=time.monotonic() - started,
        rebuilt_reason=reason,
        chunks_total=n_chunks,
        generation=generation,
    )


def _previous(
    index_dir: Path, model: str, chunker_version: str, rebuild: bool
) -> tuple[StoredIndex | None, str | None]:
    """The live generation to update (chunks and vectors only) and why it cannot be, if so."""
    try:
        if current_generation(index_dir) is None:
            return None, None
        previous = load_index(index_dir, searchable=False)
    except IndexStoreError as exc:
        return None, f"the previous index is unusable ({exc})"
    if rebuild:
        return previous, "--rebuild was requested"
    return previous, rebuild_reason(previous.manifest, model, chunker_version)


def _scan(corpus_dir: Path, previous: StoredIndex | None, max_file_bytes: int, *, reuse_chunks: bool = True) -> _Scan:
    """Each document's chunks: from the previous index when its bytes are unchanged, else ingested."""
    scan = _Scan()
    reuse = previous is not None and reuse_chunks
    old_by_path = {r.info.path: r for r in previous.manifest.documents} if previous and reuse else {}
    old_by_id = {r.info.doc_id: r for r in previous.manifest.documents} if previous else {}
    old_chunks = {c.chunk_id: c for c in previous.chunks} if previous else {}
    seen: set[str] = set()
    now = now_iso()
    for path in find_documents([corpus_dir]):
        key = str(path.resolve())
        try:
            sha, meta_sha = sha256_file(path), sidecar_sha256(path)
        except OSError as exc:
            scan.skipped.append(Skipped(str(path), f"cannot read: {exc.strerror}"))
            continue
        old = old_by_path.get(key)
        if old is not None and old.info.sha256 == sha and old.meta_sha256 == meta_sha:
            record, chunks = old, [old_chunks[c] for c in old.chunk_ids]
        else:
            try:
                document, chunk_list = ingest_one(path, max_file_bytes)
            except IngestError as exc:
                scan.skipped.append(Skipped(str(path), exc.reason))
                continue
            chunks = list(chunk_list)
            info = DocumentInfo(
                doc_id=document.doc_id,
                title=document.title,
                meta=document.meta,
                path=key,
                sha256=document.sha256,
                pages=len(document.pages),
                chunks=len(chunks),
                added=now,
                changed=now,
            )
            record = DocRecord(info, meta_sha, tuple(c.chunk_id for c in chunks))
        doc_id = record.info.doc_id
        if doc_id in seen:
            scan.skipped.append(Skipped(str(path), f"another file already has the document id {doc_id!r}"))
            continue
        seen.add(doc_id)
        prior = old_by_id.get(doc_id)
        if prior is None:
            status = "added"
        elif prior.info.sha256 == record.info.sha256 and prior.meta_sha256 == record.meta_sha256:
            status = "unchanged"
            record = _keep_dates(record, prior.info.added, prior.info.changed)
        else:
            status = "changed"
            record = _keep_dates(record, prior.info.added, now)
        scan.docs.append(_Doc(record, chunks, status))
    scan.docs.sort(key=lambda d: d.record.info.doc_id)
    return scan


def _keep_dates(record: DocRecord, added: str, changed: str) -> DocRecord:
    return replace(record, info=replace(record.info, added=added, changed=changed))


def _write(
    index_dir: Path,
    scan: _Scan,
    previous: StoredIndex | None,
    model: str,
    model_name: str,
    chunker_version: str,
    embedder: Embedder | None,
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
    hnsw_threshold: int,
) -> tuple[int, str]:
    """Reuse or compute every chunk's vectors, write a new generation; returns (chunks embedded, id)."""
    chunks = [c for d in scan.docs for c in d.chunks]
    reuse = _reusable(previous)
    todo = [c for c in chunks if c.chunk_id not in reuse]
    dim = previous.manifest.dim if previous else None
    fresh: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if todo or dim is None:
        embedder = embedder or load_embedder(model)
        dim = embedder.dim
        fresh = _embed(embedder, todo, progress, on_progress)
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    sentence_blocks = []
    for row, chunk in enumerate(chunks):
        vector, sentences = fresh[chunk.chunk_id] if chunk.chunk_id in fresh else reuse[chunk.chunk_id]
        vectors[row] = vector
        sentence_blocks.append(sentences)
    sentence_vectors = np.concatenate(sentence_blocks) if sentence_blocks else np.zeros((0, dim), np.float32)
    manifest = Manifest(
        schema=SCHEMA_VERSION,
        model=model_name,
        dim=dim,
        chunker_version=chunker_version,
        faiss_kind="",
        created="",
        n_chunks=len(chunks),
        n_sentences=int(sentence_vectors.shape[0]),
        documents=tuple(d.record for d in scan.docs),
        term_df=document_frequencies(chunks),
    )
    gen_id = write_generation(index_dir, manifest, chunks, vectors, sentence_vectors, hnsw_threshold=hnsw_threshold)
    return len(todo), gen_id


def _reusable(previous: StoredIndex | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Chunk id -> (chunk vector, its sentence vectors) from the previous generation."""
    if previous is None:
        return {}
    offsets = previous.sentence_offsets
    return {
        c.chunk_id: (previous.vectors[i], previous.sentence_vectors[offsets[i] : offsets[i + 1]])
        for i, c in enumerate(previous.chunks)
    }


def _embed(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Embed chunks and their sentences (each distinct sentence text once), with a progress bar."""
    from tqdm import tqdm

    sentences = sentence_texts(chunks)
    total = len(chunks) + len(sentences)
    done = 0
    with tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, disable=not progress) as bar:

        def advance(n: int) -> None:
            nonlocal done
            done += n
            bar.update(n)
            if on_progress is not None:
                on_progress(done, total)

        chunk_vecs = encode_in_batches(embedder.encode_passages, [embed_text(c) for c in chunks], embedder.dim, advance)
        sent_vecs = encode_in_batches(embedder.encode_passages, sentences, embedder.dim, advance)
    row_of = {text: i for i, text in enumerate(sentences)}
    out = {}
    for i, chunk in enumerate(chunks):
        rows = [row_of[chunk.search_text(s, e)] for s, e in chunk.sentences]
        out[chunk.chunk_id] = (
            chunk_vecs[i],
            sent_vecs[rows] if rows else np.zeros((0, embedder.dim), np.float32),
        )
    return out


def summary_to_json(summary: UpdateSummary) -> dict[str, object]:
    """The JSON form of a summary that `mhqa index --json` prints."""
    return {
        "added": list(summary.added),
        "changed": list(summary.changed),
        "removed": list(summary.removed),
        "unchanged": list(summary.unchanged),
        "chunks_embedded": summary.chunks_embedded,
        "chunks_total": summary.chunks_total,
        "seconds": round(summary.seconds, 3),
        "rebuilt_reason": summary.rebuilt_reason,
        "generation": summary.generation,
        "skipped": [{"path": s.path, "reason": s.reason} for s in summary.skipped],
    }


def format_summary(summary: UpdateSummary) -> str:
    """One line a person reads after `mhqa index` (skipped files are printed separately)."""
    lines = [f"full rebuild: {summary.rebuilt_reason}"] if summary.rebuilt_reason else []
    lines.append(
        f"{len(summary.added)} added, {len(summary.changed)} changed, {len(summary.removed)} removed, "
        f"{len(summary.unchanged)} unchanged documents; {summary.chunks_embedded} of {summary.chunks_total} "
        f"chunks embedded; {len(summary.skipped)} skipped; {summary.seconds:.1f} s"
    )
    return "\n".join(lines)

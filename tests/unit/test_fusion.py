"""Reciprocal rank fusion, top-n selection and the sentence-level re-rank: pure functions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.rerank import sentence_rerank
from index.search import RRF_K, rrf_fuse, top_rows


def test_rrf_scores_are_sums_of_reciprocal_ranks() -> None:
    fused = dict(rrf_fuse([[7, 3, 5], [3, 9]]))
    assert fused[3] == 1 / (RRF_K + 2) + 1 / (RRF_K + 1)
    assert fused[7] == 1 / (RRF_K + 1)
    assert fused[9] == 1 / (RRF_K + 2)
    assert fused[5] == 1 / (RRF_K + 3)


def test_rrf_ranks_an_item_found_by_both_lists_above_items_found_by_one() -> None:
    ranked = [item for item, _ in rrf_fuse([[1, 2, 3], [3, 4, 5]])]
    assert ranked[0] == 3


def test_rrf_breaks_ties_by_best_rank_then_id() -> None:
    # 10 and 20 each appear once at rank 1; 30 and 40 once at rank 2
    assert [item for item, _ in rrf_fuse([[20, 40], [10, 30]])] == [10, 20, 30, 40]


def test_rrf_of_no_lists_is_empty() -> None:
    assert rrf_fuse([]) == []
    assert rrf_fuse([[], []]) == []


@given(st.lists(st.lists(st.integers(0, 30), unique=True, max_size=15), max_size=4))
def test_rrf_output_is_sorted_and_covers_every_input_item_once(rankings: list[list[int]]) -> None:
    fused = rrf_fuse(rankings)
    items = [item for item, _ in fused]
    assert sorted(items) == sorted({i for r in rankings for i in r})
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)


def test_top_rows_returns_the_best_rows_in_descending_order() -> None:
    rows = np.array([10, 11, 12, 13, 14])
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0], dtype=np.float32)
    got_rows, got_scores = top_rows(scores, rows, 3)
    assert got_rows.tolist() == [11, 13, 12]  # tie at 0.9 goes to the smaller row
    assert got_scores.tolist() == [np.float32(0.9), np.float32(0.9), np.float32(0.5)]


@given(st.lists(st.floats(-1, 1, width=32), min_size=0, max_size=40), st.integers(0, 50))
def test_top_rows_agrees_with_a_full_sort(values: list[float], n: int) -> None:
    scores = np.array(values, dtype=np.float32)
    rows = np.arange(len(values)) * 3
    got_rows, _ = top_rows(scores, rows, n)
    expected = sorted(range(len(values)), key=lambda i: (-values[i], i))[:n]
    assert got_rows.tolist() == [rows[i] for i in expected]


def test_sentence_rerank_lifts_a_chunk_whose_one_sentence_matches() -> None:
    fused = [(1, 1 / 61), (2, 1 / 62)]
    chunk_cos = {1: 0.50, 2: 0.45}
    best_sentence = {1: 0.50, 2: 0.85}  # chunk 2 holds one sentence that answers the query
    assert [row for row, _ in sentence_rerank(fused, chunk_cos, best_sentence)] == [2, 1]


def test_sentence_rerank_keeps_fused_order_when_cosines_agree() -> None:
    fused = [(4, 1 / 61), (5, 1 / 62)]
    same = {4: 0.6, 5: 0.6}
    assert [row for row, _ in sentence_rerank(fused, same, same)] == [4, 5]


def test_sentence_rerank_uses_chunk_cosine_for_a_chunk_without_sentences() -> None:
    scored = dict(sentence_rerank([(3, 0.0)], {3: 0.7}, {}))
    assert abs(scored[3] - 0.7) < 1e-9

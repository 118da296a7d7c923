"""Integration fixtures: the real packaged model, loaded once, and an index of corpus/ built once.

Session-scoped fixtures are shared by every integration test: treat them as read-only (copy the index
directory to a tmp_path before changing anything in it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.embed import Embedder, load_embedder
from index.search import Searcher

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
# The four real WHO PDFs the labelled PDF questions (eval/pdfs-*.jsonl) are about; never copied into corpus/.
WHO_PDFS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "who"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2 ("minilm"), the fastest packaged model to load, once per test session."""
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """An index of a temporary copy of corpus/, built once per session; returns the index directory.

    The corpus copy it was built from is `built_index.parent / "corpus"`.
    """
    from index.build import update_index

    root = tmp_path_factory.mktemp("built-index")
    corpus = root / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    index_dir = root / "index"
    update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def searcher(built_index: Path, embedder: Embedder) -> Searcher:
    """A Searcher over `built_index` sharing the session's model."""
    return Searcher.open(built_index, embedder)


@pytest.fixture(scope="session")
def who_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """An index of a temporary copy of the shared WHO PDFs, built once per session; skipped without them.

    The corpus copy it was built from is `who_index.parent / "corpus"`.
    """
    from index.build import update_index

    pdfs = sorted(WHO_PDFS.glob("*.pdf"))
    if not pdfs:
        pytest.skip(f"the shared WHO PDFs are not at {WHO_PDFS}")
    root = tmp_path_factory.mktemp("who-index")
    corpus = root / "corpus"
    corpus.mkdir()
    for pdf in pdfs:
        shutil.copy(pdf, corpus / pdf.name)
    index_dir = root / "index"
    update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    return index_dir

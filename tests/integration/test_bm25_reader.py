"""The BM25 index is built by bm25s and read back with numpy alone: same terms, same scores, no SciPy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest
import Stemmer

from index.backends import STOPWORDS_FILE, bm25_text, bm25_tokenize, read_bm25, write_bm25
from index.errors import IndexStoreError
from index.store import load_index
from ingest.limits import Limits
from ingest.pipeline import ingest_one

from .conftest import CORPUS_DIR, WHO_PDFS

ROOT = Path(__file__).resolve().parents[2]
QUESTION_FILES = sorted((ROOT / "eval").glob("*.jsonl"))
RABIES = WHO_PDFS / "who-rabies-routine-data-2025.pdf"


def corpus_chunks() -> list:
    chunks = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        chunks += ingest_one(path, Limits())[1]
    return chunks


def questions() -> list[str]:
    return [json.loads(line)["q"] for f in QUESTION_FILES for line in f.read_text(encoding="utf-8").splitlines()]


def bm25s_terms(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


def test_terms_are_bm25s_own_on_the_corpus_and_every_labelled_question() -> None:
    texts = [bm25_text(c) for c in corpus_chunks()] + questions()
    if RABIES.exists():
        texts += [bm25_text(c) for c in ingest_one(RABIES, Limits())[1]]
    ours, theirs = bm25_tokenize(texts), bm25s_terms(texts)
    assert len(texts) > 300
    assert sum(a == b for a, b in zip(ours, theirs, strict=True)) == len(texts)


def test_scores_are_bm25s_own_for_every_labelled_question(tmp_path: Path) -> None:
    chunks = corpus_chunks()
    write_bm25(tmp_path, chunks)
    ours = read_bm25(tmp_path)
    theirs = bm25s.BM25.load(str(tmp_path), mmap=False, allow_pickle=False, show_progress=False)
    assert ours.num_docs == len(chunks)
    compared = 0
    for q in questions():
        terms = [t for t in ours.tokenize(q) if t in ours.vocab]
        if not terms:
            continue
        np.testing.assert_allclose(ours.scores(terms), theirs.get_scores(terms), rtol=1e-6, atol=1e-6)
        compared += 1
    assert compared > 100


def test_an_index_without_the_stopword_file_reads_with_bm25s_list(tmp_path: Path) -> None:
    write_bm25(tmp_path, corpus_chunks())
    saved = json.loads((tmp_path / STOPWORDS_FILE).read_text(encoding="utf-8"))
    (tmp_path / STOPWORDS_FILE).unlink()
    assert read_bm25(tmp_path).stopwords == frozenset(saved)


def test_a_query_imports_neither_bm25s_nor_scipy(built_index: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from index.store import load_index\n"
        f"state = load_index(Path({str(built_index)!r}))\n"
        "bm25 = state.bm25\n"
        "scores = bm25.scores(bm25.tokenize('Who chairs the Technical Advisory Group?'))\n"
        "assert scores.max() > 0, scores\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bm25s', 'scipy')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "damage",
    [
        ("indices.csc.index.npy", lambda a: a + 10_000),
        ("indptr.csc.index.npy", lambda a: a[::-1].copy()),
        ("data.csc.index.npy", lambda a: a[:-3].copy()),
    ],
    ids=["chunk out of range", "pointers reversed", "scores cut short"],
)
def test_damaged_bm25_arrays_are_reported(tmp_path: Path, built_index: Path, damage: tuple) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built_index, index_dir)
    name, change = damage
    path = next(index_dir.glob(f"generations/*/bm25/{name}"))
    np.save(path, change(np.load(path)))
    with pytest.raises(IndexStoreError, match="bm25"):
        load_index(index_dir)

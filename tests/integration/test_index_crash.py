"""Real `mhqa index` processes: SIGKILL at several points and two concurrent runs never break the index."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index import store
from index.build import update_index
from index.embed import Embedder
from index.search import Searcher

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
WORD_TEXT = (
    "refugee migrant health clinic vaccine measles tuberculosis border camp shelter nurse doctor policy "
    "asylum interpreter language access insurance mental trauma child mother pregnancy nutrition water "
    "sanitation housing labour employer registration record screening referral hospital emergency primary "
    "care equity rights law ministry diplomacy assembly region country data survey cost budget training "
    "community outreach volunteer climate flood drought conflict route transit detention reception"
)
WORDS = tuple(WORD_TEXT.split())
SMALL = {
    "vaccination.txt": "Migrant children often miss routine vaccination. Catch-up measles immunization is "
    "offered at the first contact. Vaccination records are frequently lost during displacement.",
    "housing.txt": "Overcrowded reception centres increase the spread of tuberculosis among refugees. "
    "Adequate ventilation reduces respiratory infections.",
}
QUERIES = ("measles vaccination of children", "tuberculosis in overcrowded reception centres")


def generated_corpus(folder: Path, n_docs: int, seed: int = 7) -> list[str]:
    """Documents of random but distinct sentences, big enough that embedding takes several seconds."""
    rng = random.Random(seed)
    ids = []
    for d in range(n_docs):
        paragraphs = [
            " ".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(4))
            for _ in range(5)
        ]
        (folder / f"generated-{d:03d}.txt").write_text(f"Report {d}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
        ids.append(f"generated-{d:03d}")
    return ids


class IndexProcess:
    """`python -m assistant.cli index` in a child process, its stderr collected as it arrives."""

    def __init__(self, corpus: Path, index_dir: Path) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "--index-dir",
                str(index_dir),
                "--model",
                "minilm",  # the model the fixture index was built with: no model-change rebuild
                "index",
                "--corpus",
                str(corpus),
                "--json",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.err = b""
        self.out = b""
        self._readers = [threading.Thread(target=self._read, args=(name,), daemon=True) for name in ("err", "out")]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str) -> None:
        stream = self.proc.stderr if name == "err" else self.proc.stdout
        assert stream is not None
        while block := stream.read1(4096):  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + block)

    def wait_for(self, text: bytes, timeout: float = 120.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.err:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float = 300.0) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(10)
        return code


def answers(index_dir: Path, embedder: Embedder) -> list[list[str]]:
    searcher = Searcher.open(index_dir, embedder)
    return [[h.chunk.chunk_id for h in searcher.search(q, 3)] for q in QUERIES]


def test_sigkill_at_several_points_keeps_the_previous_index_and_the_next_run_completes(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for name, text in SMALL.items():
        (corpus / name).write_text(text, encoding="utf-8")
    update_index(corpus, index_dir, "minilm", embedder=embedder, progress=False)
    generation, before = store.current_generation(index_dir), answers(index_dir, embedder)
    added = generated_corpus(corpus, 20)

    early = IndexProcess(corpus, index_dir)  # killed while starting up or scanning
    time.sleep(1.5)
    early.kill()
    embedding = IndexProcess(corpus, index_dir)  # killed in the middle of embedding
    assert embedding.wait_for(b"embedding"), embedding.err.decode(errors="replace")
    time.sleep(1.0)
    embedding.kill()
    assert embedding.proc.returncode == -signal.SIGKILL
    assert store.current_generation(index_dir) == generation
    assert answers(index_dir, embedder) == before

    final = IndexProcess(corpus, index_dir)
    assert final.finish() == 0, final.err.decode(errors="replace")
    summary = json.loads(final.out)
    assert summary["added"] == added and summary["unchanged"] == ["housing", "vaccination"]
    loaded = store.load_index(index_dir)
    new_chunks = sum(len(r.chunk_ids) for r in loaded.manifest.documents if r.info.doc_id in added)
    assert summary["chunks_embedded"] == new_chunks == summary["chunks_total"] - 2  # one chunk per small doc
    assert os.listdir(index_dir / store.GENERATIONS) == [store.current_generation(index_dir)]
    assert answers(index_dir, embedder)[0][0] == before[0][0]  # small documents still answer their questions


def test_second_concurrent_index_run_exits_clearly_and_the_index_is_whole(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    added = generated_corpus(corpus, 20, seed=11)
    first = IndexProcess(corpus, index_dir)
    assert first.wait_for(b"embedding"), first.err.decode(errors="replace")
    second = IndexProcess(corpus, index_dir)
    assert second.finish() == 1
    assert f"another `mhqa index` is running (pid {first.proc.pid})".encode() in second.err
    assert first.finish() == 0, first.err.decode(errors="replace")
    loaded = store.load_index(index_dir)
    assert [r.info.doc_id for r in loaded.manifest.documents] == added
    assert len(loaded.chunks) == loaded.vectors.shape[0] == json.loads(first.out)["chunks_total"]

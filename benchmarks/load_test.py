"""Bounded load test of the web app on loopback: concurrent clients ask and search while one rebuild
adds a document; answers must stay identical to the old index's until the swap, and after it every
client must get the new index's one answer (never a mix of generations).

    .venv/bin/python benchmarks/load_test.py [--clients 20] [--requests 10] [--out FILE.json]

Starts `mhqa serve` on a copy of ./corpus with a temporary index on 127.0.0.1 only, drives it with
gradio_client (one client per simulated user), prints p50/p95 latency per request kind and the
server's peak resident memory (VmHWM from /proc/<pid>/status). Every loop is bounded in count and
time; exit status 1 when any request failed, an answer changed before the swap, or clients saw
different answers to one question after it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.served import REPO_ROOT, memory_mib, served_app  # noqa: E402

QUESTIONS = [
    "What is the Technical Advisory Group on Health, Migration and Displacement?",
    "Why does health diplomacy matter for refugees and migrants?",
    "Which areas of expertise do the advisory group's members cover?",
    "What will the briefing discuss?",
]
QUERIES = [
    "health diplomacy",
    "social protection for displaced people",
    "WHO regions experts",
    "migration policy",
]
# Long enough (about 40 passages) that embedding it takes a few seconds, so requests overlap the rebuild.
NEW_DOC = "Quokka caravan field report.\n\n" + "\n\n".join(
    f"Day {i} of the caravan. The quokka vaccination caravan reached border camp number {i} at dawn. "
    f"Nurses recorded {i * 7} visits in a shared register kept by the caravan team. "
    f"Stock of vaccine lot {1000 + i} was checked and logged before the team moved on."
    for i in range(1, 121)
)
CALL_TIMEOUT_S = 120.0
# Sent now and then by client 0: refused with its numbers before any model call, so it never holds the
# model lock the other clients wait for (issue 17; it used to take 92 s and delay every other request).
HOSTILE_QUESTION = "x" * 200_000


@dataclass(slots=True)
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"ask": [], "search": [], "hostile": []})
    errors: list[str] = field(default_factory=list)
    changed_answers: list[str] = field(default_factory=list)
    after_answers: dict[str, set[str]] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=lambda: {"before": 0, "during": 0, "after": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)


def call(client: Any, api: str, *args: Any) -> Any:
    return client.submit(*args, api_name=api).result(timeout=CALL_TIMEOUT_S)


def ask_hostile(client: Any) -> None:
    """The over-long question must come back as its one-line refusal."""
    from gradio_client.exceptions import AppError

    try:
        call(client, "/ask", HOSTILE_QUESTION)
    except AppError as exc:
        if "max_question_chars" in str(exc):
            return
        raise
    raise RuntimeError("a 200,000-character question was answered instead of refused")


def answer_key(answer: dict[str, Any]) -> str:
    return json.dumps([answer["answer"], answer["refused"], answer["citations"]], ensure_ascii=False)


def client_loop(
    url: str,
    worker: int,
    n_requests: int,
    deadline: float,
    baseline: dict[str, str],
    phase: list[str],
    results: Results,
) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for i in range(n_requests):
        if time.monotonic() > deadline:
            with results.lock:
                results.errors.append(f"client {worker}: stopped at request {i}, time budget spent")
            return
        kind = "ask" if (worker + i) % 2 == 0 else "search"
        kind = "hostile" if worker == 0 and i % 3 == 2 else kind
        started = time.perf_counter()
        try:
            if kind == "hostile":
                ask_hostile(client)
            elif kind == "ask":
                question = QUESTIONS[(worker + i) % len(QUESTIONS)]
                seen_phase = phase[0]
                key = answer_key(call(client, "/ask", question))
                with results.lock:
                    if seen_phase == "after":  # checked at the end against the new index's answer
                        results.after_answers.setdefault(question, set()).add(key)
                    elif key != baseline[question]:  # the old index must serve until the swap
                        results.changed_answers.append(f"{seen_phase}: {question}")
            else:
                call(client, "/search", QUERIES[(worker + i) % len(QUERIES)], 5, None, "hybrid")
        except Exception as exc:  # noqa: BLE001 - a load test counts every failure, whatever it is
            with results.lock:
                results.errors.append(f"client {worker} {kind}: {type(exc).__name__}: {exc}")
            continue
        with results.lock:
            results.latencies[kind].append(time.perf_counter() - started)
            results.phases[phase[0]] += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(clients: int, requests: int, budget_s: float) -> dict[str, Any]:
    from gradio_client import Client

    with tempfile.TemporaryDirectory(prefix="mhqa-load-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        shutil.copytree(REPO_ROOT / "corpus", corpus)
        with served_app(corpus, work / "index", work / "home", work / "server.log") as (proc, url):
            main = Client(url, verbose=False)
            baseline = {q: answer_key(call(main, "/ask", q)) for q in QUESTIONS}
            results, phase = Results(), ["before"]
            deadline = time.monotonic() + budget_s
            started = time.perf_counter()
            rebuild: dict[str, Any] = {}

            def do_rebuild() -> None:
                time.sleep(1.0)  # let the clients get going first
                (corpus / "quokka-caravan.txt").write_text(NEW_DOC, encoding="utf-8")
                t0 = time.perf_counter()
                phase[0] = "during"
                rebuild["summary"] = str(call(main, "/rebuild"))[:300]
                rebuild["seconds"] = time.perf_counter() - t0
                phase[0] = "after"

            with ThreadPoolExecutor(max_workers=clients + 1) as pool:
                rebuild_future = pool.submit(do_rebuild)
                futures = [
                    pool.submit(client_loop, url, w, requests, deadline, baseline, phase, results)
                    for w in range(clients)
                ]
                rebuild_future.result(timeout=budget_s)
                for f in futures:
                    f.result(timeout=budget_s)
            wall = time.perf_counter() - started
            # After the swap every client must have seen the new index's one answer (never a mix of
            # generations). Adding a document may legitimately change an answer (BM25 statistics and
            # score normalisation are corpus-wide): those are counted, not failed.
            moved = []
            for q in QUESTIONS:
                final = answer_key(call(main, "/ask", q))
                if results.after_answers.get(q, {final}) != {final}:
                    results.changed_answers.append(f"after: {q} (clients saw {len(results.after_answers[q])} answers)")
                if final != baseline[q]:
                    moved.append(q)
            found = call(main, "/search", "quokka vaccination caravan", 3, None, "hybrid")
            memory = memory_mib(proc.pid)
    lat = results.latencies
    return {
        "clients": clients,
        "requests_per_client": requests,
        "wall_s": round(wall, 2),
        "completed": sum(len(v) for v in lat.values()),
        "by_phase": results.phases,
        "errors": results.errors,
        "changed_answers": results.changed_answers,
        "answers_moved_by_the_new_document": moved,
        "rebuild_s": round(rebuild.get("seconds", float("nan")), 2),
        "new_document_found": bool(found) and found[0]["doc_id"] == "quokka-caravan",
        "latency_s": {
            k: {
                "n": len(v),
                "p50": round(percentile(v, 0.5), 3),
                "p95": round(percentile(v, 0.95), 3),
                "max": round(max(v, default=float("nan")), 3),
                "mean": round(statistics.fmean(v), 3) if v else None,
            }
            for k, v in lat.items()
        },
        "server_peak_rss_mib": memory.get("VmHWM"),
        "server_rss_end_mib": memory.get("VmRSS"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="requests per client")
    parser.add_argument("--budget", type=float, default=480.0, help="seconds before clients stop")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    report = run(args.clients, args.requests, args.budget)
    print(
        f"{args.clients} clients x {args.requests} requests (mixed ask/search) + 1 rebuild, "
        f"{report['completed']} done in {report['wall_s']} s"
    )
    print(f"{'kind':<8}{'n':>5}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for kind, row in report["latency_s"].items():
        print(f"{kind:<8}{row['n']:>5}{row['p50']:>9}{row['p95']:>9}{row['max']:>9}")
    print(f"requests by phase (before/during/after the rebuild): {report['by_phase']}")
    print(f"rebuild (adds one document): {report['rebuild_s']} s; new document found: {report['new_document_found']}")
    print(f"server peak RSS (VmHWM): {report['server_peak_rss_mib']} MiB")
    print(
        f"errors: {len(report['errors'])}; answers changed before the swap or mixed after it: "
        f"{len(report['changed_answers'])}"
    )
    print(
        f"answers that changed because the new document joined the corpus: "
        f"{report['answers_moved_by_the_new_document']}"
    )
    for line in report["errors"][:10] + report["changed_answers"][:10]:
        print("  " + line)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = not report["errors"] and not report["changed_answers"] and report["new_document_found"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Render the benchmark results dictionary as the Markdown tables printed and saved to latest.md."""

from __future__ import annotations

from typing import Any


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.0f} MB"


def render_markdown(r: dict[str, Any]) -> str:
    """All sections; a section the run skipped shows its reason."""
    ing, rei = r["ingest"], r["reindex"]
    out = [
        f"## mhqa benchmark ({r['date']}, {r['machine']['cpus']} CPUs, Python {r['machine']['python']})",
        "",
    ]
    out += [
        f"### Indexing (bundled corpus, all-MiniLM-L6-v2, model preloaded: load {r['model_load_s']:.2f} s)",
        "",
    ]
    out += _table(
        ["measure", "value"],
        [
            [
                "documents / chunks / texts embedded (chunks + distinct sentences)",
                f"{ing['documents']} / {ing['chunks']} / {ing['texts_embedded']}",
            ],
            [
                "cold full build (median of 3)",
                f"{ing['build_s']:.2f} s ({ing['chunks_per_s']} chunks/s, {ing['texts_per_s']} texts/s)",
            ],
            [
                "raw model encode of the same texts",
                f"{ing['raw_encode_s']:.2f} s ({ing['raw_texts_per_s']} texts/s)",
            ],
            ["build throughput / raw encode throughput (target >= 0.9)", f"{ing['ratio_to_raw']:.2f}"],
            [
                "re-index, nothing changed",
                f"{rei['no_change_s']:.3f} s ({rei['no_change_embedded']} chunks embedded)",
            ],
            [
                "re-index, one document changed",
                f"{rei['one_changed_s']:.3f} s ({rei['one_changed_embedded']} chunks embedded)",
            ],
        ],
    )
    peer = r["peer_txtai"]
    rows = [[name, v["n"], f"{v['p50_ms']:.1f}", f"{v['p95_ms']:.1f}"] for name, v in r["latency"].items()]
    rows.append(
        [
            "txtai hybrid search (same chunks, same model)",
            peer["search"]["n"],
            f"{peer['search']['p50_ms']:.1f}",
            f"{peer['search']['p95_ms']:.1f}",
        ]
    )
    out += ["", f"### Warm query latency (k=5, {r['questions']['n']} questions x {r['rounds']} rounds)", ""]
    out += _table(["operation", "calls", "p50 ms", "p95 ms"], rows)
    out += [
        "",
        f"Our hybrid search p50 / txtai p50 = **{peer['our_hybrid_p50_over_txtai_p50']}** (target <= 0.7); "
        f"txtai index build {peer['build_s']:.2f} s.",
        "",
    ]
    out += _quality(r)
    out += _default_model(r.get("default_model"))
    out += _memory(r["memory"])
    out += _profile(r["profile_ask"])
    out += _scale(r["scale"], r.get("scale_error"))
    return "\n".join(out)


def _quality(r: dict[str, Any]) -> list[str]:
    rows = [x for x in r["quality"]["retrieval"] + r["peer_txtai"]["quality"] if x["lang"] == "all"]
    out = [f"### Retrieval quality (answerable questions, n={rows[0]['n'] if rows else 0}, k=10)", ""]
    out += _table(
        ["mode", "hit@1", "hit@3", "MRR"],
        [[x["mode"], f"{x['hit_at_1']:.2f}", f"{x['hit_at_3']:.2f}", f"{x['mrr']:.3f}"] for x in rows],
    )
    a = r["quality"]["answers"]
    out += ["", "### Answers (extractive, k=5)", ""]
    out += _table(
        [
            "key-fact rate (answerable)",
            "refusal rate (off-topic)",
            "false-refusal rate (answerable)",
            "key-fact rate, refusal off",
        ],
        [
            [
                f"{a['key_fact_rate']:.2f} (n={a['n_answerable']})",
                f"{a['refusal_rate']:.2f} (n={a['n_off_topic']})",
                f"{a['false_refusal_rate']:.2f}",
                f"{a['unrefused_key_fact_rate']:.2f}",
            ]
        ],
    )
    return out + [""]


def _default_model(d: dict[str, Any] | None) -> list[str]:
    if not d or "skipped" in d:
        return []
    lat, q = d["latency"], d["quality"]
    rows = [[name, f"{v['p50_ms']:.1f}", f"{v['p95_ms']:.1f}"] for name, v in lat.items()]
    overall = [x for x in q["retrieval"] if x["lang"] == "all"]
    a = q["answers"]
    out = [f"### Default model `{d['model']}` (cold build {d['build_s']:.1f} s for {d['chunks']} chunks)", ""]
    out += _table(["operation", "p50 ms", "p95 ms"], rows)
    out += [""]
    out += _table(
        ["mode", "hit@1", "hit@3", "MRR"],
        [[x["mode"], f"{x['hit_at_1']:.2f}", f"{x['hit_at_3']:.2f}", f"{x['mrr']:.3f}"] for x in overall],
    )
    out += [
        "",
        f"Answers: key-fact rate {a['key_fact_rate']:.2f} ({a['unrefused_key_fact_rate']:.2f} with refusal off), "
        f"refusal rate (off-topic) {a['refusal_rate']:.2f}, false-refusal rate {a['false_refusal_rate']:.2f}.",
        "",
    ]
    return out


def _memory(m: dict[str, Any]) -> list[str]:
    idx, srv = m["index_rebuild"], m["serve"]
    rows = [
        [
            "`mhqa index --rebuild` (subprocess, ru_maxrss)",
            idx.get("skipped")
            or f"{idx['peak_rss_mb']:.0f} MB peak ({idx['wall_s_including_imports']:.1f} s "
            "wall with imports and model load)",
        ],
        [
            "`mhqa serve` after start-up + questions via /ask (VmHWM)",
            srv.get("skipped")
            or f"{srv['VmHWM']:.0f} MB peak, {srv['VmRSS']:.0f} MB resident "
            f"(start-up {srv['startup_s']:.1f} s, {srv['questions']} questions, "
            f"median {srv['ask_via_api_ms_median']} ms through the API)",
        ],
    ]
    return [f"### Peak memory (default model `{m.get('model', '?')}`)", "", *_table(["process", "memory"], rows), ""]


def _profile(stages: list[dict[str, Any]]) -> list[str]:
    rows = [[s["stage"], f"{s['ms_per_question']:.2f}", f"{100 * s['share']:.0f}%"] for s in stages]
    return [
        "### Where `ask` spends its time (cProfile, cumulative; nested stages overlap)",
        "",
        *_table(["stage", "ms / question", "share of ask"], rows),
        "",
    ]


def _scale(rows: list[dict[str, Any]], error: str | None = None) -> list[str]:
    if not rows:
        return ["### Scale", "", f"Failed: {error}" if error else "Skipped (--skip-scale).", ""]
    table = [
        [
            f"{x['n']:,}",
            x["kind"] + (" **(chosen)**" if x["chosen"] else ""),
            f"{x['build_s']:.1f}",
            _mb(x["bytes"]),
            f"{x['search']['p50_ms']:.2f}",
            f"{x['recall_at_10']:.3f}",
            f"{x.get('nearest_found', float('nan')):.3f}",
        ]
        for x in rows
    ]
    return [
        "### Scale (synthetic unit vectors, 384 dims, float32; one query per call)",
        "",
        *_table(["vectors", "index", "build s", "size", "search p50 ms", "recall@10", "nearest found"], table),
        "",
    ]

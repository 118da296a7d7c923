"""'Show page' for a page not yet cached: render the page and place the quote's boxes (target < 1 s).

    .venv/bin/python benchmarks/show_page.py [PDF ...] [--pages 20]

For each PDF (default: the shared WHO PDFs), one sentence on each of up to `--pages` distinct pages is
shown with an empty page cache, then again from the cache; the table gives milliseconds per view and the
size of the cached page images (what MHQA_PAGE_CACHE_MB bounds), and over every sentence of the first PDF
the share placed exactly, approximately and not at all.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant.settings import Settings
from assistant.ui.pageview import build_pdf_view
from benchmarks.timing import latency_summary
from ingest.load import MB, sha256_file
from ingest.page_image import locate_quote
from ingest.pipeline import ingest_one

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "who"  # ../shared beside the repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    pdfs = args.pdfs or sorted(SHARED.glob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"no PDFs given and none in {SHARED}")
    print("| PDF | views | cold p50 ms | cold p95 ms | cold max ms | cached p50 ms | page KiB median | page KiB max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    bound = Settings().page_cache_bytes  # as the app prunes: the default bound, checked after each render
    for pdf in pdfs:
        _, chunks = ingest_one(pdf, 500 * MB)
        sha = sha256_file(pdf)
        picks, seen = [], set()
        for chunk in chunks:
            for start, end in chunk.sentences:
                page = chunk.pages_of(start, end)[0]
                if page not in seen and end - start > 40:
                    seen.add(page)
                    picks.append((chunk, start, end))
        picks = picks[: args.pages]
        with tempfile.TemporaryDirectory(prefix="mhqa-bench-pages-") as cache:
            cold, warm = [], []
            for chunk, start, end in picks:
                for out in (cold, warm):
                    began = time.perf_counter()
                    build_pdf_view(pdf, sha, chunk.title, chunk, start, end, None, Path(cache), bound)
                    out.append((time.perf_counter() - began) * 1000)
            sizes = sorted(f.stat().st_size / 1024 for f in Path(cache).glob("*.png"))
        c, w = latency_summary(cold), latency_summary(warm)
        print(
            f"| {pdf.name} | {len(picks)} | {c['p50_ms']:.0f} | {c['p95_ms']:.0f} | {max(cold):.0f} | "
            f"{w['p50_ms']:.0f} | {sizes[len(sizes) // 2]:.0f} | {sizes[-1]:.0f} |"
        )
    _placement(pdfs[0])


def _placement(pdf: Path) -> None:
    _, chunks = ingest_one(pdf, 500 * MB)
    counts = {"exact": 0, "approximate": 0, "not placed": 0}
    for chunk in chunks:
        for start, end in chunk.sentences:
            highlights = locate_quote(pdf, chunk.pages_of(start, end)[0], chunk.text[start:end])
            kind = (
                "exact"
                if all(h.exact for h in highlights)
                else "approximate"
                if any(h.boxes for h in highlights)
                else "not placed"
            )
            counts[kind] += 1
    total = sum(counts.values())
    print(
        f"\nEvery sentence of {pdf.name} ({total}): "
        + ", ".join(f"{k} {v} ({v / total:.3f})" for k, v in counts.items())
    )


if __name__ == "__main__":
    main()

"""Ingestion speed and chunk sizes: the bundled corpus and a generated book-sized PDF (150 pages).

Run: .venv/bin/python scripts/bench_ingest.py [--pages 150]
Prints one row per document: pages, cleaned characters, chunks, word pieces per chunk, seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.pipeline import find_documents, ingest_one  # noqa: E402
from ingest.sentences import count_word_pieces  # noqa: E402

PARAGRAPH = (
    "Health systems in the WHO European Region increasingly serve refugees and migrants, whose needs are "
    "shaped by the conditions of their journeys and by the policies of host countries. Global health "
    "diplomacy brings together ministries of health and of foreign affairs, and the public health aspects of "
    "migration call for cross-border cooperation, reliable data and sustained financing. "
)

HEADINGS = ("Background", "Migration and health", "Policy options", "Looking ahead")


def make_book(path: Path, pages: int) -> Path:
    """A book-like PDF: running header, page-number footer, headings, wrapped and hyphenated paragraphs."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_y(8)
        pdf.cell(text="Health diplomacy: spotlight on refugees and migrants")
        pdf.set_y(20)
        heading = HEADINGS[n % len(HEADINGS)]
        # The second paragraph runs on to the next page, as in a real book.
        carried = "of the Region agreed on common action.\n\n" if n > 1 else ""
        pdf.multi_cell(0, 6, f"{carried}{heading}\n\n{n}. {PARAGRAPH * 2}\n\n{PARAGRAPH}The countries")
        pdf.set_y(-15)
        pdf.cell(text=str(n))
    pdf.output(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=150)
    args = parser.parse_args()
    count_word_pieces(["warm up the tokenizer"])
    with tempfile.TemporaryDirectory() as tmp:
        files = find_documents([Path("corpus")]) + [make_book(Path(tmp) / "book.pdf", args.pages)]
        print(f"{'document':<50} {'pages':>5} {'chars':>8} {'chunks':>6} {'wp mean':>7} {'wp max':>6} {'s':>6}")
        for path in files:
            start = time.perf_counter()
            doc, chunks = ingest_one(path, 200 * 1024 * 1024)
            seconds = time.perf_counter() - start
            pieces = count_word_pieces([c.text for c in chunks])
            print(
                f"{doc.doc_id[:50]:<50} {len(doc.pages):>5} {len(doc.text):>8} {len(chunks):>6} "
                f"{statistics.mean(pieces):>7.0f} {max(pieces):>6} {seconds:>6.2f}"
            )


if __name__ == "__main__":
    main()

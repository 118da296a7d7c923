"""Which PDF text extractor keeps words apart: pypdf plain and layout modes, pypdfium2, pdfminer.six.

Prints, per extractor and PDF of ../shared/corpora: words, glued words per 1,000 words (tokens of 30+
letters, or a long token that is two dictionary words run together) in the raw text and after mhqa's
Unicode and whitespace normalisation (`ingest.clean.normalize_unicode`), and seconds; and for the
three-column Federal Register issue, how many sentences that run down one column come out whole.

    .venv/bin/python benchmarks/pdf_extractors.py [--pages N]

pypdfium2 and pdfminer.six are optional (rows say "not installed"); mhqa itself uses pypdf.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

from ingest.clean import _vocabulary, normalize_unicode

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
_TOKEN = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*")

# Sentences of the three-column Federal Register issue that wrap over several lines of one column (read
# off the printed page): an extractor that reads across the columns breaks them apart.
COLUMN_SENTENCES = (
    "Flight control laws reside in software, and are developed to generate commands from the flight "
    "control computers that will achieve desired airplane performance.",
    "The QRH is a nonregulatory tool used by flightcrews that includes information for non-normal and "
    "emergency conditions, including AFM procedures.",
    "Finally, operators with an existing FAA-approved MEL would be required to incorporate more "
    "restrictive provisions to dispatch the airplane with certain inoperative equipment.",
    "Will not have a significant economic impact, positive or negative, on a substantial number of small "
    "entities under the criteria of the Regulatory Flexibility Act.",
    "This AD applies to The Boeing Company Model 737–8 and 737–9 airplanes, certificated in any category,",
)

Extract = Callable[[Path, int], list[str]]


def pypdf_plain(path: Path, pages: int) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return [p.extract_text() or "" for p in reader.pages[:pages]]


def pypdf_layout(path: Path, pages: int) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return [p.extract_text(extraction_mode="layout") or "" for p in reader.pages[:pages]]


def pdfium(path: Path, pages: int) -> list[str]:
    import pypdfium2 as pdfium_mod

    doc = pdfium_mod.PdfDocument(str(path))
    out = []
    for i in range(min(pages, len(doc))):
        page = doc[i]
        text_page = page.get_textpage()
        out.append(text_page.get_text_range())
        text_page.close()
        page.close()
    doc.close()
    return out


def pdfminer(path: Path, pages: int) -> list[str]:
    from pdfminer.high_level import extract_text

    text = extract_text(str(path), maxpages=pages)
    return text.split("\f")


EXTRACTORS: dict[str, Extract] = {
    "pypdf plain": pypdf_plain,
    "pypdf layout": pypdf_layout,
    "pypdfium2": pdfium,
    "pdfminer.six": pdfminer,
}


def is_glued(token: str, vocabulary: frozenset[str]) -> bool:
    """30+ letters, or 14+ letters that are not a word but two words of 3+ letters run together."""
    if len(token) >= 30:
        return True
    low = token.lower()
    if len(low) < 14 or "-" in low or low in vocabulary:
        return False
    return any(low[:i] in vocabulary and low[i:] in vocabulary for i in range(3, len(low) - 2))


def glued_per_1000(pages: list[str]) -> tuple[int, float]:
    vocabulary = _vocabulary()
    tokens = [t for page in pages for t in _TOKEN.findall(page)]
    glued = sum(is_glued(t, vocabulary) for t in tokens)
    return len(tokens), 1000 * glued / max(len(tokens), 1)


def _flat(text: str) -> str:
    """One line, single spaces, line-end hyphens joined ("FAA-\napproved" -> "FAA-approved")."""
    return " ".join(re.sub(r"-\s*\n\s*", "-", text).split())


def column_order(pages: list[str]) -> str:
    """How many of COLUMN_SENTENCES come out whole, as "n/5"."""
    text = _flat("\n".join(pages))
    whole = sum(1 for sentence in COLUMN_SENTENCES if _flat(sentence) in text)
    return f"{whole}/{len(COLUMN_SENTENCES)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="at most this many pages per PDF")
    args = parser.parse_args()
    pdfs = sorted((CORPORA / "who").glob("*.pdf")) + sorted((CORPORA / "layout").glob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"no PDFs under {CORPORA}: the shared corpora are needed")
    print(
        "| extractor | PDF | words | glued / 1,000 raw | glued / 1,000 normalised | column sentences whole | seconds |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, extract in EXTRACTORS.items():
        for pdf in pdfs:
            try:
                began = time.perf_counter()
                pages = extract(pdf, args.pages)
                seconds = time.perf_counter() - began
            except ImportError:
                print(f"| {name} | {pdf.stem} | not installed | | | | |")
                break
            words, glued = glued_per_1000(pages)
            _, normalised = glued_per_1000([normalize_unicode(p) for p in pages])
            order = column_order(pages) if pdf.parent.name == "layout" else ""
            print(f"| {name} | {pdf.stem} | {words} | {glued:.2f} | {normalised:.2f} | {order} | {seconds:.1f} |")


if __name__ == "__main__":
    main()

"""Every citation the labelled PDF questions produce, placed on its page: boxes over the quote's words.

On the session's index of the four shared WHO PDFs (`who_index`, MiniLM), every question of
eval/pdfs-dev.jsonl and eval/pdfs-heldout.jsonl is answered and each citation's quote is placed on its
pages. Exact highlights must be >= 0.98 of them and hold the quote's text as pdfium itself reads it
inside the boxes; the rest must be marked approximate, each of their boxes on a line holding quote words;
none may be wrong. Counted per PDF, and every PDF must have citations.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from ingest.page_image import Box, PageHighlight, fold, locate_quote, text_in_box

pytestmark = pytest.mark.slow

EVAL = Path(__file__).resolve().parents[2] / "eval"
QUESTION_SETS = ("pdfs-dev.jsonl", "pdfs-heldout.jsonl")


def _core(box: Box) -> Box:
    """The middle band of a box across its line (its height, or its width for vertical text such as a
    rotated photo credit): pdfium's bounded text also picks up neighbours that merely touch a box."""
    height, width = box.bottom - box.top, box.right - box.left
    if height <= width * 1.5:
        return Box(box.left, box.top + 0.3 * height, box.right, box.bottom - 0.3 * height)
    return Box(box.left + 0.3 * width, box.top, box.right - 0.3 * width, box.bottom)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()) if len(w) >= 4}


def _matched(part: str, inside: str) -> int:
    blocks = difflib.SequenceMatcher(None, part, inside, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks)


def _verdict(path: Path, quote: str, pages: tuple[int, ...], highlights: tuple[PageHighlight, ...]) -> str:
    """ "exact", "approximate", or why the highlight is wrong."""
    if [h.page for h in highlights] != list(pages):
        return f"wrong pages {[h.page for h in highlights]} for {pages}"
    if all(h.exact for h in highlights):
        for h in highlights:
            inside = "".join(fold(text_in_box(path, h.page, _core(b))) for b in h.boxes)
            if _matched(h.part, inside) < 0.95 * len(h.part):  # the boxes cover the quote
                return f"exact boxes miss the quote on page {h.page}: {inside!r}"
            if _matched(h.part, inside) < 0.9 * len(inside):  # and little else
                return f"exact boxes hold other text on page {h.page}: {inside!r}"
        return "exact"
    wanted = _words(quote)
    for h in highlights:
        for b in h.boxes:
            if not wanted & _words(text_in_box(path, h.page, b)):
                return f"approximate box {b} on page {h.page} holds none of the quote's words"
    return "approximate"


@pytest.fixture(scope="session")
def verdicts(who_index: Path, embedder: object) -> dict[str, Counter[str]]:
    """Per PDF, how many of its citations were placed exactly, approximately, or wrongly (with why)."""
    from assistant.pipeline import answer_question
    from index.search import Searcher

    corpus = who_index.parent / "corpus"
    searcher = Searcher.open(who_index, embedder)  # type: ignore[arg-type]
    questions = [
        json.loads(line)
        for name in QUESTION_SETS
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    out: dict[str, Counter[str]] = {pdf.stem: Counter() for pdf in corpus.glob("*.pdf")}
    for q in questions:
        for c in answer_question(searcher, q["q"], k=5).citations:
            path = corpus / f"{c.doc_id}.pdf"
            out[c.doc_id][_verdict(path, c.quote, c.pages, locate_quote(path, c.pages, c.quote))] += 1
    return out


def test_every_pdf_has_cited_quotes(verdicts: dict[str, Counter[str]]) -> None:
    assert len(verdicts) == 4
    assert {doc: sum(v.values()) >= 8 for doc, v in verdicts.items()} == dict.fromkeys(verdicts, True), verdicts


def test_no_cited_quote_is_highlighted_on_the_wrong_text(verdicts: dict[str, Counter[str]]) -> None:
    wrong = {doc: [k for k in v if k not in ("exact", "approximate")] for doc, v in verdicts.items()}
    assert wrong == dict.fromkeys(verdicts, []), verdicts


def test_at_least_98_percent_of_cited_quotes_are_highlighted_exactly(verdicts: dict[str, Counter[str]]) -> None:
    exact = sum(v["exact"] for v in verdicts.values())
    total = sum(sum(v.values()) for v in verdicts.values())
    assert exact >= 0.98 * total, verdicts

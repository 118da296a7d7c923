"""Every citation the labelled PDF questions produce, placed on its page: boxes over the quote's words.

On a real index of one shared WHO PDF (the smallest, the rabies report), built once per session with
MiniLM. Exact highlights must be >= 0.98 of them and hold the quote's text as pdfium itself reads it
inside the boxes; the rest must be marked approximate, each of their boxes on a line holding quote words.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from ingest.page_image import Box, fold, locate_quote, text_in_box

pytestmark = pytest.mark.slow

SHARED = Path("/work/shared/corpora/who")
DOC_ID = "who-rabies-routine-data-2025"
EVAL = Path(__file__).resolve().parents[2] / "eval"


def _core(box: Box) -> Box:
    """The middle band of a box across its line (its height, or its width for vertical text such as a
    rotated photo credit): pdfium's bounded text also picks up neighbours that merely touch a box."""
    height, width = box.bottom - box.top, box.right - box.left
    if height <= width * 1.5:
        return Box(box.left, box.top + 0.3 * height, box.right, box.bottom - 0.3 * height)
    return Box(box.left + 0.3 * width, box.top, box.right - 0.3 * width, box.bottom)


@pytest.fixture(scope="session")
def pdf_citations(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> tuple[Path, list[object]]:
    pdf = SHARED / f"{DOC_ID}.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} not found: the shared WHO PDFs are not on this machine")
    from assistant.pipeline import answer_question
    from index.build import update_index
    from index.search import Searcher

    root = tmp_path_factory.mktemp("pdf-index")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(pdf, corpus / pdf.name)
    update_index(corpus, root / "index", "minilm", embedder=embedder, progress=False)  # type: ignore[arg-type]
    searcher = Searcher.open(root / "index", embedder)  # type: ignore[arg-type]
    questions = [
        json.loads(line)
        for name in ("pdfs-dev.jsonl", "pdfs-heldout.jsonl")
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    mine = [q for q in questions if q.get("doc_id") == DOC_ID]
    assert len(mine) >= 8
    citations = [c for q in mine for c in answer_question(searcher, q["q"], k=5).citations]
    return corpus / pdf.name, citations


def test_every_cited_quote_is_highlighted_on_its_page_exactly_or_marked_approximate(
    pdf_citations: tuple[Path, list[object]],
) -> None:
    path, citations = pdf_citations
    assert len(citations) >= 8
    exact = 0
    for c in citations:
        highlights = locate_quote(path, c.pages, c.quote)  # type: ignore[attr-defined]
        assert [h.page for h in highlights] == list(c.pages)  # type: ignore[attr-defined]
        if all(h.exact for h in highlights):
            exact += 1
            for h in highlights:
                inside = "".join(fold(text_in_box(path, h.page, _core(b))) for b in h.boxes)
                matched = sum(
                    m.size for m in difflib.SequenceMatcher(None, h.part, inside, autojunk=False).get_matching_blocks()
                )
                assert matched >= 0.95 * len(h.part), (c, inside)  # the boxes cover the quote
                assert matched >= 0.9 * len(inside), (c, inside)  # and little else
        else:
            words = {w for w in fold_words(c.quote) if len(w) >= 4}  # type: ignore[attr-defined]
            for h in highlights:
                for b in h.boxes:
                    assert words & set(fold_words(text_in_box(path, h.page, b))), (c, b)
    assert exact / len(citations) >= 0.98, f"{exact} of {len(citations)} exact"


def fold_words(text: str) -> list[str]:
    import re
    import unicodedata

    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())

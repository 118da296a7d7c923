"""Property tests: cleaning and chunking never crash on arbitrary text, spans always slice back,
and no text is lost between chunks. Example counts stay modest (the test machine has 2 cores)."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunk import MAX_WORD_PIECES, chunk_document
from ingest.clean import clean_pages, is_heading
from ingest.document import Document, DocumentMeta, Page
from ingest.errors import IngestError
from ingest.load import document_from_bytes
from ingest.sentences import count_word_pieces, split_sentences

# Fragments that exercise the rules: abbreviations, markers, bullets, hyphens, ligatures, residue.
PIECES = [
    "Dr. ", "Dr ", "e.g. ", "i.e. ", "No. 5 ", "3.5 ", "J. R. Smith ", "1. ", "12. ", "• ", " • ", "migra-\n",
    "tion ", "cross-border ", "\ufb01nal ", "Reading time:\n", "A photo of the team\n", "Background\n\n",
    "Looking ahead\n", "\n\n", "\n", "  ", "the health of refugees ", "Migrants. ", "“Quoted.” ", "word ",
    "\u00ad", "\f", "\t", "é", "中文", "x" * 150, ". ", "? ", "!", "…", "(a) ", "iv. ",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60).map("".join)
# FUZZ_EXAMPLES=2000 for a deeper run by hand; the default keeps the unit suite quick.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _document(pages: list[str], paginated: bool) -> Document:
    cleaned = clean_pages(pages, paginated=paginated)
    doc_pages = tuple(
        Page(number=i + 1, label=f"p{i + 1}", start=s, end=e) for i, (s, e) in enumerate(cleaned.page_spans)
    )
    sha = hashlib.sha256("\f".join(pages).encode("utf-8", "surrogatepass")).hexdigest()
    return Document("fuzz", "fuzz.txt", sha, DocumentMeta(title="Fuzz"), cleaned.text, doc_pages)


@FUZZ
@given(pages=st.lists(texts, min_size=1, max_size=4), paginated=st.booleans())
def test_cleaning_and_chunking_keep_every_invariant(pages: list[str], paginated: bool) -> None:
    doc = _document(pages, paginated)
    text = doc.text
    # Page spans: in order, contiguous, covering the whole text.
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(text)
    assert all(a.end == b.start and a.start <= a.end for a, b in zip(doc.pages, doc.pages[1:], strict=False))

    chunks = chunk_document(doc)
    covered = bytearray(len(text))
    for c in chunks:
        assert c.text == text[c.start : c.end] and c.text.strip() == c.text and c.text
        assert 1 <= c.page_start <= c.page_end <= len(doc.pages)
        assert len(c.page_labels) == c.page_end - c.page_start + 1
        # page i + 1 of the chunk starts at its i-th break (doc.pages is 0-based, page numbers 1-based)
        assert [c.start + b for b in c.page_breaks] == [doc.pages[n - 1].start for n in c.pages[1:]]
        assert all(0 <= s < e <= len(c.text) for s, e in c.sentences)
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    assert all(n <= MAX_WORD_PIECES for n in count_word_pieces([c.text for c in chunks]))

    # No text lost: every non-whitespace character outside heading lines lies inside some chunk.
    offset = 0
    for line in text.split("\n"):
        if not is_heading(line):
            for i, ch in enumerate(line):
                assert ch.isspace() or covered[offset + i], (line, ch)
        offset += len(line) + 1


@FUZZ
@given(text=texts)
def test_sentence_spans_are_ordered_trimmed_and_cover_all_text(text: str) -> None:
    spans = split_sentences(text)
    assert all(s < e for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    inside = bytearray(len(text))
    for s, e in spans:
        inside[s:e] = b"\x01" * (e - s)
    assert all(ch.isspace() or inside[i] for i, ch in enumerate(text))


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, database=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_unicode_never_crashes_cleaning_or_chunking(text: str) -> None:
    doc = _document([text], paginated=False)
    for c in chunk_document(doc):
        assert c.text == doc.text[c.start : c.end]


MARKUP = ["<p>", "</p>", "<nav>", "</nav>", "<script>", "</script>", "<!--", "-->", "<!doctype html>", "<li>",
          "<br/>", "<div role='navigation'>", "</div>", "&amp;", "&#0;", "<![CDATA[", "]]>", "<?xml?>", "# ", "**",
          "[a](", ")", "![", "```", "- ", "> ", "`", "<", ">"]  # fmt: skip
markup_texts = st.lists(st.one_of(st.sampled_from(MARKUP), st.sampled_from(PIECES), st.text(max_size=8)), max_size=40)


@FUZZ
@given(parts=markup_texts, suffix=st.sampled_from([".html", ".md", ".txt"]))
def test_markup_loading_never_crashes(tmp_path_factory: pytest.TempPathFactory, parts: list[str], suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"page{suffix}"
    try:
        doc = document_from_bytes(path, "".join(parts).encode("utf-8", "surrogatepass"))
    except IngestError:
        return  # refusing (no text, binary-looking) is a valid outcome; crashing is not
    for c in chunk_document(doc):
        assert c.text == doc.text[c.start : c.end]

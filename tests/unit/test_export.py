"""Rendering answers: the --json shape, text, markdown, CSV and BibTeX for pasting into a brief."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.answer_types import Answer
from assistant.compose import extractive_answer, refusal
from assistant.errors import AnswerError
from assistant.export import HIT_CSV_COLUMNS, answer_to_dict, hits_csv, hits_markdown, render
from assistant.text import page_text
from ingest.document import DocumentMeta
from tests.answer_helpers import make_chunk, make_document, make_hit, text_hit

DOC = make_document(
    "tag-2025",
    ["The chair, Munir Merali, said: costs rose 5% & more. Another fact is here."],
    title="TAG {launch} news",
)
META = {
    "tag-2025": DocumentMeta(
        title="TAG {launch} news",
        publisher="WHO, Geneva",
        date="2025-11-25",
        kind="news item",
        url="https://example.org/tag",
    )
}


def answer() -> Answer:
    hit = make_hit(make_chunk(DOC, 0, len(DOC.text)), (0.9, 0.85))
    return extractive_answer("Who chairs the group?", [hit])


def test_json_has_the_documented_keys_and_carries_the_batch_id() -> None:
    a = answer()
    out = json.loads(json.dumps(answer_to_dict(a, id="q7")))
    assert list(out)[:6] == ["id", "question", "answer", "refused", "citations", "related"]
    assert out["id"] == "q7" and out["refused"] is False
    assert set(out["citations"][0]) == {"n", "chunk_id", "doc_id", "title", "pages", "page_labels", "quote"}
    # a related passage has the one JSON form of a hit, the same as `mhqa search --json`
    assert set(out["related"][0]) == {
        "chunk_id",
        "doc_id",
        "title",
        "pages",
        "page_labels",
        "score",
        "text",
        "best_sentence",
    }
    assert out["citations"][0]["quote"] in DOC.text


def test_text_lists_numbered_sources_with_page_and_quote() -> None:
    text = render(answer(), "text")
    assert "Sources:\n[1] TAG {launch} news, p. 1\n" in text
    assert "\u201cThe chair, Munir Merali, said: costs rose 5% & more.\u201d" in text


def test_a_quote_that_opens_a_quotation_is_not_wrapped_in_a_second_pair_of_quotes() -> None:
    doc = make_document("tag-2025", ["\u201cOur commitment is to equity for all people,\u201d Dr Severoni said."])
    hit = make_hit(make_chunk(doc, 0, len(doc.text)), (0.9,))
    text = render(extractive_answer("What is the commitment?", [hit]), "text")
    assert "    \u201cOur commitment is to equity for all people,\u201d Dr Severoni said.\n" in text
    assert "\u201c\u201c" not in text


def test_refusal_text_shows_related_passages_instead_of_sources() -> None:
    hit = make_hit(make_chunk(DOC, 0, len(DOC.text)), (0.1, 0.1))
    text = render(refusal("Who won the cup?", [hit]), "text")
    assert text.startswith("The indexed documents do not answer this.") and "Related passages:" in text
    assert "Sources:" not in text


def test_markdown_escapes_formatting_and_names_publisher_and_year() -> None:
    md = render(answer(), "markdown", META)
    assert "**Sources**" in md and "(WHO, Geneva, 2025)" in md
    assert "\\[1\\]" in md  # markers stay literal text, not link syntax


def test_csv_has_one_row_per_citation_and_survives_commas_and_quotes() -> None:
    rows = list(csv.DictReader(io.StringIO(render(answer(), "csv", META))))
    assert len(rows) == len(answer().citations) >= 1
    assert rows[0]["quote"] == "The chair, Munir Merali, said: costs rose 5% & more."
    assert rows[0]["year"] == "2025" and rows[0]["url"] == "https://example.org/tag"


def test_bibtex_has_one_escaped_entry_per_cited_document_with_pages() -> None:
    bib = render(answer(), "bibtex", META)
    assert bib.count("@misc{tag-2025,") == 1 and "@book" not in bib
    assert "organization = {WHO, Geneva}" in bib and "year = {2025}" in bib
    assert "note = {Cited p. 1}" in bib and "url = {https://example.org/tag}" in bib
    assert "title = {{TAG launch news}}" in bib  # braces from the title cannot unbalance the entry
    assert bib.count("{") == bib.count("}")
    book = render(
        answer(),
        "bibtex",
        {"tag-2025": DocumentMeta(title="Health diplomacy", kind="book", publisher="WHO Europe", date="2019")},
    )
    assert book.startswith("@book{tag-2025,") and "publisher = {WHO Europe}" in book


def test_page_text_shows_the_physical_page_when_the_label_differs() -> None:
    assert page_text((6,), ("iv",)) == "p. iv (PDF page 6)"
    assert page_text((3, 4), ("3", "4")) == "pp. 3–4"


def test_unknown_format_is_an_answer_error() -> None:
    with pytest.raises(AnswerError, match="unknown format"):
        render(answer(), "docx")


def test_hits_export_as_csv_and_markdown_keeps_every_result() -> None:
    import csv
    import io

    hits = [text_hit("=HYPERLINK(1) first. Second.", (0, 19), doc_id="a"), text_hit("Other *text*.", (0, 13))]
    rows = list(csv.reader(io.StringIO(hits_csv(hits, {"a": "2019"}))))
    assert rows[0] == list(HIT_CSV_COLUMNS) and len(rows) == 3
    assert rows[1][8].startswith("'=HYPERLINK")  # a formula from a document never runs in a spreadsheet
    assert rows[1][3] == "2019"
    md = hits_markdown("q", hits)
    assert md.count("\n1. ") == 1 and "\n2. " in md and "\\*text\\*" in md

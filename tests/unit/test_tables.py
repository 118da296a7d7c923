"""Tables: found from the caption and the rows of the extracted text, chunked by whole rows with the
caption and column headers repeated in what is embedded and searched."""

from __future__ import annotations

from pathlib import Path

from index.backends import bm25_text
from index.build import embed_text, embed_text_spans
from ingest.document import chunk_from_json, chunk_to_json
from ingest.pipeline import ingest_one
from ingest.tables import TableLines, split_tables
from tests.pdf_fixtures import TABLE_CAPTION, TABLE_HEADER, TABLE_ROWS, write_table_pdf

DOSES = "\n".join(
    (
        "Children over 10 kg are dosed with dispersible tablets as outlined in Table 3.",
        "Table 3. Tafenoquine dose recommendations",
        "Body weight (kg) Total dose Number of tablets",
        "> 10 to ≤ 20 100 mg Two 50 mg dispersible tablets",
        "> 20 to ≤ 35 200 mg Four 50 mg dispersible tablets",
        "> 35 300 mg Two 150 mg tablets",
        "Note that tafenoquine is not recommended for pregnant or breastfeeding women at any dose.",
    )
)


def test_a_caption_header_and_rows_of_figures_are_a_table_between_prose() -> None:
    before, table, after = split_tables(DOSES)
    assert isinstance(table, TableLines)
    assert table.caption == "Table 3. Tafenoquine dose recommendations"
    assert table.header == "Body weight (kg) Total dose Number of tablets"
    assert table.rows == tuple(DOSES.split("\n")[3:6])
    assert before == DOSES.split("\n")[0] and str(after).startswith("Note that")


def test_a_caption_that_continues_a_sentence_is_prose() -> None:
    text = "It is dosed as below in\nTable 4.5. It is available as a tablet of 500 mg\n10 mg\n20 mg"
    assert split_tables(text) == [text]


def test_a_sentence_naming_a_table_is_not_a_caption() -> None:
    text = "Summary.\nTable A5.3 summarizes the aspects to consider\n5 mg\n10 mg"
    assert split_tables(text) == [text]


def test_a_table_read_cell_by_cell_without_figures_stays_prose() -> None:
    # Wrapped cells come out of pypdf one fragment per line: no rows to keep whole.
    text = "Done.\nTable 1. Core components\nCore\ncomponent\nRecommendation or good\npractice statement\nKey remarks"
    assert split_tables(text) == [text]


def test_rows_at_the_top_of_a_page_continue_the_table_of_the_previous_page() -> None:
    first, *rest = split_tables("19 19.00 9.50\n20 20.00 10.00\n\nThe doses above are rounded.", after_table=True)
    assert first == TableLines("", "", ("19 19.00 9.50", "20 20.00 10.00"))
    assert first.continued
    assert split_tables("19 19.00 9.50\n20 20.00 10.00") == ["19 19.00 9.50\n20 20.00 10.00"]


def test_a_pdf_table_becomes_chunks_of_whole_rows_with_caption_and_header_repeated(tmp_path: Path) -> None:
    doc, chunks = ingest_one(write_table_pdf(tmp_path / "dosing.pdf"), 50_000_000)
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert [doc.text[s:e] for s, e in table.rows] == list(TABLE_ROWS)
    table_chunks = [c for c in chunks if table.start <= c.start < table.end]
    assert len(table_chunks) >= 2, "the fixture's table is meant to need more than one chunk"
    # Every row is one whole sentence of exactly one chunk, verbatim from the document text.
    rows = [c.text[s:e] for c in table_chunks for s, e in c.sentences if c.text[s:e] in TABLE_ROWS]
    assert rows == list(TABLE_ROWS)
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)
    # The first chunk holds the caption and header; the others carry them as context.
    first, *others = table_chunks
    assert all(c.heading == TABLE_CAPTION for c in table_chunks)  # not the "Dosing" heading above it
    assert first.text.startswith(f"{TABLE_CAPTION}\n{TABLE_HEADER}\n") and not first.context
    for chunk in others:
        assert chunk.context == f"{TABLE_CAPTION}\n{TABLE_HEADER}"
        assert TABLE_CAPTION not in chunk.text
        assert embed_text(chunk).count(TABLE_CAPTION) == bm25_text(chunk).count(TABLE_CAPTION) == 1
        assert chunk_from_json(chunk_to_json(chunk)) == chunk
    # The prose before and after the table is chunked apart from it.
    assert chunks[0].text.startswith("Primaquine is given by body weight") and chunks[0].end < table.start
    assert chunks[-1].text.startswith("The daily dose is taken with food") and chunks[-1].start > table.end


def test_a_table_row_is_cited_to_its_page(tmp_path: Path) -> None:
    _doc, chunks = ingest_one(write_table_pdf(tmp_path / "dosing.pdf"), 50_000_000)
    row = TABLE_ROWS[-1]
    chunk = next(c for c in chunks if row in c.text)
    start = chunk.text.index(row)
    assert chunk.pages_of(start, start + len(row)) == ((1,), ("1",))


def test_a_table_rows_sentence_spans_point_at_the_row_after_caption_and_header(tmp_path: Path) -> None:
    # pooled sentence vectors read each sentence's span in what is embedded (the caption comes first)
    _doc, chunks = ingest_one(write_table_pdf(tmp_path / "dosing.pdf"), 50_000_000)
    continued = [c for c in chunks if c.context]
    assert continued
    for chunk in continued:
        text, spans = embed_text_spans(chunk)
        assert text == embed_text(chunk) and text.count(TABLE_CAPTION) == 1
        assert [text[s:e] for s, e in spans] == [chunk.search_text(s, e) for s, e in chunk.sentences]

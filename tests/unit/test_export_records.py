"""RIS and CSL-JSON exports: one record per cited passage, read back by a real CSL processor."""

from __future__ import annotations

import json

from assistant.answer_types import Answer, Citation
from assistant.export import answer_passages, render, render_ris
from ingest.document import DocumentMeta

BOOK = DocumentMeta(
    title="Health diplomacy: spotlight on refugees and migrants",
    publisher="WHO Regional Office for Europe",
    date="2019",
    kind="book",
    isbn="9789289054331",
)
ANSWER = Answer(
    question="Why does health diplomacy matter?",
    text="It matters [1]. Also this [2].",
    refused=False,
    citations=(
        Citation(1, "c1", "book", BOOK.title, (14,), ("12",), "Health diplomacy brings\nactors together."),
        Citation(2, "c2", "book", BOOK.title, (20, 21), ("18", "19"), "A quote over a page break."),
    ),
    related=(),
)


def test_csljson_has_one_item_per_passage_with_page_locator_and_quote() -> None:
    items = json.loads(render(ANSWER, "csljson", {"book": BOOK}))
    assert len(items) == 2
    first = items[0]
    assert first["type"] == "book" and first["title"] == BOOK.title
    assert first["publisher"] == BOOK.publisher and first["issued"] == {"date-parts": [[2019]]}
    assert first["ISBN"] == "9789289054331" and first["page"] == "12"
    assert first["note"] == "\u201cHealth diplomacy brings actors together.\u201d"
    assert items[1]["page"] == "18-19"


def test_csljson_imports_into_citeproc_and_formats_the_reference() -> None:
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, Locator, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(render(ANSWER, "csljson", {"book": BOOK}))
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    citation = CslCitation([CitationItem(items[0]["id"], locator=Locator("page", items[0]["page"]))])
    bibliography.register(citation)
    cited = "".join(str(part) for part in bibliography.cite(citation, lambda item: None))
    reference = str(bibliography.bibliography()[0])
    assert cited == "(Health diplomacy: spotlight on refugees and migrants, 2019, p. 12)"
    assert reference.startswith("Health diplomacy: spotlight on refugees and migrants (2019)")
    assert "WHO Regional Office for Europe" in reference


def test_ris_record_per_passage_with_pages_isbn_and_note() -> None:
    text = render_ris(answer_passages(ANSWER), {"book": BOOK})
    records = [r for r in text.split("ER  -") if r.strip()]
    assert len(records) == 2
    lines = text.splitlines()
    assert lines[0] == "TY  - BOOK"
    assert f"TI  - {BOOK.title}" in lines and "PB  - WHO Regional Office for Europe" in lines
    assert "PY  - 2019" in lines and "SN  - 9789289054331" in lines and "SP  - 12" in lines
    assert "SP  - 18" in lines and "EP  - 19" in lines
    assert "N1  - \u201cHealth diplomacy brings actors together.\u201d" in lines
    assert all(line[:2].isalnum() and (line[2:6] == "  - " or line == "ER  -") for line in lines if line)


def test_records_without_metadata_fall_back_to_the_title() -> None:
    items = json.loads(render(ANSWER, "csljson", {}))
    assert items[0]["type"] == "report" and items[0]["title"] == BOOK.title and "publisher" not in items[0]

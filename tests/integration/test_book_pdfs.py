"""The four real WHO PDFs of ../shared/corpora at book scale, through `ingest` only (no model).

No chunk may hold a dot-leader contents line, a running title or a glued word of 30+ letters; printed
pages come from the pages; the labelled questions' evidence lies in body text on its printed page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evaluation.evaluate import evidence_labels, load_questions
from ingest.chunk import MIN_CHUNK_WORDS
from ingest.document import Chunk
from ingest.pipeline import ingest_paths
from ingest.sections import BODY, CONTRIBUTORS, IMPRINT

ROOT = Path(__file__).resolve().parents[2]
WHO = ROOT.parent / "shared" / "corpora" / "who"
QUESTION_SETS = (ROOT / "eval" / "pdfs-dev.jsonl", ROOT / "eval" / "pdfs-heldout.jsonl")
RUNNING_TITLES = {
    "who-arboviral-clinical-management-2025": (
        "WHO guidelines for clinical management of arboviral diseases: dengue, chikungunya, Zika and yellow fever"
    ),
    "who-ipc-core-components-2016": (
        "Guidelines on Core Components of Infection Prevention and Control Programmes at the National"
    ),
    "who-malaria-vivax-field-guide-2026": "Malaria case management Plasmodium vivax malaria: a field guide",
}
# Printed pages of a few sheets, read off the PDFs (the arboviral guidelines have no /PageLabels).
FOLIOS = {
    "who-arboviral-clinical-management-2025": {5: "i", 13: "ix", 15: "1", 20: "6", 125: "111"},
    "who-malaria-vivax-field-guide-2026": {1: "A", 3: "i", 13: "1"},
    "who-rabies-routine-data-2025": {3: "i", 9: "1"},
    "who-ipc-core-components-2016": {10: "10", 91: "91"},
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not WHO.is_dir(), reason=f"the shared WHO PDFs are not at {WHO}"),
]


@pytest.fixture(scope="module")
def ingested() -> Any:
    result = ingest_paths([WHO], 100 << 20)
    assert not result.skipped
    return result


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def test_every_document_is_read(ingested: Any) -> None:
    assert {d.doc_id for d in ingested.documents} == set(FOLIOS)


def test_no_chunk_holds_a_dot_leader_or_a_glued_word(ingested: Any) -> None:
    leaders = [c.chunk_id for c in ingested.chunks if re.search(r"(?:\.\s?){5,}", c.text)]
    glued = [w for c in ingested.chunks for w in re.findall(r"[^\W\d_]{30,}", c.text)]
    assert leaders == [] and glued == []


def test_a_fragment_is_not_a_chunk_of_its_own(ingested: Any) -> None:
    # pypdf gives these lines of the IPC guideline alone between headings, numbered paragraphs or
    # reference entries; alone they come up for any vague foreign question.
    fragments = ("ANNEX I.", "ANNEX II.", "ANNEX IV.", "[Epub ahead of print].")
    texts = {c.text for c in ingested.chunks}
    assert not {*fragments, "60."} & texts
    assert all(any(f in c.text for c in ingested.chunks) for f in fragments), "joined, not lost"
    short = [c.text for c in ingested.chunks if c.section == BODY and len(c.text.split()) < MIN_CHUNK_WORDS]
    assert len(short) <= 5, short  # the few left have no prose beside them on their page


def _on_cover_or_imprint(chunk: Chunk) -> bool:
    return chunk.page_start == 1 or chunk.section == IMPRINT


def test_no_chunk_holds_a_running_title(ingested: Any) -> None:
    found = [
        (c.doc_id, c.page_labels)
        for c in ingested.chunks
        if c.doc_id in RUNNING_TITLES
        and not _on_cover_or_imprint(c)
        and _flat(RUNNING_TITLES[c.doc_id]) in _flat(c.text)
    ]
    assert found == []


def test_printed_pages_are_read_from_the_pages(ingested: Any) -> None:
    for doc in ingested.documents:
        labels = {p.number: p.label for p in doc.pages}
        assert {sheet: labels[sheet] for sheet in FOLIOS[doc.doc_id]} == FOLIOS[doc.doc_id], doc.doc_id


def test_contents_imprint_and_references_are_labelled(ingested: Any) -> None:
    for doc in ingested.documents:
        sections = {c.section for c in ingested.chunks if c.doc_id == doc.doc_id}
        assert {"contents", "imprint", "references", BODY} <= sections, doc.doc_id


def test_every_guideline_has_its_contributor_lists_labelled_and_they_are_a_few_pages_not_the_body(
    ingested: Any,
) -> None:
    for doc in ingested.documents:
        chunks = [c for c in ingested.chunks if c.doc_id == doc.doc_id]
        listed = [c for c in chunks if c.section == CONTRIBUTORS]
        assert listed, doc.doc_id  # each names its drafters, group members or reviewers with affiliations
        assert len(listed) * 20 <= len(chunks), (doc.doc_id, [c.text[:60] for c in listed])
        assert {c.page_start for c in listed} <= {p.number for p in doc.pages[: len(doc.pages) // 4]}, doc.doc_id


def test_the_evidence_of_every_labelled_question_is_body_text_on_its_printed_page(ingested: Any) -> None:
    wrong = []
    for path in QUESTION_SETS:
        for q in load_questions(path):
            if not q.answerable:
                continue
            holding = [c for c in ingested.chunks if c.doc_id == q.doc_id and _flat(q.evidence) in _flat(c.text)]
            body = [c for c in holding if c.section == BODY]
            labels = evidence_labels(body[0], q.evidence) if body else None
            if not labels or not set(labels) <= set(q.printed_pages):
                wrong.append((q.id, [c.section for c in holding], labels))
    assert wrong == []


def test_the_questions_are_paraphrased_not_copied() -> None:
    for path in QUESTION_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            words = _flat(row.get("evidence", "")).split()
            runs = {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}
            assert not any(run in _flat(row["q"]) for run in runs), row["id"]


# Rows of dosing tables, each a line of the PDF's table, with the caption and printed page they sit on.
TABLE_ROWS = (
    (
        "who-malaria-vivax-field-guide-2026",
        "Table 3. Tafenoquine dose recommendations",
        "> 10 to ≤ 20 100 mg Two 50 mg dispersible tablets",
        "21",
    ),
    (
        "who-arboviral-clinical-management-2025",
        "Table 4-2. Dosing of Paracetamol (acetaminophen) for treatment",
        "Paediatrics 10-15mg/kg every 4-6 hours (maximum daily dose: 60 mg/kg)",
        "30",
    ),
    (
        "who-arboviral-clinical-management-2025",
        "Table 4-3. Dosing of Paracetamol",
        "<10 ml/min 500 mg every 8 hours",
        "31",
    ),
    ("who-malaria-vivax-field-guide-2026", "Table A5.2. Primaquine target doses", "20 20.00 10.00 15.00", "54"),
)


@pytest.mark.parametrize(("doc_id", "caption", "row", "page"), TABLE_ROWS, ids=[r[2][:24] for r in TABLE_ROWS])
def test_a_table_row_is_a_whole_sentence_of_a_chunk_that_embeds_its_caption(
    ingested: Any, doc_id: str, caption: str, row: str, page: str
) -> None:
    from index.build import embed_text

    holding = [c for c in ingested.chunks if c.doc_id == doc_id and any(c.text[s:e] == row for s, e in c.sentences)]
    assert len(holding) == 1, f"{row!r} is not one whole sentence of exactly one chunk"
    chunk = holding[0]
    start = chunk.text.index(row)
    assert chunk.pages_of(start, start + len(row))[1] == (page,)
    assert chunk.section == BODY
    assert embed_text(chunk).count(caption) == 1

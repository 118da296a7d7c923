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
from ingest.document import Chunk
from ingest.pipeline import ingest_paths
from ingest.sections import BODY, IMPRINT

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

"""Acronyms a document defines are spelled out for search; quotes stay verbatim."""

from __future__ import annotations

import json

import pytest

from ingest.acronyms import acronyms_used, defined_acronyms, expand_acronyms, expand_acronyms_mapped
from ingest.chunk import chunk_document
from ingest.document import chunk_from_json, chunk_to_json
from ingest.load import load_document
from tests.conftest import CORPUS_DIR

TAG = CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt"


def test_the_announcement_defines_tag_and_who() -> None:
    text = TAG.read_text(encoding="utf-8")
    assert defined_acronyms(text) == {"WHO": "World Health Organization", "TAG": "Technical Advisory Group"}


@pytest.mark.parametrize(
    ("text", "short", "long"),
    [
        ("the International Organization for Migration (IOM) said", "IOM", "International Organization for Migration"),
        ("achieving the Sustainable Development Goals (SDGs).", "SDGs", "Sustainable Development Goals"),
        ("with non-governmental organizations (NGOs) and", "NGOs", "non-governmental organizations"),
        (
            "United Nations High Commissioner for Refugees (UNHCR)",
            "UNHCR",
            "United Nations High Commissioner for Refugees",
        ),
        ("towards universal health coverage (UHC)", "UHC", "universal health coverage"),
        ("the Technical Advisory\nGroup (TAG) met", "TAG", "Technical Advisory Group"),  # a PDF line break
    ],
)
def test_long_forms_are_the_words_that_spell_the_capitals(text: str, short: str, long: str) -> None:
    assert defined_acronyms(text) == {short: long}


@pytest.mark.parametrize(
    "text",
    [
        "the health of migrants (TAG) matters",  # the words do not spell it
        "as the report says, (TAG) is",  # punctuation before the parenthesis
        "Technical Advisory Group\n\n(TAG)",  # after a blank line: not part of the phrase
        "the WHO (WHO) said",  # spelled by itself
        "see the annex (A)",  # one capital is no acronym
    ],
)
def test_no_definition_is_guessed(text: str) -> None:
    assert defined_acronyms(text) == {}


def test_first_definition_wins() -> None:
    text = "Technical Advisory Group (TAG) ... Tuberculosis Action Group (TAG)"
    assert defined_acronyms(text) == {"TAG": "Technical Advisory Group"}


def test_expansion_leaves_definitions_and_longer_words_alone() -> None:
    acronyms = {"TAG": "Technical Advisory Group", "WHO": "World Health Organization"}
    text = "TAG Chair said the TAG’s (TAG) work helps WHOM and WHO."
    assert expand_acronyms(text, acronyms) == (
        "Technical Advisory Group (TAG) Chair said the Technical Advisory Group (TAG)’s (TAG) work helps "
        "WHOM and World Health Organization (WHO)."
    )
    assert acronyms_used("TAGS and (TAG) and WHO", acronyms) == (("WHO", "World Health Organization"),)
    assert expand_acronyms(text, {}) == text


def test_chunks_carry_the_acronyms_they_use_and_search_reads_them_spelled_out() -> None:
    doc = load_document(TAG, 50_000_000)
    chunks = chunk_document(doc)
    chair = next(c for c in chunks if "TAG Chair Munir Merali" in c.text)
    assert ("TAG", "Technical Advisory Group") in chair.acronyms
    assert "Technical Advisory Group (TAG) Chair Munir Merali" in chair.search_text()
    assert "TAG Chair Munir Merali" in chair.text == doc.text[chair.start : chair.end]  # quotes stay verbatim
    start = chair.text.index("TAG Chair")
    assert chair.search_text(start, start + 9) == "Technical Advisory Group (TAG) Chair"
    assert all(short in c.text for c in chunks for short, _ in c.acronyms)
    assert chunk_from_json(json.loads(json.dumps(chunk_to_json(chair)))) == chair


def test_the_offset_map_finds_each_sentence_in_the_expanded_text() -> None:
    acronyms = {"TAG": "Technical Advisory Group", "WHO": "World Health Organization"}
    text = "TAG Chair Munir Merali spoke. The WHO TAG met (TAG) twice. Nothing here. WHO"
    expanded, where = expand_acronyms_mapped(text, acronyms)
    assert expanded == expand_acronyms(text, acronyms)
    for start, end in [(0, 29), (30, 58), (59, 72), (73, 76), (0, len(text))]:
        assert expanded[where(start) : where(end)] == expand_acronyms(text[start:end], acronyms)


def test_without_acronyms_the_offsets_stay() -> None:
    expanded, where = expand_acronyms_mapped("No short forms.", {})
    assert expanded == "No short forms." and where(9) == 9

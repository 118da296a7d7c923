"""Sentence spans: split at real sentence ends only, and cover every non-whitespace character."""

from __future__ import annotations

import pytest

from ingest.sentences import count_word_pieces, split_sentences


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_splits_at_sentence_ends() -> None:
    assert _texts("Migration matters. Health is a right! Is it? Yes.") == [
        "Migration matters.",
        "Health is a right!",
        "Is it?",
        "Yes.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Opening the event, Dr. Tedros spoke first.",
        "Dr Tedros spoke first.",
        "Some groups, e.g. Refugees and migrants, need care.",
        "Some groups, i.e. Those on the move, need care.",
        "See resolution No. 5 of the committee.",
        "Costs rose by 3.5 percent in 2019.",
        "The report by J. R. Smith was published.",
        "It was agreed in the U.S. Congress last year.",
    ],
)
def test_does_not_split_after_abbreviations_initials_or_decimals(text: str) -> None:
    assert _texts(text) == [text]


def test_numbered_paragraph_marker_stays_with_its_sentence() -> None:
    assert _texts("1. Migration is a high priority. It grows.") == ["1. Migration is a high priority.", "It grows."]


def test_splits_after_a_year_that_ends_a_sentence() -> None:
    assert _texts("There will be 200 million migrants by 2050. Human mobility is relevant.") == [
        "There will be 200 million migrants by 2050.",
        "Human mobility is relevant.",
    ]


def test_splits_before_an_opening_quote() -> None:
    assert _texts("Dr Tedros said in a video message. “The TAG will help.”") == [
        "Dr Tedros said in a video message.",
        "“The TAG will help.”",
    ]


def test_a_line_break_ends_a_sentence() -> None:
    assert _texts("Looking ahead\nThe TAG met.\n• participants will learn") == [
        "Looking ahead",
        "The TAG met.",
        "• participants will learn",
    ]


def test_spans_are_trimmed_and_cover_all_non_whitespace() -> None:
    text = "  One. Two three.  \n\n  Four?  "
    spans = split_sentences(text)
    assert all(text[s:e] == text[s:e].strip() and e > s for s, e in spans)
    covered = "".join(text[s:e] for s, e in spans)
    assert covered.replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


def test_word_pieces_are_counted_with_the_models_tokenizer_without_truncation() -> None:
    short, long = count_word_pieces(["migration", " ".join(["health"] * 500)])
    assert short == 1
    assert long == 500

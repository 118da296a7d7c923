"""The reader's re-ordering of candidate sentences: signals, cognates and the combined order."""

from __future__ import annotations

from assistant.compose import read_hits
from assistant.ranking import Signals, cognate_stems, combined, fold, question_terms, share
from assistant.reading import analyse, focus_words
from tests.answer_helpers import make_chunk, make_document, make_hit


def test_cognates_match_a_foreign_word_to_the_english_word_with_the_same_first_letters() -> None:
    assert fold("Priorités") == "priorites"
    passage = ["african", "priorities", "region", "health"]
    assert cognate_stems(["priorités", "africaine", "de", "la"], passage) == ["prioriti", "african"]
    assert cognate_stems(["santé"], passage) == []  # too short to be read as a cognate
    # a letter English doubles is single in French or Spanish
    assert cognate_stems(["sesión", "comisión"], ["session", "commission", "sessile"]) == ["session", "commiss"]


def test_a_foreign_question_is_matched_on_its_translated_words_and_cognates_an_english_one_on_its_own() -> None:
    passage = ["african", "priorities"]
    assert question_terms("Quelles sont les priorités africaines ?", False, passage, ["launch"]) == [
        "launch",
        "prioriti",
        "african",
    ]
    assert question_terms("What are the African priorities?", True, passage, []) == ["african", "prioriti"]


def test_the_share_of_question_words_weighs_each_by_its_rarity() -> None:
    weight = {"report": 2.0, "meet": 1.0}
    assert share(weight, {"report"}) == 2 / 3
    assert share({}, {"report"}) == 0.0


def test_signals_can_lift_a_sentence_over_one_that_scores_a_little_higher() -> None:
    plain, focused = Signals(), Signals(own=1.0, focus=1.0)
    weights = {"own": 0.05, "focus": 0.2}
    assert combined(0.80, 0.85, focused, weights) > combined(0.85, 0.85, plain, weights)
    assert combined(0.50, 0.85, focused, weights) < combined(0.85, 0.85, plain, weights)  # not one far below


def test_a_yes_no_question_has_no_focus_to_repeat() -> None:
    question = "Does the session present examples of what governments and NGOs do well on migrant health?"
    assert focus_words(question) == []
    assert analyse(question).focus == ()


REPORT = make_document(
    "tag",
    [
        "The group's first closed meeting took place in November, where members began shaping recommendations. "
        "A summary report with key recommendations will be published in the coming weeks."
    ],
)


def test_the_sentence_holding_the_question_words_goes_first_though_its_neighbour_scores_a_little_higher() -> None:
    hit = make_hit(make_chunk(REPORT, 0, len(REPORT.text)), (0.95, 0.84))
    reading = read_hits("When will the summary report be published?", [hit])
    assert reading.chosen[0].quote.startswith("A summary report")


LAUNCH = make_document(
    "tag",
    [
        "The first closed meeting took place on 25–26 November 2025 in the capital. "
        "WHO launched the advisory group on 25 November 2025 during a webinar."
    ],
)


def test_a_spanish_question_is_read_through_its_translated_verb() -> None:
    hit = make_hit(make_chunk(LAUNCH, 0, len(LAUNCH.text)), (0.82, 0.80))
    reading = read_hits("¿Cuándo se lanzó el grupo consultivo?", [hit])
    assert reading.chosen[0].quote.startswith("WHO launched")

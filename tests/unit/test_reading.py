"""The reader's pure functions: what a question asks, what a sentence states, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from assistant.compose import candidate_sentences, extractive_answer, read_hits
from assistant.reading import (
    NO_SHARED_WORD,
    analyse,
    answer_type,
    context_of,
    focus_words,
    judge,
    lowercase_vocabulary,
    names,
    of_what,
    question_parts,
    states_list,
    states_number,
    states_person,
    states_place,
    states_type,
)
from evaluation.reading_scores import answer_words, holds_fact, score_reading
from tests.answer_helpers import make_chunk, make_document, make_hit

VOCAB = lowercase_vocabulary(
    ["the group chair said the technical advisory group of the region met in the city; the briefing will start"]
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is the vice-chair of the Technical Advisory Group?", "person"),
        ("When was the group launched?", "date"),
        ("How many experts sit on the TAG?", "number"),
        ("In which city is the briefing held?", "place"),
        ("How long is the term of office of the members?", "duration"),
        ("How often does the group meet?", "frequency"),
        ("At what time does the briefing start?", "time"),
        ("Name the five pillars of global health diplomacy.", "list"),
        ("For which period will the advice shape WHO's priorities?", "period"),
        ("What will WHO publish?", "other"),  # the acronym WHO is not the wh-word "who"
        ("How is the health of refugees related to that of the people who receive them?", "other"),
        ("Qui préside le groupe consultatif technique ?", "person"),
        ("Combien de migrants sont attendus d'ici 2050 ?", "number"),
        ("Quelle est la durée du mandat des membres ?", "duration"),
        ("¿Cuándo se lanzó el grupo?", "date"),
        ("¿En qué ciudad se celebra la sesión informativa?", "place"),
        ("¿Cuántos expertos forman el grupo?", "number"),
        # a dose or a tablet's strength is a figure (the shared WHO PDFs' dosing questions)
        ("What paracetamol dose is recommended for a child with dengue?", "number"),
        ("In which tablet strengths does tafenoquine come?", "number"),
        ("Quelle dose de paracétamol pour un enfant ?", "number"),
        ("What is the role of the dose-finding group?", "other"),
        # an opening "which"/"what" asks for a thing whatever clause follows
        ("Which method helps managers work out how many health workers a facility needs?", "other"),
        ("Which respirator should nurses wear when caring for patients?", "other"),
        ("Which year was the group launched?", "date"),
    ],
)
def test_the_first_wh_word_gives_the_answer_type_in_english_french_and_spanish(question: str, kind: str) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("Who is the vice-chair of the Technical Advisory Group?", ["vice-chair"]),
        ("How long is the term of office of the advisory group's members?", ["term", "of", "office"]),
        ("What is the title of the TAG's summary report?", ["title"]),
        ("Name the five pillars of global health diplomacy.", ["five", "pillars"]),
        ("Which innovative policy is cited for the Americas?", ["innovative", "policy"]),
        ("In which city is the briefing held?", []),  # "city" is the answer type, not a word to repeat
        ("Who chairs the Technical Advisory Group?", []),  # a verb asks: no noun phrase
        ("What comes after the presentations?", []),
        ("What is pushing more people to move?", []),
        ("What distorts the way the public health side of migration is perceived?", []),  # a verb, its object
        ("What happens once the panel has finished?", []),
        # a theme or a level names the kind of answer, as "topic" and "area" do ("the city level")
        ("On which themes did members start drafting advice?", []),
        ("At what scale are good practices highlighted?", []),
        ("Qui est le vice-président du groupe ?", ["vice-président"]),
        # "sort of" names the kind of answer: what is asked is the noun after it, without its "of"
        ("What sort of advice did the chair say matters now?", ["advice"]),
        ("Quelle est la durée du mandat des membres ?", ["mandat"]),
        # a dose is a dose of something: the medicine is part of what is asked
        ("What is the maximum daily dose of ibuprofen for adults?", ["maximum", "daily", "dose", "of", "ibuprofen"]),
        ("What dose of injectable artesunate is given for severe malaria?", ["dose", "of", "artesunate"]),
    ],
)
def test_the_focus_is_the_noun_phrase_the_wh_word_governs(question: str, focus: list[str]) -> None:
    assert focus_words(question) == focus


def test_foreign_focus_words_are_read_as_english_stems_and_unknown_ones_are_not_checked() -> None:
    assert analyse("Qui est le vice-président du groupe ?").focus == ("vice",)
    assert analyse("Quelle est la durée du mandat des membres ?").focus == ("term",)
    assert analyse("¿Cuál es el lema del grupo?").focus == ()  # "lema" is not in the list


def test_a_dose_noun_names_the_medicine_and_is_not_itself_a_focus_word() -> None:
    asked = analyse("What single dose of tafenoquine should a child weighing 15 kg receive?")
    assert asked.focus == ("singl",) and asked.dosed == ("tafenoquin",)
    assert asked.focus_text == "single dose of tafenoquine"


def test_how_many_counts_the_noun_before_the_verb() -> None:
    assert analyse("How many core pillars does the briefing name?").count_noun == ("pillar",)
    assert analyse("How many experts sit on the TAG?").count_noun == ("expert",)


def test_names_are_capitalised_words_never_written_in_lower_case() -> None:
    text = "TAG Chair Munir Merali reinforced the Group's role in the Region."
    assert [text[s:e] for s, e in names(text, VOCAB)] == ["Munir Merali"]


def test_a_person_is_a_name_or_a_role_the_question_does_not_already_name() -> None:
    assert states_person("TAG Chair Munir Merali reinforced the group.", VOCAB)
    assert states_person("“A prescription should not expire,” emphasized Dr Lien Bruggeman.", VOCAB)
    assert states_person("The briefing will conclude with remarks by the president of the session.", VOCAB)
    assert not states_person(
        "The briefing will conclude with remarks by the president of the session.",
        VOCAB,
        frozenset({"who", "is", "the", "president"}),
    )
    assert not states_person(
        "South-East Asia Region: migration is intrinsic.", VOCAB, frozenset({"south-east", "asia", "region"})
    )
    assert not states_person("The group will provide technically rigorous guidance.", VOCAB)


def test_a_name_run_on_by_a_word_like_region_names_a_place_or_a_body_not_a_person() -> None:
    # a Spanish question names "Asia", never "South-East": the heading is still no speaker's name
    assert not states_person("South-East Asia Region: Migration is intrinsic to the region.", VOCAB)
    assert not states_person("Western Pacific Region: Large labour migration flows.", VOCAB)
    assert states_person("“Climate displacement is rewriting patterns,” said Professor Sivakami Muthusamy.", VOCAB)


def test_which_expert_or_speaker_asks_for_a_person_in_french_and_spanish_too() -> None:
    for question in (
        "¿Qué profesora habló en nombre de la región de Asia Sudoriental?",
        "Quel expert a parlé de la frontière ?",
        "Which speaker warned of climate displacement?",
    ):
        asked = analyse(question)
        assert (asked.answer_type, asked.focus) == ("person", ()), question


REGIONS = make_document(
    "tag",
    [
        "South-East Asia Region: Migration intrinsic to the region calls for harmonized data systems. "
        "“Climate displacement is rewriting migration patterns,” said Professor Sivakami Muthusamy. "
        "Western Pacific Region: Pacific island nations need a lifespan approach to care. "
        "“Pacific nations are on the frontline of climate change,” said Associate Professor Georgia Paxton."
    ],
)


def test_who_spoke_for_a_region_is_answered_by_the_speaker_beside_its_heading_not_a_higher_scored_one() -> None:
    hit = make_hit(make_chunk(REGIONS, 0, len(REGIONS.text)), (0.79, 0.75, 0.74, 0.77))
    reading = read_hits("¿Qué profesora habló en nombre de la región de Asia Sudoriental?", [hit])
    assert reading.chosen[0].quote.endswith("said Professor Sivakami Muthusamy.")


def test_a_place_is_a_name_after_in_at_from_or_to() -> None:
    assert states_place("The webinar was livestreamed from WHO headquarters in Geneva, Switzerland.", VOCAB)
    assert not states_place("Good practices at the global, regional and city level.", VOCAB)


def test_a_counted_thing_needs_a_figure_just_before_it() -> None:
    assert states_number("The TAG brings together 16 internationally recognized experts.", ("expert",))
    assert not states_number("The TAG brings together 16 regions and many experts.", ("expert",))
    assert states_number("There will be over 200 million migrants by 2050.", ())


def test_numbers_that_label_a_section_a_table_or_a_source_state_no_figure() -> None:
    for text in (
        "2.2 Severe P. vivax malaria Although it is rare, it can be severe.",
        "Manifestations include anaemia and shock (see further details in Section 3.1).",
        "Details can be found in Table 4-2 and Annex 3.",
        "Full details are in the WHO guidelines for malaria (2).",
        "This was shown before [12, 14].",
    ):
        assert not states_number(text, ()), text
    assert states_number("2.5 million people were displaced.", ())
    assert states_number("Give 15 mg/kg (maximum 1 g) as stated in Table 4-2.", ())


def test_a_question_for_a_percentage_needs_a_share_not_any_figure() -> None:
    asked = analyse("What percentage of the world's displaced people live in Africa?")
    assert asked.answer_type == "number" and asked.percent
    assert analyse("¿Qué porcentaje de los migrantes son mujeres?").percent
    assert not analyse("How many experts sit on the group?").percent
    assert not states_number("Members come from all six WHO regions.", (), percent=True)
    for text in ("Africa hosts 30% of them.", "Half of them are women.", "One in five is a child."):
        assert states_number(text, (), percent=True), text


MIGRANTS = make_document(
    "brief",
    [
        "It is estimated that there will be over 200 million migrants by 2050. "
        "Refugees face significant barriers to accessing health services."
    ],
)


def test_a_french_counted_noun_is_read_through_its_english_cognate() -> None:
    hit = make_hit(make_chunk(MIGRANTS, 0, len(MIGRANTS.text)), (0.85, 0.80))
    # "réfugiés" is not in the bilingual list: its cognate "refugees" is what a figure must come before
    assert read_hits("Combien de réfugiés vivent actuellement en Afrique ?", [hit]).chosen == ()
    assert read_hits("Combien de migrants y aura-t-il en 2050 ?", [hit]).chosen[0].quote.startswith("It is")


def test_a_foreign_question_sharing_no_word_with_a_passage_is_not_answered_by_its_figures() -> None:
    hit = make_hit(make_chunk(MIGRANTS, 0, len(MIGRANTS.text)), (0.85, 0.80))
    # any figure answers "combien" when the counted noun is unknown: only a shared word ties the two
    reading = read_hits("Combien de lignes compte le métro de Paris ?", [hit])
    assert reading.chosen == () and reading.reason == NO_SHARED_WORD
    assert read_hits("¿Cuántos migrantes habrá en 2050?", [hit]).chosen[0].quote.startswith("It is")


def test_what_the_asked_thing_is_of_is_read_after_of_and_an_acronym_is_left_to_the_passages() -> None:
    assert of_what("What is the incubation period of measles?") == ["measles"]
    assert of_what("What are the usual symptoms of a migraine?") == ["migraine"]
    assert of_what("What is the title of the TAG's summary report?") == ["summary", "report"]
    assert analyse("What is the name of the book launched at the briefing?").of_what == ("book", "launch")
    for question in ("How is the health of refugees related to ours?", "Who chairs the group?", "What is WHO?"):
        assert of_what(question) == [], question
    assert analyse("Quelle est la période d'incubation de la rougeole ?").of_what == ()  # English only


def test_a_passage_on_another_thing_of_the_same_kind_does_not_answer() -> None:
    doc = make_document("rabies", ["The incubation period for rabies is typically 2–3 months."])
    hit = make_hit(make_chunk(doc, 0, len(doc.text)), (0.85,))
    reading = read_hits("What is the incubation period of measles?", [hit])
    assert reading.chosen == () and reading.reason == "None of the passages found mentions measles."
    assert read_hits("What is the incubation period of rabies?", [hit]).chosen[0].quote.startswith("The incubation")


def test_a_surname_is_no_cognate_but_a_name_spelled_alike_is_a_shared_word() -> None:
    doc = make_document("tag", ["Reviewers were Blanca Escribano and Noha Iessa. Munir Merali chairs the group."])
    hit = make_hit(make_chunk(doc, 0, len(doc.text)), (0.85, 0.80))
    assert read_hits("¿Quién escribió Don Quijote de la Mancha?", [hit]).reason == NO_SHARED_WORD
    assert read_hits("¿Qué hace Munir Merali?", [hit]).reason != NO_SHARED_WORD


def test_a_list_is_an_enumeration_after_its_noun() -> None:
    assert states_list("Priorities include data systems, coverage and preparedness.", ("prioriti",))
    assert not states_list("The briefing will introduce the five pillars of global health diplomacy.", ("pillar",))


def test_duration_frequency_and_time_need_their_own_kind_of_figure() -> None:
    duration, frequency, time = (
        analyse("How long is it?"),
        analyse("How often do they meet?"),
        analyse("At what time does it start?"),
    )
    assert states_type(duration, "Members serve for two years.", VOCAB)
    assert not states_type(duration, "The meeting took place on 25–26 November 2025.", VOCAB)
    assert states_type(frequency, "The group meets twice a year.", VOCAB)
    assert states_type(time, "The session opens at 10:30.", VOCAB)
    assert not states_type(time, "The session opens in November.", VOCAB)


def test_the_chair_does_not_answer_a_question_about_the_vice_chair_and_the_verdict_says_why() -> None:
    asked = analyse("Who is the vice-chair of the Technical Advisory Group?")
    verdict = judge(asked, "TAG Chair Munir Merali reinforced the group's responsibility.", "", VOCAB)
    assert not verdict.answers and not verdict.focus_ok and "vice-chair" in verdict.reason
    chair = judge(analyse("Who chairs the group?"), "TAG Chair Munir Merali reinforced the group.", "", VOCAB)
    assert chair.answers


def test_a_two_part_question_is_read_as_two_questions() -> None:
    assert question_parts("What will be published after the meeting, and when?") == [
        "What will be published after the meeting?",
        "when?",
    ]
    assert question_parts("Who chairs the group and the board?") == ["Who chairs the group and the board?"]


TAG = make_document(
    "tag",
    [
        "The group was launched in Geneva on 25 November 2025. Its chair is Munir Merali, a public health expert. "
        "The members will advise on data and monitoring."
    ],
    title="TAG launch",
)


def test_a_question_the_passages_do_not_answer_is_refused_with_what_was_found_and_what_was_not() -> None:
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.5, 0.9, 0.4))
    answer = extractive_answer("Who is the vice-chair of the group?", [hit])
    assert answer.refused and not answer.citations
    assert "vice-chair" in answer.reason and "group" in answer.reason
    assert answer.related == (hit,)


def test_the_answer_starts_with_the_sentence_that_states_the_asked_kind_of_thing() -> None:
    # the chair sentence scores best, but only the launch sentence states a date
    hit = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.6, 0.95, 0.4))
    reading = read_hits("When was the group launched?", [hit])
    assert [c.quote for c in reading.chosen] == ["The group was launched in Geneva on 25 November 2025."]
    candidates = candidate_sentences("When was the group launched?", [hit])
    assert max(candidates, key=lambda c: c.score).quote.startswith("Its chair")


def test_a_sentence_of_a_document_far_below_the_best_does_not_answer() -> None:
    other = make_document("brief", ["The briefing will be held at the regional office in Copenhagen."])
    top = make_hit(make_chunk(TAG, 0, len(TAG.text)), (0.9, 0.5, 0.4))
    far = make_hit(make_chunk(other, 0, len(other.text)), (0.5,))
    answer = extractive_answer("Where was the group launched?", [top, far])
    assert [c.doc_id for c in answer.citations] == ["tag"]


@dataclass(frozen=True)
class _Q:
    id: str
    lang: str
    answerable: bool
    near_miss: bool = False
    key_facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _C:
    quote: str


@dataclass(frozen=True)
class _A:
    text: str
    refused: bool
    citations: tuple[_C, ...] = ()


def test_reading_scores_count_the_fact_first_precision_words_and_each_kind_of_refusal() -> None:
    pairs = [
        (
            _Q("a", "en", True, key_facts=("Merali",)),
            _A("Chair Merali spoke. [1] The group met. [2]", False, (_C("Chair Merali spoke."), _C("The group met."))),
        ),
        (
            _Q("b", "en", True, key_facts=("2050",)),
            _A("The group met. [1] By 2050. [2]", False, (_C("The group met."), _C("By 2050."))),
        ),
        (_Q("c", "en", True, key_facts=("x",)), _A("refused", True)),
        (_Q("d", "en", False, near_miss=True), _A("refused", True)),
        (_Q("e", "en", False, near_miss=True), _A("An answer. [1]", False, (_C("An answer."),))),
        (_Q("f", "en", False), _A("refused", True)),
    ]
    s = score_reading("en", pairs)
    assert s.first_sentence_fact == pytest.approx(1 / 3)  # a only: b's fact is second, c refused
    assert s.cited_precision == pytest.approx(2 / 4) and s.n_cited == 4
    assert s.median_words == 5.5  # 6 and 5 words
    assert s.near_miss_refused == 0.5 and s.off_domain_refused == 1.0
    assert s.false_refusal == pytest.approx(1 / 3)
    assert set(s.misses) == {"b", "c", "e"}


def test_fact_matching_ignores_case_whitespace_and_markers() -> None:
    assert holds_fact("over 200\nmillion migrants", ["200 Million"])
    assert answer_words("Munir Merali chairs it. [1] [2]") == 4


def test_a_table_rows_context_holds_its_caption_and_headers() -> None:
    # a row says "Paediatrics 10-15mg/kg"; what its figures are ("paracetamol", "dose") is in the caption
    doc = make_document("dosing", ["Children 10 mg/kg every 6 hours. Adults 1 g every 6 hours."])
    chunk = replace(make_chunk(doc, 0, len(doc.text)), context="Table 4-2. Dosing of paracetamol\nAge Dose")
    hit = make_hit(chunk, [0.5] * len(chunk.sentences))
    candidate = next(c for c in candidate_sentences("What dose for a child?", [hit]) if c.start == 0)
    assert context_of(candidate).startswith("Table 4-2. Dosing of paracetamol")
    assert "Adults 1 g" in context_of(candidate)


NEWS = make_document(
    "news",
    [
        "The first closed meeting took place on 25–26 November 2025 in the capital. "
        "A summary report with key recommendations will be published in the coming weeks."
    ],
)
AGENDA = make_document(
    "agenda",
    [
        "The briefing will start with a presentation on the definitions of health diplomacy. "
        "The briefing will conclude with closing remarks by the president of the session."
    ],
)


def test_a_spanish_question_bears_on_the_sentences_holding_its_translated_words_only() -> None:
    news = make_hit(make_chunk(NEWS, 0, len(NEWS.text)), (0.80, 0.79))
    agenda = make_hit(make_chunk(AGENDA, 0, len(AGENDA.text)), (0.77, 0.75))
    # "informe" is a report: the closing remarks of another document share nothing asked, so the
    # president they name does not answer who writes the report
    reading = read_hits("¿Quién redactará el informe resumido de la primera reunión?", [news, agenda])
    assert reading.chosen == ()
    assert read_hits("¿Quién pronuncia las palabras de clausura de la sesión?", [agenda]).chosen

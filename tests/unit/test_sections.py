"""Parts of a book recognised on each chunk: contents, imprint, contributors, references; body text otherwise."""

from __future__ import annotations

from ingest.clean import clean_pages
from ingest.furniture import collapse_leaders, strip_running_titles
from ingest.sections import is_contents, is_contributor_list, is_imprint, is_reference_entry, is_reference_list

CONTENTS_LINES = "1 Executive summary … 1 2 Introduction … 3 2.1 Background … 3 2.2 Dengue … 6"
UNDOTTED_CONTENTS = (
    "1. Background 1 1.1 Purpose, process, target audience and structure of the field guide 1 "
    "1.2 P. vivax life cycle 3 1.3 G6PD deficiency and clinical implications in malaria 5"
)
REFERENCES = "\n".join(
    [
        "1. Beutler E. G6PD deficiency. Blood. 1994;84:3613–6 (https://doi.org/10.1182/blood.V84.11.3613).",
        "2. Malaria case management: operations manual. Geneva: World Health Organization; 2009.",
        "3. Price DJ, Nekkab N, Monteiro WM et al. Tafenoquine following G6PD screening. PLoS One. 2022;17:e0267193.",
    ]
)
BODY = (
    "Tafenoquine is available as a 150 mg tablet and as a 50 mg dispersible tablet. Adults weighing more "
    "than 35 kg receive a single 300 mg dose on day 1 or day 2 of the course of chloroquine (2)."
)
IMPRINT = (
    "ISBN 978-92-4-012080-8 (electronic version)\n\n© World Health Organization 2026 Some rights reserved. "
    "Suggested citation. Malaria case management. Geneva: World Health Organization; 2026."
)


def test_contents_lines_with_or_without_dot_leaders_are_contents() -> None:
    assert is_contents(CONTENTS_LINES, "")
    assert is_contents(UNDOTTED_CONTENTS, "")
    assert is_contents("Foreword", "Contents")
    assert not is_contents(BODY, "3.4 Anti-relapse treatment")


def test_reference_entries_are_a_reference_list_and_body_text_is_not() -> None:
    assert is_reference_list(REFERENCES, "")
    assert is_reference_list("Any text at all.", "References1")
    assert not is_reference_list(BODY, "Tafenoquine")


def test_one_short_entry_split_off_a_reference_list_is_a_reference_list() -> None:
    entry = "91. European Medicines Agency (EMA). Sovaldi. Summary of product characteristics. 2022 (https://www.ema.europa.eu)."
    assert is_reference_list(entry, "How to navigate this guideline")
    assert is_reference_list("Hosp Epidemiol. 2010;31(1):12-20.", "")  # the tail of an entry
    assert not is_reference_list("20. Patients weighing more than 35 kg receive a single 300 mg dose.", "")


def test_an_entry_cut_before_its_year_and_journal_is_known_by_its_numbered_author_list() -> None:
    assert is_reference_list("291. Kralovic SM, Evans ME, Simbartl LA, Ambrose M, Jain R, Roselle GA. Zeroing in", "")
    assert is_reference_list("308. McGuckin M, Waterman R, Govednik J.", "")
    assert is_reference_entry("2. Brito M, Rufatto R, Murta F, Sampaio V, Balieiro P, Baia-Silva D et al. Operational")
    assert not is_reference_entry("3. The TAG, WHO and UN agencies met in Geneva.")
    assert is_reference_entry("Kralovic SM, Evans ME, Simbartl LA, Ambrose M.")  # its number split off
    assert not is_reference_entry("Kralovic SM, Evans ME and colleagues found fewer infections.")


def test_the_imprint_page_needs_two_of_its_marks() -> None:
    assert is_imprint(IMPRINT)
    assert not is_imprint("© Promise Tangeman-Wurzell. Some rights reserved CC BY 2.0. Dogs were vaccinated.")


def test_a_back_cover_with_a_contact_address_is_imprint_and_a_page_of_text_with_one_is_not() -> None:
    assert is_imprint(
        "For further information please contact: World Health Organization 20 Avenue Appia 1211 Geneva 27 "
        "Switzerland Email: GMPinfo@who.int"
    )
    assert is_imprint("World Health Organization 20 Avenue Appia CH-1211 Geneva 27 Switzerland Tel.: +41 22 791 5060")
    body = "Countries report each case to the national focal point. " * 8 + "Write to focal@who.int for the form."
    assert not is_imprint(body)
    assert not is_imprint("1211 Geneva 27 Switzerland")  # an address alone is not enough: no way to reach anyone


def test_a_list_of_people_with_affiliations_is_a_contributor_list_and_a_sentence_naming_two_is_not() -> None:
    group = (
        "The following experts served on the Guideline Development Group: Ariel Izcovich (GRADE Cono Sur); "
        "Claudia Mello (Instituto de Infectologia, Brazil); Tajeldin Mohammedein Abdallah (University of "
        "Kassala, Sudan); Liya Wassie (Armauer Hansen Research Institute, Ethiopia); Dr Lien Bruggeman "
        "(Ministry of Health, Belgium)."
    )
    assert is_contributor_list(group)
    chair = (
        "The chair of the Guidelines Development Group was M. Lindsay Grayson (Austin Health, Australia) and "
        "the methodologist was Nancy Santesso (McMaster University, Canada)."
    )
    assert not is_contributor_list(chair)
    assert not is_contributor_list(BODY)
    # four names spread over a long page of prose are not a list
    assert not is_contributor_list(group + " " + BODY * 8)


def test_dot_leaders_collapse_to_one_ellipsis() -> None:
    assert collapse_leaders("About rabies data . . . . . . . . 3") == "About rabies data … 3"
    assert collapse_leaders("Acknowledgments ................ vi") == "Acknowledgments … vi"
    assert collapse_leaders("He said... and left.") == "He said... and left."


def test_a_running_title_that_changes_by_chapter_is_removed() -> None:
    bodies = ("Dengue is caused by a virus.", "Zika spreads through bites.", "Chikungunya causes arthralgia.")
    chapter = [
        f"Introduction\n{n}\n{body}\nMore about it on page {n}, {body.lower()}"
        for n, body in zip((3, 5, 7), bodies, strict=True)
    ]
    stripped = strip_running_titles(chapter)
    assert all("Introduction" not in page for page in stripped)
    assert all(body in page for body, page in zip(bodies, stripped, strict=True))


def test_tabs_between_words_become_spaces() -> None:
    assert clean_pages(["WHO-recommended\trabies-related\tdefinitions apply."]).text == (
        "WHO-recommended rabies-related definitions apply."
    )

"""Each cleaning step on its own, then the whole chain on the real briefing note."""

from __future__ import annotations

from ingest.clean import (
    clean_pages,
    continues,
    dehyphenate,
    is_heading,
    is_residue,
    normalize_unicode,
    paragraphs,
    split_bullets,
    strip_running_lines,
)
from tests.conftest import CORPUS_DIR

BRIEFING = CORPUS_DIR / "who-europe-briefing-health-diplomacy-migration.txt"
TAG = CORPUS_DIR / "who-tag-health-migration-displacement-2025.txt"


def test_normalize_spells_out_every_ligature() -> None:
    assert normalize_unicode("\ufb01rst \ufb02ow o\ufb00er o\ufb03ce ba\ufb04e") == "first flow offer office baffle"


def test_normalize_composes_to_nfc() -> None:
    decomposed = "Mari\u0301a"  # i + combining acute
    assert normalize_unicode(decomposed) == "María"


def test_normalize_drops_soft_hyphens_and_unifies_spaces_and_line_ends() -> None:
    assert normalize_unicode("migra\u00adtion\u00a0is\r\nnormal\t here  ") == "migration is\nnormal here"


def test_dehyphenate_joins_a_word_split_at_a_line_end() -> None:
    assert dehyphenate("the migra-\ntion of people") == "the migration of people"


def test_dehyphenate_keeps_hyphens_inside_a_line() -> None:
    assert dehyphenate("cross-border continuity of care") == "cross-border continuity of care"


def test_dehyphenate_keeps_a_compound_of_two_words_split_at_a_line_end() -> None:
    assert dehyphenate("the cross-\nborder data") == "the cross-border data"


def test_dehyphenate_leaves_a_hyphen_before_a_capital_alone() -> None:
    assert dehyphenate("non-\nState actors") == "non-\nState actors"


def test_paragraphs_rewrap_lines_of_a_block() -> None:
    text = "The steady increase in population\nmovements is also influencing\nthe agenda."
    assert paragraphs(text) == ["The steady increase in population movements is also influencing the agenda."]


def test_paragraphs_make_each_bullet_an_item_even_after_a_stray_space() -> None:
    text = "• to reflect on the links between migration,\nhealth and diplomacy;\n • to provide the perspective;"
    assert paragraphs(text) == [
        "• to reflect on the links between migration, health and diplomacy;",
        "• to provide the perspective;",
    ]


def test_split_bullets_breaks_an_inline_bullet_onto_its_own_line() -> None:
    assert split_bullets("first item; • second item") == "first item;\n• second item"


def test_paragraphs_start_a_new_paragraph_at_a_numbered_marker_after_a_sentence() -> None:
    text = "Background\n1. Migration is a priority.\n2. The health of refugees matters."
    assert paragraphs(text) == [
        "Background",
        "1. Migration is a priority.",
        "2. The health of refugees matters.",
    ]


def test_heading_detection() -> None:
    assert is_heading("Background")
    assert is_heading("Objectives of the briefing")
    assert is_heading("Looking ahead")
    assert not is_heading("1. Migration is a high priority")
    assert not is_heading("the global health agenda, which is understandable")
    assert not is_heading("The floor will then be opened for questions.")
    assert not is_heading("• to launch the book")
    assert not is_heading("Health systems worked with")
    assert not is_heading("Austria 12 15 18")
    assert is_heading("Chapter 3")


def test_continues_only_when_no_sentence_end_and_next_starts_lower_case() -> None:
    assert continues("The increase is also influencing", "the global health agenda.")
    assert not continues("The increase is complete.", "the next one")
    assert not continues("The increase is also influencing", "The next one")
    assert not continues("influencing", "• the next item")


def test_residue_reading_time_and_photo_caption() -> None:
    assert is_residue("Reading time:")
    assert is_residue("A photo of TAG members and WHO Secretariat on a stairway in WHO")
    assert is_residue("Photo: WHO / A. Person")
    assert not is_residue("Reading time: is what this article is about, said the editor.")
    assert not is_residue("A photo of the team was taken, and it showed how the TAG was formed.")


def test_strip_running_lines_removes_headers_footers_and_page_numbers() -> None:
    bodies = ["Migration is a priority.\nIt matters.", "Health systems adapt.", "Data are shared.\nOften."]
    pages = [f"WHO report on migration\n{body}\nPage {n} of 4" for n, body in enumerate(bodies, 1)]
    pages.append("WHO report on migration\nLast page body.\n4")
    out = strip_running_lines(pages)
    assert out[0] == "Migration is a priority.\nIt matters."
    assert out[1] == "Health systems adapt."
    assert out[3] == "Last page body."


def test_strip_running_lines_keeps_a_repeated_line_that_continues_a_paragraph() -> None:
    pages = ["Report\nFirst page ends with the countries", "Report\nof the Region act.", "Report\nof the Region act."]
    assert strip_running_lines(pages) == [
        "First page ends with the countries",
        "of the Region act.",
        "of the Region act.",
    ]


def test_strip_running_lines_keeps_a_single_page_untouched_except_page_numbers() -> None:
    assert strip_running_lines(["Title line\nBody.\n"]) == ["Title line\nBody.\n"]


def test_clean_pages_rejoins_a_paragraph_across_a_page_break_and_tracks_pages() -> None:
    cleaned = clean_pages(["Intro.\n\nHealth systems worked with", "civil society on it.\n\nEnd."])
    assert cleaned.text == "Intro.\n\nHealth systems worked with civil society on it.\n\nEnd."
    (s1, e1), (s2, e2) = cleaned.page_spans
    assert (s1, e2) == (0, len(cleaned.text))
    assert e1 == s2
    assert cleaned.text[s2:].startswith("civil society")


def test_clean_pages_dehyphenates_across_a_page_break() -> None:
    cleaned = clean_pages(["The migra-", "tion of people."])
    assert cleaned.text == "The migration of people."
    assert cleaned.text[cleaned.page_spans[1][0] :] == "tion of people."


def test_clean_pages_gives_an_empty_page_an_empty_span() -> None:
    cleaned = clean_pages(["First.", "", "Third."])
    assert cleaned.page_spans[1][0] == cleaned.page_spans[1][1] == cleaned.page_spans[2][0]


def test_briefing_note_paragraphs_broken_by_blank_lines_are_rejoined() -> None:
    text = clean_pages([BRIEFING.read_text(encoding="utf-8")]).text
    assert "influencing the global health agenda" in text
    assert "often falsely filtered" in text
    assert "nation States and the seriousness" in text
    assert "as well as at the city level" in text
    assert "to address the systemic governance barriers" in text
    assert "influencing\n" not in text


def test_briefing_note_numbered_paragraphs_and_bullets_start_lines() -> None:
    lines = clean_pages([BRIEFING.read_text(encoding="utf-8")]).text.split("\n")
    numbered = [ln[:2] for ln in lines if ln[:1].isdigit()]
    assert numbered == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    bullets = [ln for ln in lines if ln.startswith("•")]
    assert len(bullets) == 11
    assert all("•" not in ln[1:] for ln in bullets)


def test_tag_text_loses_reading_time_and_photo_caption_but_keeps_the_article() -> None:
    text = clean_pages([TAG.read_text(encoding="utf-8")]).text
    assert "Reading time" not in text
    assert "A photo of" not in text
    assert "Dr Tedros said in a video message" in text
    assert text.endswith("health remains a right that travels with them.")

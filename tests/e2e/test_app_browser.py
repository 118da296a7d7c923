"""The served app driven in headless Chromium: ask, search with a filter, hostile text, upload + rebuild.

One app per session (see conftest.py); the tests share it, so the upload test uses a name no other
test touches. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ServedApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 60_000
REBUILD_TIMEOUT_MS = 180_000
TAG_TITLE = "WHO launches first-ever Technical Advisory Group"
UPLOAD_SENTENCE = "The quokka vaccination caravan reached every border camp within nine days."


@pytest.fixture
def page(browser: Any, served_app: ServedApp) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served_app.url + "/")
    page.wait_for_selector("#mhqa-question textarea")
    yield page
    context.close()


def ask(page: Any, question: str) -> None:
    before = page.locator("#mhqa-chat [data-testid=bot]").count()
    page.fill("#mhqa-question textarea", question)
    page.click("#mhqa-ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#mhqa-chat [data-testid=bot]').length > n",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def search(page: Any, query: str) -> None:
    page.get_by_role("tab", name="Search").click()
    page.fill("#mhqa-query textarea", query)
    page.click("#mhqa-search")
    page.wait_for_selector(
        "#mhqa-results .mhqa-source, #mhqa-results .mhqa-empty:not(:has-text('appear here'))",
        timeout=ANSWER_TIMEOUT_MS,
    )


def test_question_gets_cited_answer_whose_marker_scrolls_to_highlighted_source(page: Any, artifacts: Path) -> None:
    ask(page, "Which experts does the Technical Advisory Group bring together?")
    bot = page.locator("#mhqa-chat [data-testid=bot]").last
    answer = bot.inner_text()
    assert "[1]" in answer and "Not answered" not in answer
    marks = page.locator("#mhqa-sources mark")
    assert marks.count() >= 1
    first_quote = " ".join(marks.first.inner_text().split())
    assert first_quote and first_quote[:40] in " ".join(answer.split())  # the answer quotes its source
    assert TAG_TITLE in page.inner_text("#mhqa-sources")
    assert "score" in page.inner_text("#mhqa-sources") and "p. " in page.inner_text("#mhqa-sources")

    bot.locator("a.mhqa-cite").first.click()
    page.wait_for_function("location.hash === '#mhqa-src-1'")
    page.wait_for_function(
        "(() => { const r = document.getElementById('mhqa-src-1').getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight; })()"
    )
    page.screenshot(path=str(artifacts / "ask-desktop.png"), full_page=True)

    ask(page, "How many of them are there?")  # only answerable with the previous question as context
    follow_up = page.locator("#mhqa-chat [data-testid=bot]").last.inner_text()
    assert "Not answered" not in follow_up and "[1]" in follow_up
    assert TAG_TITLE in page.inner_text("#mhqa-sources")


def test_search_with_document_filter_returns_only_that_document(page: Any, artifacts: Path) -> None:
    page.get_by_role("tab", name="Search").click()
    page.click("#mhqa-doc-filter input")
    page.get_by_role("option", name=TAG_TITLE, exact=False).first.click()
    page.keyboard.press("Escape")
    search(page, "health diplomacy and migration")
    titles = page.locator("#mhqa-results .mhqa-title").all_inner_texts()
    assert titles and all(t.startswith(TAG_TITLE) for t in titles)
    assert page.locator("#mhqa-results mark").count() == len(titles)

    page.locator("#mhqa-results .mhqa-copy").first.click()
    page.wait_for_selector("#mhqa-results .mhqa-copy:has-text('Copied')")
    page.click("#mhqa-export")
    page.wait_for_selector("#mhqa-export-file a", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#mhqa-export-file").inner_text().count(".md") >= 1
    page.screenshot(path=str(artifacts / "search-filtered.png"), full_page=True)


def test_hostile_text_in_documents_and_questions_shows_as_text_and_never_runs(page: Any, artifacts: Path) -> None:
    hostile_question = "zanzibar ledger <img src=x onerror=\"window.__pwned='question'\"> <script>alert(1)</script>?"
    ask(page, hostile_question)
    chat = page.inner_text("#mhqa-chat")
    assert "<img src=x onerror=" in chat and "<script>alert(1)</script>" in chat
    search(page, "zanzibar quarantine ledger")
    results = page.inner_text("#mhqa-results")
    assert "<script>window.__pwned" in results and "<img src=x onerror=" in results
    page.wait_for_timeout(500)  # give any injected onerror handler the chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#mhqa-results img, #mhqa-chat img[src='x']").count() == 0
    page.screenshot(path=str(artifacts / "hostile-text.png"), full_page=True)


def _make_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Quokka caravan field report")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        "Quokka caravan field report.\n\n" + UPLOAD_SENTENCE + " Nurses recorded each visit in a shared register.",
    )
    pdf.output(str(path))


def test_uploaded_pdf_is_searchable_after_rebuild_and_is_never_silently_replaced(
    page: Any, served_app: ServedApp, artifacts: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / "quokka-caravan.pdf"
    _make_pdf(pdf)
    page.get_by_role("tab", name="Library").click()

    page.set_input_files("#mhqa-upload input[type=file]", str(pdf))
    page.wait_for_selector("#mhqa-upload :text('quokka-caravan.pdf')")
    page.click("#mhqa-save")
    page.wait_for_selector("#mhqa-status :text('added quokka-caravan.pdf')", timeout=ANSWER_TIMEOUT_MS)
    assert (served_app.corpus / "quokka-caravan.pdf").read_bytes() == pdf.read_bytes()

    page.set_input_files("#mhqa-upload input[type=file]", str(pdf))
    page.wait_for_selector("#mhqa-upload :text('quokka-caravan.pdf')")
    page.click("#mhqa-save")  # same name again, "replace existing file" not ticked: refused with one line
    toast = page.wait_for_selector("[data-testid=toast-body]", timeout=ANSWER_TIMEOUT_MS)
    assert "replace existing file" in toast.inner_text() and "Traceback" not in toast.inner_text()

    page.click("#mhqa-rebuild")
    page.wait_for_selector("#mhqa-status :text('Index updated')", timeout=REBUILD_TIMEOUT_MS)
    assert "1 added" in page.inner_text("#mhqa-status")
    assert "quokka-caravan" in page.inner_text("#mhqa-library")
    page.screenshot(path=str(artifacts / "library-after-rebuild.png"), full_page=True)

    search(page, "quokka vaccination caravan border camp")
    best = page.locator("#mhqa-results .mhqa-source").first
    assert UPLOAD_SENTENCE in " ".join(best.inner_text().split())


def test_phone_width_layout_has_no_sideways_scroll(browser: Any, served_app: ServedApp, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(served_app.url + "/")
        page.wait_for_selector("#mhqa-question textarea")
        assert "Example questions" in page.inner_text("body")
        ask(page, "Why does health diplomacy matter for refugees and migrants?")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts / "ask-phone.png"), full_page=True)
    finally:
        context.close()

"""'Show page' with the quote's box over its words, and library access beyond loopback, in Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.page_image import Box, fold, text_in_box
from tests.e2e.conftest import OKAPI_PDF, OKAPI_SENTENCE, REPO_ROOT, START_TIMEOUT_S, ServedApp
from tests.served import served_app as serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "e2e-admin-pass-77"
TIMEOUT_MS = 60_000


def _open(browser: Any, url: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("#mhqa-question textarea")
    return page


@pytest.mark.parametrize("width", [1280, 390])
def test_show_page_draws_a_box_over_the_quoted_words(
    browser: Any, served_app: ServedApp, width: int, artifacts: Path
) -> None:
    page = _open(browser, served_app.url, width)
    page.get_by_role("tab", name="Search").click()
    page.fill("#mhqa-query textarea", "okapi clinic ledger patients first morning")
    page.click("#mhqa-search")
    card = page.locator("#mhqa-results .mhqa-source", has_text="okapi clinic ledger").first
    card.wait_for(timeout=TIMEOUT_MS)
    card.locator(".mhqa-show-page").click()
    page.wait_for_function(
        "() => { const i = document.querySelector('#mhqa-results .mhqa-page-frame img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=TIMEOUT_MS,
    )
    caption = card.locator("figcaption").inner_text()
    assert "sheet 2 of 2" in caption and "approximate" not in caption
    boxes = page.evaluate(
        """() => { const img = document.querySelector('#mhqa-results .mhqa-page-frame img').getBoundingClientRect();
        return [...document.querySelectorAll('#mhqa-results .mhqa-hl')].map(e => { const r = e.getBoundingClientRect();
          return [(r.left - img.left) / img.width, (r.top - img.top) / img.height,
                  (r.right - img.left) / img.width, (r.bottom - img.top) / img.height]; }); }"""
    )
    assert boxes
    # the words the PDF has where the browser drew the boxes (pdfium reads them back from the file)
    inside = "".join(fold(text_in_box(served_app.corpus / OKAPI_PDF, 2, Box(*b))) for b in boxes)
    assert fold(OKAPI_SENTENCE) in inside and len(inside) <= len(fold(OKAPI_SENTENCE)) + 4
    link = card.locator("a.mhqa-download").get_attribute("href")
    assert link and link.endswith("#page=2")
    download = page.request.get(f"{served_app.url}/{link.split('#')[0]}")
    assert download.ok and download.body() == (served_app.corpus / OKAPI_PDF).read_bytes()
    page.screenshot(path=str(artifacts / f"pageview-{width}.png"))
    page.context.close()


@pytest.fixture(scope="module")
def remote_app(tmp_path_factory: pytest.TempPathFactory, request: Any) -> Iterator[ServedApp]:
    """The app on 0.0.0.0 with MHQA_ADMIN_PASSWORD (param "signin") or without it ("read-only")."""
    root = tmp_path_factory.mktemp(f"remote-{request.param}")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(REPO_ROOT / "corpus" / "who-tag-health-migration-displacement-2025.txt", corpus)
    env = {"MHQA_EMBEDDING_MODEL": "minilm"}
    if request.param == "signin":
        env["MHQA_ADMIN_PASSWORD"] = PASSWORD
    with serve(
        corpus,
        root / "index",
        root / "home",
        root / "server.log",
        timeout_s=START_TIMEOUT_S,
        host="0.0.0.0",
        env_extra=env,
    ) as (proc, url):
        yield ServedApp(url=url, corpus=corpus, index=root / "index", log=root / "server.log", pid=proc.pid)


@pytest.mark.parametrize("remote_app", ["read-only"], indirect=True)
def test_app_beyond_loopback_without_password_is_read_only_and_says_so(browser: Any, remote_app: ServedApp) -> None:
    assert "read-only" in remote_app.log.read_text(errors="replace").lower()
    page = _open(browser, remote_app.url)
    page.get_by_role("tab", name="Library").click()
    assert "Read-only" in page.inner_text("#mhqa-access")
    assert page.locator("#mhqa-rebuild").is_disabled()
    page.context.close()


@pytest.mark.parametrize("remote_app", ["signin"], indirect=True)
def test_upload_beyond_loopback_needs_sign_in_and_is_logged(
    browser: Any, remote_app: ServedApp, tmp_path: Path
) -> None:
    upload = tmp_path / "pangolin-note.txt"
    upload.write_text("The pangolin outreach team visited three shelters.\n", encoding="utf-8")
    page = _open(browser, remote_app.url)
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#mhqa-upload input[type=file]", str(upload))
    page.wait_for_timeout(1500)  # the upload to the server's folder
    page.click("#mhqa-save")
    page.wait_for_selector("text=sign in to add documents", timeout=TIMEOUT_MS)
    assert not (remote_app.corpus / upload.name).exists()

    page.fill("#mhqa-password input", "wrong-password")
    page.click("#mhqa-sign-in")
    page.wait_for_selector("text=wrong user name or password", timeout=TIMEOUT_MS)
    page.fill("#mhqa-password input", PASSWORD)
    page.click("#mhqa-sign-in")
    page.wait_for_selector("#mhqa-signed:has-text('Signed in as admin')", timeout=TIMEOUT_MS)
    page.click("#mhqa-save")
    page.wait_for_selector("#mhqa-log td.mhqa-col-file:has-text('pangolin-note.txt')", timeout=TIMEOUT_MS)
    row = page.locator("#mhqa-log tbody tr").first.inner_text()
    assert "admin" in row and "add" in row
    assert (remote_app.corpus / upload.name).exists()
    page.context.close()

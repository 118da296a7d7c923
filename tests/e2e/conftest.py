"""Browser-test setup: one served app per session (a copy of the corpus plus a hostile document, a
temporary index, a free loopback port) and one headless Chromium (Debian's, never downloaded)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.served import served_app as serve

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("MHQA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 240  # model load + first index of the corpus on a busy 2-core machine

# A document whose text tries to run script in the page: it must show as text and never execute.
HOSTILE_TEXT = (
    "Zanzibar quarantine ledger notes.\n\n"
    'The zanzibar ledger records <script>window.__pwned = "script"</script> and '
    "<img src=x onerror=\"window.__pwned = 'img'\"> as plain words in a migrant clinic report.\n"
)


OKAPI_PDF = "okapi-clinic-report.pdf"
OKAPI_SENTENCE = "The okapi clinic ledger counted forty seven patients on the first morning."


def okapi_pdf() -> bytes:
    """A two-page PDF whose second page holds OKAPI_SENTENCE between other lines: what "Show page" boxes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=12)
    for lines in (
        ["Okapi clinic report.", "Introduction to the border clinic and its staff."],
        [
            "Attendance.",
            "The nurses opened the doors at dawn.",
            OKAPI_SENTENCE,
            "Most patients came from the river villages.",
        ],
    ):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 8, line)
            pdf.ln(2)
    return bytes(pdf.output())


@dataclass(frozen=True, slots=True)
class ServedApp:
    url: str
    corpus: Path
    index: Path
    log: Path
    pid: int


@pytest.fixture(scope="session")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """`mhqa serve` in a subprocess on a copy of the corpus, with its own index and home."""
    root = tmp_path_factory.mktemp("served")
    corpus = root / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    (corpus / "zanzibar-ledger.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (corpus / OKAPI_PDF).write_bytes(okapi_pdf())
    index, log = root / "index", root / "server.log"
    with serve(corpus, index, root / "home", log, timeout_s=START_TIMEOUT_S) as (proc, url):
        yield ServedApp(url=url, corpus=corpus, index=index, log=log, pid=proc.pid)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium from /usr/bin/chromium (`scripts/setup.sh --with-browser` installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh --with-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

"""Over HTTP, the served app gives out the indexed PDFs and rendered pages only: never a sidecar, the
library log, or a file dropped into the corpus folder that is not an indexed document."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import OKAPI_PDF, ServedApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIDECAR = "who-tag-health-migration-displacement-2025.txt.meta.json"  # in the copy of corpus/ served


def _get(url: str) -> tuple[int, bytes, str]:
    """(status, body, content type) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def _gradio_file(app: ServedApp, path: Path) -> str:
    return f"{app.url}/gradio_api/file={urllib.parse.quote(str(path.resolve()))}"


def _document(app: ServedApp, doc_id: str) -> str:
    return f"{app.url}/mhqa/document/{urllib.parse.quote(doc_id, safe='')}"


@pytest.fixture()
def planted(served_app: ServedApp) -> Iterator[dict[str, Path]]:
    """A stray file in the served corpus folder, the library log beside the index and a rendered page in
    the page cache, removed again after the test (the served app is shared by the session)."""
    made = {
        "stray": served_app.corpus / "private-notes.key",
        "log": served_app.index.parent / "library-log.jsonl",
        "page": served_app.index.parent / "pages" / f"{'a' * 64}-p1-w1100.png",
    }
    existed = {name: path.exists() for name, path in made.items()}
    made["stray"].write_text("not a document of the library\n", encoding="utf-8")
    if not existed["log"]:
        made["log"].write_text('{"action": "add"}\n', encoding="utf-8")
    made["page"].parent.mkdir(parents=True, exist_ok=True)
    made["page"].write_bytes(b"\x89PNG\r\n\x1a\n")
    try:
        yield made
    finally:
        for name, path in made.items():
            if not existed[name]:
                path.unlink(missing_ok=True)


def test_an_indexed_pdf_downloads_by_its_document_id(served_app: ServedApp) -> None:
    status, body, kind = _get(_document(served_app, Path(OKAPI_PDF).stem))
    assert status == 200 and kind == "application/pdf"
    assert body == (served_app.corpus / OKAPI_PDF).read_bytes()


def test_a_rendered_page_is_served_from_the_page_cache(served_app: ServedApp, planted: dict[str, Path]) -> None:
    status, body, _ = _get(_gradio_file(served_app, planted["page"]))
    assert status == 200 and body == planted["page"].read_bytes()


def test_no_file_of_the_corpus_folder_or_the_log_is_served_by_path(
    served_app: ServedApp, planted: dict[str, Path]
) -> None:
    paths = [served_app.corpus / SIDECAR, planted["stray"], planted["log"], served_app.corpus / OKAPI_PDF]
    assert all(p.is_file() for p in paths)
    assert [_get(_gradio_file(served_app, p))[0] for p in paths] == [403] * len(paths)


def test_the_document_route_refuses_what_is_not_an_indexed_pdf(served_app: ServedApp, planted: dict[str, Path]) -> None:
    names = [
        SIDECAR,  # a sidecar
        Path(SIDECAR).stem,  # by the name it would have as a document
        planted["stray"].stem,  # a file in the corpus folder that is not indexed
        "library-log",
        "who-tag-health-migration-displacement-2025",  # an indexed TXT: served as a page it could run script
        "../server.log",  # out of the corpus folder
    ]
    assert [_get(_document(served_app, n))[0] for n in names] == [404] * len(names)

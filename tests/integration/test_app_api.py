"""The app's HTTP API driven as an attacker would (issue 17): hand-made /gradio_api/queue/join calls to
the handlers the page uses, including those marked private. Every library change is re-checked on the
server, every error is one line, and a new page shows the index as it is now.

The app runs in this process over a stand-in index (no model): what is tested is the wiring.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.ui.service import AppService
from ingest.document import DocumentMeta
from tests.conftest import CORPUS_DIR
from tests.served import free_port

pytestmark = pytest.mark.slow

WHO_FILE = "who-tag-health-migration-displacement-2025.txt"


class _Doc:
    def __init__(self, doc_id: str, title: str) -> None:
        self.doc_id, self.title, self.sha256 = doc_id, title, "0" * 64
        self.meta = DocumentMeta(title=title, date="2025")
        self.path, self.pages, self.chunks, self.added, self.changed = doc_id, 1, 1, "2025-01-01", "2025-01-01"


class _StandInIndex:
    """The searcher calls the service makes, over a list of documents a test can change."""

    embedder = None
    model = "minilm"

    def __init__(self) -> None:
        self.docs = [_Doc("who-tag", "WHO launches the advisory group")]

    def documents(self) -> list[_Doc]:
        return list(self.docs)

    def search(self, query: str, **kwargs: Any) -> list[Any]:
        return []

    def knows(self, word: str) -> bool:
        return False

    def generic_terms(self) -> frozenset[str]:
        return frozenset()

    def refresh(self) -> bool:
        return True


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[tuple[str, AppService, Path]]:
    from assistant.ui.app import build_app

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    service = AppService(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), _StandInIndex())
    demo = build_app(service)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        yield url.rstrip("/"), service, corpus
    finally:
        demo.close()


def _config(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/config", timeout=10) as resp:
        return json.loads(resp.read())


def _fn_index(config: dict[str, Any], elem_id: str) -> int:
    """The index of the event whose inputs include the component with `elem_id` (private or not)."""
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    return next(i for i, d in enumerate(config["dependencies"]) if ids & set(d.get("inputs", [])))


def _load_index(config: dict[str, Any]) -> int:
    return next(i for i, d in enumerate(config["dependencies"]) if any(t[1] == "load" for t in d["targets"]))


def _call(url: str, fn_index: int, data: list[Any]) -> dict[str, Any]:
    """POST queue/join, then read the event stream to its end: the completed message."""
    session = uuid.uuid4().hex
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None}).encode()
    request = urllib.request.Request(
        f"{url}/gradio_api/queue/join", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    with urllib.request.urlopen(f"{url}/gradio_api/queue/data?session_hash={session}", timeout=30) as stream:
        for raw in stream:
            line = raw.decode().strip()
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without a completed message")


def _upload(url: str, name: str, data: bytes) -> str:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{url}/gradio_api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        (path,) = json.loads(resp.read())
    return str(path)


def _error(message: dict[str, Any]) -> str:
    assert message["success"] is False, message
    error = str(message["output"]["error"])
    assert "\n" not in error and "Traceback" not in error
    return error


def test_replacing_a_curated_document_through_the_private_upload_handler_fails(
    app: tuple[str, AppService, Path],
) -> None:
    url, _, corpus = app
    before = (corpus / WHO_FILE).read_bytes()
    path = _upload(url, WHO_FILE, b"The attacker's text, to be cited under the WHO title.")
    save = _fn_index(_config(url), "mhqa-upload")
    file = {"path": path, "orig_name": WHO_FILE, "meta": {"_type": "gradio.FileData"}}
    error = _error(_call(url, save, [[file], True, None]))  # no sign-in token: loopback
    assert "has curated metadata" in error
    assert (corpus / WHO_FILE).read_bytes() == before
    assert not Path(path).exists(), "the upload's temporary copy is removed"


def test_a_path_the_client_made_up_is_never_read_into_the_corpus(app: tuple[str, AppService, Path]) -> None:
    url, _, corpus = app
    outside = corpus.parent / "secret.txt"
    outside.write_text("a file of the server that no one uploaded", encoding="utf-8")
    save = _fn_index(_config(url), "mhqa-upload")
    file = {"path": str(outside), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}
    message = _call(url, save, [[file], False, None])
    assert message["success"] is False
    assert not (corpus / "secret.txt").exists()
    assert outside.exists()


def test_a_new_page_shows_the_index_as_it_is_now(app: tuple[str, AppService, Path]) -> None:
    url, service, _ = app
    service.searcher.docs.append(_Doc("added-later", "A document indexed after the server started"))
    config = _config(url)
    message = _call(url, _load_index(config), [])
    assert message["success"] is True
    assert "A document indexed after the server started" in json.dumps(message["output"]["data"])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("x" * 200_000, "the question is 200,000 characters, over the limit of 1,000 characters (max_question_chars)"),
        ("\ud800 who?\x00", None),  # a lone surrogate and a NUL: cleaned away, answered (here: refused)
        ("x, " * 320, "the question is 640 word pieces, over the limit of 256 word pieces (max_question_pieces)"),
    ],
)
def test_hostile_questions_through_the_ask_api_get_one_line(
    app: tuple[str, AppService, Path], question: str, expected: str | None
) -> None:
    url, _, _ = app
    ask = next(i for i, d in enumerate(_config(url)["dependencies"]) if d.get("api_name") == "ask")
    message = _call(url, ask, [question])
    if expected is None:
        assert message["success"] is True, message
        assert message["output"]["data"][0]["refused"] is True
    else:
        assert expected in _error(message)

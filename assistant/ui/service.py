"""What the web app does, without the widgets: one shared Searcher for every session, asking,
searching, saving uploads and rebuilding the index under a lock while queries keep being served.

The Gradio module (assistant/ui/app.py) only wires widgets to these methods.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer_types import Answer
from assistant.errors import RebuildBusyError
from assistant.settings import Settings, ingest_limits, query_limits
from assistant.ui.access import Access
from index.hit import Hit
from ingest.errors import MhqaError
from ingest.load import sha256_file, sidecar_path
from ingest.upload import SavedUpload, save_upload

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
LIBRARY_ACTIONS = ("add", "replace", "delete", "rebuild")


@dataclass(slots=True)
class AppService:
    """The state every browser session shares: settings, the searcher, and the rebuild lock."""

    settings: Settings
    searcher: Any  # index.search.Searcher (typed loosely: index is imported lazily)
    # who may change the library; None: an app on loopback, where anyone at the machine may
    access: Access | None = None
    _rebuild_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.access is None:
            self.access = Access(local=True, users={}, log_path=self.settings.log_path)

    @property
    def gate(self) -> Access:
        assert self.access is not None  # set by __post_init__
        return self.access

    @classmethod
    def start(cls, settings: Settings, *, terminal_progress: bool = True, host: str = "127.0.0.1") -> AppService:
        """Load the model once, bring the index up to date with the corpus (built if missing), open it."""
        from assistant.refusal import load_background
        from index.build import update_index
        from index.embed import load_embedder
        from index.search import Searcher

        if not settings.corpus_dir.is_dir():
            raise MhqaError(f"{settings.corpus_dir}: corpus folder not found")
        embedder = load_embedder(settings.embedding_model, engine=settings.embedding_engine, bulk=True)
        summary = update_index(
            settings.corpus_dir,
            settings.index_dir,
            settings.embedding_model,
            max_file_bytes=ingest_limits(settings),
            progress=terminal_progress,
            embedder=embedder,
            background=load_background(),
            sentence_vectors=settings.sentence_vectors,
        )
        log.info("index ready: %s", summary)
        access = Access.for_host(
            host, admin_password=settings.admin_password, users_file=settings.users_file, log_path=settings.log_path
        )
        return cls(settings, Searcher.open(settings.index_dir, embedder, reranker=settings.reranker), access)

    @property
    def model_name(self) -> str:
        return str(getattr(self.searcher.embedder, "name", self.settings.embedding_model))

    @property
    def rebuilding(self) -> bool:
        return self._rebuild_lock.locked()

    def documents(self) -> list[Any]:
        """The indexed documents (index.store.DocumentInfo), ordered by title."""
        return list(self.searcher.documents())

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """A cited answer (or refusal) to `question`, following up on the previous questions."""
        from assistant.pipeline import answer_question

        if not isinstance(question, str) or not question.strip():
            raise MhqaError("type a question first")
        return answer_question(
            self.searcher,
            question,
            history=tuple(history),
            generator=self.settings.generator,
            settings=self.settings,
        )

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        doc_ids: tuple[str, ...] | None = None,
        mode: str = "hybrid",
        sections: tuple[str, ...] | None = None,
    ) -> list[Hit]:
        """Ranked passages; `doc_ids=()` (a filter nothing matches) gives no passages rather than all.
        `sections` names the parts searched (body text when None)."""
        from ingest.query import clean_query

        if not isinstance(query, str) or not query.strip():
            raise MhqaError("type a query first")
        query = clean_query(query, query_limits(self.settings), "query")  # bounded before the model sees it
        if doc_ids is not None and not doc_ids:
            return []
        return list(
            self.searcher.search(query, k=k, doc_ids=list(doc_ids) if doc_ids else None, mode=mode, sections=sections)
        )

    def check_library_change(self, action: str, token: str | None) -> str:
        """The one server-side gate of every library change ("add", "replace", "delete", "rebuild"), called
        by each method below whatever the client sent: the web page, or a hand-made
        /gradio_api/queue/join call to a handler the page never shows. Returns the signed-in user, or
        raises AccessError."""
        if action not in LIBRARY_ACTIONS:
            raise MhqaError(f"unknown library action {action!r}")
        return self.gate.require(token, action)

    def save_upload(self, data: bytes, name: str, *, replace: bool, token: str | None = None) -> SavedUpload:
        """Check an uploaded file (name, size, type by content) and put it in the corpus folder; logged."""
        user = self.check_library_change("replace" if replace else "add", token)
        saved = save_upload(
            data, name, self.settings.corpus_dir, replace=replace, max_bytes=self.settings.max_file_bytes
        )
        self.gate.record(
            user, "replace" if saved.replaced else "add", saved.path.name, hashlib.sha256(data).hexdigest()
        )
        return saved

    def delete_document(self, doc_id: str, token: str | None = None) -> str:
        """Remove an indexed document's file (and its metadata sidecar) from the corpus folder; logged.
        The index keeps it until the next rebuild. Returns the file name."""
        user = self.check_library_change("delete", token)
        info = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if info is None:
            raise MhqaError(f"no indexed document has the id {doc_id!r}")
        path = self.source_path(info)
        if path is None:
            raise MhqaError(f"{Path(info.path).name}: not in the corpus folder (already deleted?)")
        sha = sha256_file(path)
        try:
            path.unlink()
            sidecar_path(path).unlink(missing_ok=True)
        except OSError as exc:
            raise MhqaError(f"{path.name}: cannot delete ({exc.strerror})") from exc
        self.gate.record(user, "delete", path.name, sha)
        return path.name

    def source_path(self, info: Any) -> Path | None:
        """The corpus file an indexed document was read from, only when it lies inside the corpus folder."""
        corpus = self.settings.corpus_dir.resolve()
        for candidate in (Path(info.path), corpus / Path(info.path).name):
            path = candidate.resolve()
            if path.is_file() and path.is_relative_to(corpus):
                return path
        return None

    def document_file(self, doc_id: str) -> Path | None:
        """The PDF to download for indexed document `doc_id`: its file inside the corpus folder while it
        still holds what was indexed. None for anything else (a TXT/MD/HTML source, which the browser
        could run as a page of the app, a sidecar, a stray file, a file changed or removed since)."""
        info = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if info is None:
            return None
        path = self.source_path(info)
        if path is None or path.suffix.lower() != ".pdf":
            return None
        try:
            same = sha256_file(path) == info.sha256
        except OSError:
            return None  # removed or unreadable meanwhile
        return path if same else None

    def rebuild(self, on_progress: ProgressFn | None = None, token: str | None = None) -> Any:
        """Incrementally update the index and swap the shared searcher to it; one rebuild at a time; logged.

        Questions keep being answered from the old generation until the new one is loaded.
        """
        from assistant.refusal import load_background
        from index.build import update_index

        user = self.check_library_change("rebuild", token)
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildBusyError("a rebuild is already running; wait for it to finish")
        try:
            summary = update_index(
                self.settings.corpus_dir,
                self.settings.index_dir,
                self.settings.embedding_model,
                max_file_bytes=ingest_limits(self.settings),
                progress=False,
                embedder=self.searcher.embedder,
                on_progress=on_progress,
                background=load_background(),
                sentence_vectors=self.settings.sentence_vectors,
            )
            self.searcher.refresh()
            self.gate.record(user, "rebuild")
            return summary
        finally:
            self._rebuild_lock.release()

    def page_view(self, chunk_id: str, start: int, end: int, page: int | None = None) -> Any:
        """What "Show page" shows for `chunk.text[start:end]`: the PDF page(s) with the quote's boxes, or
        (TXT, MD, HTML) the section with the sentence (assistant.ui.pageview)."""
        from assistant.ui import pageview

        chunk = self.searcher.chunk(chunk_id)
        if chunk is None:
            raise MhqaError("this passage is no longer in the index (it was rebuilt): search again")
        if not 0 <= start < end <= len(chunk.text):
            raise MhqaError("bad page request: the quote is not inside its passage")
        info = next((d for d in self.documents() if d.doc_id == chunk.doc_id), None)
        path = self.source_path(info) if info is not None else None
        if info is None or path is None:
            raise MhqaError(f"{chunk.doc_id}: its file is no longer in the corpus folder")
        if path.suffix.lower() != ".pdf":
            return pageview.build_section_view(chunk.title, self.searcher.chunks_of(chunk.doc_id), chunk, start, end)
        if sha256_file(path) != info.sha256:
            raise MhqaError(f"{path.name} changed since it was indexed: rebuild the index to see its pages")
        cache, bound = self.settings.pages_dir, self.settings.page_cache_bytes
        return pageview.build_pdf_view(path, info.sha256, chunk.title, chunk, start, end, page, cache, bound)

    def year_of(self) -> dict[str, str]:
        """Each document's year by id, for citation lines."""
        return {d.doc_id: d.meta.year for d in self.documents()}

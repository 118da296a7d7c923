"""What the web app does, without the widgets: one shared Searcher for every session, asking,
searching, saving uploads and rebuilding the index under a lock while queries keep being served.

The Gradio module (assistant/ui/app.py) only wires widgets to these methods.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer_types import Answer
from assistant.errors import RebuildBusyError
from assistant.settings import Settings
from index.hit import Hit
from ingest.errors import MhqaError
from ingest.upload import SavedUpload, save_upload

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class AppService:
    """The state every browser session shares: settings, the searcher, and the rebuild lock."""

    settings: Settings
    searcher: Any  # index.search.Searcher (typed loosely: index is imported lazily)
    _rebuild_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: Settings, *, terminal_progress: bool = True) -> AppService:
        """Load the model once, bring the index up to date with the corpus (built if missing), open it."""
        from index.build import update_index
        from index.embed import load_embedder
        from index.search import Searcher

        if not settings.corpus_dir.is_dir():
            raise MhqaError(f"{settings.corpus_dir}: corpus folder not found")
        embedder = load_embedder(settings.embedding_model)
        summary = update_index(
            settings.corpus_dir,
            settings.index_dir,
            settings.embedding_model,
            max_file_bytes=settings.max_file_bytes,
            progress=terminal_progress,
            embedder=embedder,
        )
        log.info("index ready: %s", summary)
        return cls(settings, Searcher.open(settings.index_dir, embedder, reranker=settings.reranker))

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

        if not question.strip():
            raise MhqaError("type a question first")
        return answer_question(
            self.searcher,
            question,
            history=tuple(history),
            generator=self.settings.generator,
            settings=self.settings,
        )

    def search(
        self, query: str, *, k: int = 5, doc_ids: tuple[str, ...] | None = None, mode: str = "hybrid",
        sections: tuple[str, ...] | None = None,
    ) -> list[Hit]:
        """Ranked passages; `doc_ids=()` (a filter nothing matches) gives no passages rather than all.
        `sections` names the parts searched (body text when None)."""
        if not query.strip():
            raise MhqaError("type a query first")
        if doc_ids is not None and not doc_ids:
            return []
        return list(self.searcher.search(query, k=k, doc_ids=list(doc_ids) if doc_ids else None, mode=mode,
                                         sections=sections))

    def save_upload(self, data: bytes, name: str, *, replace: bool) -> SavedUpload:
        """Check an uploaded file (name, size, type by content) and put it in the corpus folder."""
        return save_upload(data, name, self.settings.corpus_dir, replace=replace,
                           max_bytes=self.settings.max_file_bytes)

    def rebuild(self, on_progress: ProgressFn | None = None) -> Any:
        """Incrementally update the index and swap the shared searcher to it; one rebuild at a time.

        Questions keep being answered from the old generation until the new one is loaded.
        """
        from index.build import update_index

        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildBusyError("a rebuild is already running; wait for it to finish")
        try:
            summary = update_index(
                self.settings.corpus_dir,
                self.settings.index_dir,
                self.settings.embedding_model,
                max_file_bytes=self.settings.max_file_bytes,
                progress=False,
                embedder=self.searcher.embedder,
                on_progress=on_progress,
            )
            self.searcher.refresh()
            return summary
        finally:
            self._rebuild_lock.release()

    def year_of(self) -> dict[str, str]:
        """Each document's year by id, for citation lines."""
        return {d.doc_id: d.meta.year for d in self.documents()}

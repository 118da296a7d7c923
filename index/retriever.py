"""What answering needs from a search index: the contract `index.search.Searcher` fulfils.

Written down as a Protocol so that `assistant` depends on these few members only, and a test can pass
a small retriever of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from index.embed import Embedder
from index.hit import Hit
from index.manifest import DocumentInfo


class Retriever(Protocol):
    @property
    def model(self) -> str:
        """Name of the embedding model the index was built with (picks the refusal constants)."""
        ...

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model, to encode a question against the refusal background (None: no model, the
        background signal is left neutral)."""
        ...

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        doc_ids: Sequence[str] | None = None,
        mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
        rerank: bool = False,
        sections: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The `k` best passages for `query`, best first; body text only unless `sections` names parts."""
        ...

    def generic_terms(self) -> frozenset[str]:
        """Stemmed terms so common in the index that matching them says nothing (index/term_stats.py)."""
        ...

    def documents(self) -> list[DocumentInfo]:
        """Every indexed document."""
        ...

    def knows(self, word: str) -> bool:
        """True when the indexed text contains `word`."""
        ...

"""The peer pipeline: txtai hybrid search over the same chunks with the same packaged MiniLM folder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def build_txtai(model_dir: str, texts: Sequence[str]) -> Any:
    """A txtai hybrid (dense + BM25) index with stored content; loads the model from a local folder."""
    from txtai import Embeddings

    embeddings = Embeddings(path=model_dir, hybrid=True, content=True)
    embeddings.index([(i, text, None) for i, text in enumerate(texts)])
    return embeddings


def txtai_search(embeddings: Any, query: str, k: int) -> list[str]:
    """Texts of the k best results, best first."""
    return [str(row["text"]) for row in embeddings.search(query, k)]

"""Document frequencies of the index's terms: which words nearly every passage of *this* corpus has.

Answering discounts a question word that half the passages contain ("health" in a corpus about
health): matching it says nothing about which passage answers. That list used to be written by hand
for the bundled texts; it is now read from the index, so it follows whatever documents are indexed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from index.backends import bm25_tokenize
from ingest.document import Chunk

# Terms in at least this share of the chunks are kept in the manifest (the rest are not needed and
# would make it large); GENERIC_SHARE of them are generic. Both are rules, not fitted to a corpus.
RECORDED_SHARE = 0.1
GENERIC_SHARE = 0.5


def document_frequencies(chunks: Sequence[Chunk], min_share: float = RECORDED_SHARE) -> tuple[tuple[str, int], ...]:
    """(term, number of chunks containing it) for the terms (BM25's stemmed tokens) of at least
    `min_share` of the chunks, most frequent first."""
    counts: Counter[str] = Counter()
    for tokens in bm25_tokenize([c.passage_text() for c in chunks]) if chunks else []:
        counts.update(set(tokens))
    floor = min_share * len(chunks)
    return tuple(sorted(((t, n) for t, n in counts.items() if n >= floor), key=lambda kv: (-kv[1], kv[0])))


def generic_terms(term_df: Sequence[tuple[str, int]], n_chunks: int, share: float = GENERIC_SHARE) -> frozenset[str]:
    """Terms found in at least `share` of the `n_chunks` chunks."""
    return frozenset(t for t, n in term_df if n_chunks and n >= share * n_chunks)

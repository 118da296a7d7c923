"""Follow-up questions: "and who chairs it?" is searched with the topic of the question before it."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from assistant.text import content_stems, content_words, stems, words

# A follow-up ("and who chairs it?") refers back through a pronoun, a leading conjunction, or brevity.
_ANAPHORA = frozenset(
    re.findall(
        r"\S+",
        "it its they them their theirs that this those these he she him her his there "
        "il elle ils elles lui leur leurs cela ça celui celle ello ella ellos ellas eso esto su sus",
    )
)


_FOLLOW_UP_START = re.compile(r"^\s*(and|also|what about|how about|et|y|e)\b", re.IGNORECASE)


def is_follow_up(question: str, generic: Collection[str] = frozenset()) -> bool:
    """True when `question` leans on the previous turn: a pronoun, "and ...", or one content word."""
    tokens = words(question)
    return (
        any(t in _ANAPHORA for t in tokens)
        or bool(_FOLLOW_UP_START.match(question))
        or len(content_stems(question, generic)) <= 1
    )


def resolve_query(question: str, history: Sequence[str] = (), generic: Collection[str] = frozenset()) -> str:
    """The retrieval query for `question` given earlier questions (oldest first).

    A follow-up gets the previous turn's specific words appended ("and who chairs it?" + "Technical
    Advisory Group"), resolved recursively so a chain of follow-ups keeps its topic. The index's
    `generic` terms are never carried: they would pull in every passage.
    """
    question = question.strip()
    if not history or not is_follow_up(question, generic):
        return question
    previous = resolve_query(history[-1], history[:-1], generic)
    own = set(content_stems(question, generic))
    carried = [w for w in content_words(previous, generic) if stems([w.lower()])[0] not in own]
    return f"{question} {' '.join(carried)}".strip()

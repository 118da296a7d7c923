"""Acronyms a document defines ("Technical Advisory Group (TAG)"), so that search reads them in full.

Once a document has defined an acronym it uses the short form: "TAG Chair Munir Merali reinforced..."
says nothing about an advisory group to an embedding model or to BM25, and "Who chairs the advisory
group?" misses it. Search therefore reads each chunk with its acronyms spelled out; the chunk's text, and
so every quote, stays verbatim.

Definitions are found the way Schwartz & Hearst (2003) do it, restricted to the common form "long form
(SHORT)": the words right before the parenthesis must start with the short form's capitals, in order,
skipping small words ("International Organization for Migration (IOM)"; "Sustainable Development Goals
(SDGs)"; "non-governmental organizations (NGOs)").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping

from ingest.sentences import WORD

# A parenthesised short form: two or more capitals, maybe a plural "s" ("(TAG)", "(UNHCR)", "(SDGs)").
_DEFINITION = re.compile(r"\(([A-Z][A-Z&]*[A-Z]s?)\)")
_SMALL_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "at",
        "for",
        "in",
        "of",
        "on",
        "the",
        "to",
        "de",
        "des",
        "du",
        "et",
        "la",
        "le",
        "les",
        "y",
        "del",
        "el",
    )
)
_MAX_LOOKBACK = 120  # characters before "(": a long form is a few words


def _long_form(before: str, short: str) -> str | None:
    """The long form that ends `before` and spells `short`, or None when the words do not match."""
    letters = [c.lower() for c in short if c.isupper()]
    tail = before.rstrip()
    gap = before[len(tail) :]
    if len(gap) > 2 or gap.count("\n") > 1:  # "Group\n\n(TAG)": a parenthesis after a blank line
        return None
    words = list(WORD.finditer(tail))  # hyphens split: "non-governmental" gives n and g
    if not words or words[-1].end() != len(tail):  # "..., (TAG)": punctuation before the parenthesis
        return None
    start = None
    for word in reversed(words):
        if not letters:
            break
        if word.group()[0].lower() == letters[-1]:
            letters.pop()
            start = word.start()
        elif word.group().lower() not in _SMALL_WORDS:
            return None
    if letters or start is None:
        return None
    long_form = " ".join(tail[start:].split())
    return None if long_form.replace(" ", "") == short else long_form


def defined_acronyms(text: str) -> dict[str, str]:
    """Short form -> long form for every acronym `text` defines; the first definition of each wins."""
    found: dict[str, str] = {}
    for match in _DEFINITION.finditer(text):
        short = match.group(1)
        if short in found:
            continue
        long_form = _long_form(text[max(0, match.start() - _MAX_LOOKBACK) : match.start()], short)
        if long_form:
            found[short] = long_form
    return found


def _uses(acronyms: Mapping[str, str]) -> re.Pattern[str] | None:
    """A pattern for the short forms standing alone: not inside their own "(...)", not part of a word."""
    if not acronyms:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(acronyms, key=len, reverse=True))
    return re.compile(rf"(?<![(\w])(?:{alternatives})(?![\w)])")


def acronyms_used(text: str, acronyms: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The (short, long) pairs of `acronyms` whose short form `text` uses, in short-form order."""
    pattern = _uses(acronyms)
    used = set(pattern.findall(text)) if pattern else set()
    return tuple(sorted((s, acronyms[s]) for s in used))


def expand_acronyms(text: str, acronyms: Mapping[str, str]) -> str:
    """`text` with each use of a defined short form written "long form (SHORT)"."""
    return expand_acronyms_mapped(text, acronyms)[0]


def expand_acronyms_mapped(text: str, acronyms: Mapping[str, str]) -> tuple[str, Callable[[int], int]]:
    """`expand_acronyms(text, acronyms)` and a map from offsets of `text` to offsets of the result (an
    offset inside a short form maps as if the expansion came after it)."""
    pattern = _uses(acronyms)
    if pattern is None:
        return text, lambda offset: offset
    pieces: list[str] = []
    ends: list[int] = []  # end of each use in `text`
    growth: list[int] = []  # characters added by the uses up to and including this one
    last = 0
    for match in pattern.finditer(text):
        written = f"{acronyms[match.group()]} ({match.group()})"
        pieces += [text[last : match.start()], written]
        ends.append(match.end())
        growth.append((growth[-1] if growth else 0) + len(written) - len(match.group()))
        last = match.end()
    pieces.append(text[last:])

    def where(offset: int) -> int:
        done = bisect_right(ends, offset)
        return offset + (growth[done - 1] if done else 0)

    return "".join(pieces), where

"""Page furniture of a printed book: running headers and footers, folios and dot leaders.

`strip_running_lines` (clean.py) removes lines that repeat at the edges of most pages. Books also have
running titles that change with the chapter ("Introduction 7", "31. Background" on a chapter's odd
pages): each repeats on a few pages only. Here a short edge line whose text, digits masked, is at the
edge of at least MIN_PAGES pages is furniture. Pure functions of page texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ingest.folios import edge_lines

# A running title is at the edge of a whole chapter's pages; a real line of text is at the edge of three
# pages by chance only if it is a fixed phrase, which is then furniture too (a box title, a form footer).
MIN_PAGES = 3
_MAX_RUNNING_CHARS = 150
# Dot leaders of a table of contents: "About rabies data . . . . . . . 3" -> "About rabies data … 3".
_LEADER = re.compile(r"[ \t]*(?:\.[ \t]*){4,}(?=\S)|(?:[ \t]*\.){4,}[ \t]*$", re.M)


def line_key(line: str) -> str:
    """Running lines differ only in their page number: compare case-folded with digits masked."""
    return re.sub(r"\d+", "#", line.strip().lower())


def running_keys(pages: Sequence[str], min_pages: int = MIN_PAGES) -> set[str]:
    """Keys of short lines found at the edges of at least `min_pages` pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({line_key(ln) for ln in edge_lines(page, 2) if len(ln) <= _MAX_RUNNING_CHARS})
    return {key for key, n in counts.items() if n >= min_pages and any(ch.isalpha() for ch in key)}


def strip_running_titles(pages: Sequence[str]) -> list[str]:
    """Remove running titles from the two first and last non-blank lines of each page.

    A line starting in lower case continues a sentence and is kept, even if it repeats; and a page whose
    every line would go (a slide deck of one line a page) keeps them: its text is the page, not furniture.
    """
    keys = running_keys(pages)
    out: list[str] = []
    for page in pages:
        lines = page.split("\n")
        filled = [i for i, ln in enumerate(lines) if ln.strip()]
        edges = set(filled[:2] + filled[-2:])
        kept = [
            ln for i, ln in enumerate(lines) if i not in edges or line_key(ln) not in keys or ln.strip()[:1].islower()
        ]
        out.append("\n".join(kept) if any(ln.strip() for ln in kept) else page)
    return out


def collapse_leaders(text: str) -> str:
    """Dot leaders become one ellipsis: a contents line stays readable and is no run of dots."""
    return _LEADER.sub(" … ", text)

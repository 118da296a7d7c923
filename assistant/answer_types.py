"""What `ask` returns; the same objects feed `--json`, the exports, the app and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from index.hit import Hit


@dataclass(frozen=True, slots=True)
class Citation:
    n: int  # the [n] marker in the answer text
    chunk_id: str
    doc_id: str
    title: str
    pages: tuple[int, ...]  # physical pages the quote lies on
    page_labels: tuple[str, ...]
    quote: str  # verbatim from the chunk's text (checked)


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str  # answer sentences with [n] markers; the refusal sentence when refused
    refused: bool
    citations: tuple[Citation, ...]
    related: tuple[Hit, ...]  # the passages shown beside the answer (as related reading when refused)
    notice: str = ""  # e.g. "generator unreachable, fell back to extractive answer"
    partial: bool = False  # the passages answer only part of the question (see assistant.reading)
    reason: str = ""  # why a refusal refuses: what the passages hold and what they lack

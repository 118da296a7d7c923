"""What a PDF's pages are called and which carry no text: the PDF-specific hooks of `load`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.folios import choose_labels, printed_folios

log = logging.getLogger(__name__)


def has_page_labels(reader: Any) -> bool:
    """Whether the PDF has a /PageLabels tree (pypdf numbers the sheets 1..n when it has none)."""
    try:
        return "/PageLabels" in reader.trailer["/Root"]
    except Exception:  # a damaged catalogue: treat as no labels
        return False


def pdf_page_labels(reader: Any, pages: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The printed page numbers to cite: /PageLabels, or the folios printed on the pages when the PDF
    has no labels or labels that disagree with them ("" for a sheet that prints no number)."""
    return choose_labels(labels, printed_folios(pages), has_page_labels(reader))


def image_only_pages(pages: Sequence[str]) -> list[int]:
    """1-based numbers of the pages without a text layer."""
    return [i + 1 for i, text in enumerate(pages) if not text.strip()]


def warn_image_only(path: Path, pages: Sequence[str]) -> None:
    """One notice naming every page that has no text (a scan, a full-page figure or a blank page)."""
    empty = image_only_pages(pages)
    if empty and len(empty) < len(pages):
        shown = ", ".join(map(str, empty))
        log.warning(
            "%s: no text layer on PDF page(s) %s (image-only or blank): not indexed, cannot be cited", path, shown
        )

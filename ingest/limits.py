"""Bounds on the work one file may cause, checked before the work starts.

A file that breaches one is skipped with a one-line reason giving its numbers and the setting to
raise; the rest of the corpus is indexed as usual. Each field is a setting (assistant.settings,
`MHQA_*`), converted there from the units a person types (MiB, KiB) to the bytes used here.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
KIB = 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 100 * MIB  # max_file_mb: the file on disk, checked with os.stat before reading
    max_sidecar_bytes: int = 64 * KIB  # max_sidecar_kb: a `<file>.meta.json`
    max_title_chars: int = 1000  # max_title_chars: a sidecar, PDF or HTML title (copied into every chunk)
    max_text_chars: int = 5_000_000  # max_text_chars: the text of one document, before cleaning
    # Decoded PDF content streams, the cost of text extraction (a small PDF can inflate to gigabytes).
    # The five PDFs of /work/shared/corpora have at most 0.46 MiB on a page and 3.3 MiB in all.
    max_pdf_page_bytes: int = 4 * MIB  # max_pdf_page_mb
    max_pdf_bytes: int = 64 * MIB  # max_pdf_mb
    max_texts: int = 50_000  # max_texts_per_file: chunks plus sentences of one file, each embedded once


def as_limits(limits: Limits | int) -> Limits:
    """`Limits`, or a bare byte count meaning the file-size limit with every other bound at its default."""
    return limits if isinstance(limits, Limits) else Limits(max_file_bytes=int(limits))


def over(what: str, value: float, limit: float, setting: str, unit: str = "") -> str:
    """The one-line reason of a breach: 'the title is 60,000 characters, over the limit of 1,000 characters
    (max_title_chars)'."""
    return f"{what} is {_number(value)}{unit}, over the limit of {_number(limit)}{unit} ({setting})"


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"

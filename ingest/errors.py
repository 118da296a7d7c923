"""The root of mhqa's one error family, and ingest's own errors: every message is one line a user can act on.

Each package keeps its errors beside it (`index.errors`, `assistant.errors`); all derive from `MhqaError`,
which the CLI prints as one line and the app shows as a message.
"""

from __future__ import annotations

from pathlib import Path


class MhqaError(Exception):
    """Base of every error mhqa raises on purpose; the CLI prints it as one line and exits non-zero."""


class IngestError(MhqaError):
    """A document could not be read: names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UploadError(MhqaError):
    """An uploaded file cannot go into the corpus (too big, empty, a name clash, cannot be written)."""


class QueryError(MhqaError):
    """A question or search query that is not text, empty or over a limit: says which and by how much."""

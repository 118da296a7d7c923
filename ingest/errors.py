"""The one error family of mhqa: every message is one line a user can act on."""

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


class IndexStoreError(MhqaError):
    """The index on disk is missing, damaged, locked or from other settings."""


class AnswerError(MhqaError):
    """A question could not be answered (bad input, generator failure that cannot fall back)."""

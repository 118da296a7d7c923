"""The index's errors (all `ingest.errors.MhqaError`, so the CLI prints them as one line)."""

from __future__ import annotations

from ingest.errors import MhqaError


class IndexStoreError(MhqaError):
    """The index on disk is missing, damaged, locked or from other settings."""


class EmbedderError(MhqaError):
    """The embedding model cannot be loaded (not installed, wrong checksum, not a model folder)."""


class RerankerError(MhqaError):
    """The configured cross-encoder cannot be loaded or run."""

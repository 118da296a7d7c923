"""`mhqa ask --server URL`: ask a running `mhqa serve` instead of loading the index and the model.

The app's `/ask` API returns the same JSON object as `mhqa ask --json` (`export.answer_to_dict`).
Gradio's HTTP API answers in two steps: a POST queues the call and returns an event id, a GET streams
the result as server-sent events ("event: complete" then "data: [result]"). Only the standard library
is used, so a call costs no import of gradio or of the model.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from assistant.errors import AnswerError

API = "/gradio_api/call/ask"
TIMEOUT_S = 120.0


def ask_server(url: str, question: str, timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """The served app's answer to `question` as the `--json` dict; AnswerError says what went wrong."""
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise AnswerError(f"--server {url!r}: give the app's address, e.g. http://127.0.0.1:7860")
    body = json.dumps({"data": [question]}).encode()
    request = urllib.request.Request(base + API, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            event_id = json.loads(resp.read())["event_id"]
        with urllib.request.urlopen(f"{base}{API}/{event_id}", timeout=timeout_s) as resp:
            stream = resp.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AnswerError(f"cannot reach mhqa serve at {base} ({reason}); is it running?") from exc
    except (ValueError, KeyError) as exc:
        raise AnswerError(f"{base} is not an mhqa app (no /ask API)") from exc
    return parse_events(stream, base)


def parse_events(stream: str, base: str) -> dict[str, Any]:
    """The result of a Gradio server-sent event stream: the data of its "complete" event."""
    event = None
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            payload = line.partition(":")[2].strip()
            if event == "error":
                detail = json.loads(payload) if payload and payload != "null" else None
                raise AnswerError(f"{base} could not answer: {detail or 'the app reported an error'}")
            result = json.loads(payload)
            if isinstance(result, list) and result and isinstance(result[0], dict):
                return result[0]
    raise AnswerError(f"{base} sent no answer (unexpected reply from its /ask API)")

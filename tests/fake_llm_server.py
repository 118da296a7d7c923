"""A tiny OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, a random port, one thread.

It answers POST /v1/chat/completions with a scripted reply, as one JSON body or as server-sent events
(`stream: true`), or misbehaves on request (HTTP 500, malformed JSON, a slow reply, a stream cut short),
and records every request body so tests can inspect exactly what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    reply: str = "The chair is Munir Merali [1]."
    behaviour: str = "ok"  # ok | http500 | malformed | slow | cut_stream
    delay_s: float = 0.0
    chunk_size: int = 7  # characters per streamed delta
    # The first token's alternatives ({"token", "logprob"}), sent when the request asks for `logprobs`.
    top_logprobs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


class FakeLLMServer:
    """Start with `with FakeLLMServer() as server:`; `server.base_url` goes into Settings."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        handler = _make_handler(self.script)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            script.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if self.path != "/v1/chat/completions":
                return self._send(404, b'{"error": "not found"}', "application/json")
            if script.behaviour == "http500":
                return self._send(500, b'{"error": "boom"}', "application/json")
            if script.behaviour == "slow":
                time.sleep(script.delay_s)
            if script.behaviour == "malformed":
                return self._send(200, b'{"choices": [{"mess', "application/json")
            if body.get("stream"):
                return self._stream()
            choice: dict[str, Any] = {
                "index": 0,
                "message": {"role": "assistant", "content": script.reply},
                "finish_reason": "stop",
            }
            if body.get("logprobs") and script.top_logprobs:
                first = script.top_logprobs[0]
                choice["logprobs"] = {"content": [{**first, "top_logprobs": script.top_logprobs}]}
            reply = {"id": "x", "object": "chat.completion", "model": body.get("model"), "choices": [choice]}
            return self._send(200, json.dumps(reply).encode(), "application/json")

        def _send(self, status: int, data: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            text = script.reply
            pieces = [text[i : i + script.chunk_size] for i in range(0, len(text), script.chunk_size)]
            self.wfile.write(b": keep-alive\n\n")
            for i, piece in enumerate(pieces):
                if script.behaviour == "cut_stream" and i == len(pieces) // 2:
                    self.wfile.flush()
                    self.close_connection = True
                    return
                event = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler

"""Serve a local GGUF chat model on loopback with llama.cpp's OpenAI-compatible server.

For the optional answer check (`MHQA_JUDGE=openai`) or generator (`MHQA_GENERATOR=openai`) on a machine
without Ollama or llama-server: `pip install -e '.[local-llm]'`, then

    python scripts/serve_gguf.py MODEL.gguf --port 8080

and point MHQA_OPENAI_BASE_URL at http://127.0.0.1:8080/v1. The model is yours to choose and license
(README, "The answer check"); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="the .gguf file")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--context", type=int, default=4096, help="context length in tokens (default 4096)")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.error(f"{args.model}: no such file")
    try:
        import xllamacpp
    except ImportError:
        parser.error("xllamacpp is not installed: pip install -e '.[local-llm]'")
    params = xllamacpp.CommonParams()
    params.model.path = str(args.model)
    params.n_ctx = args.context
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    server = xllamacpp.Server(params)
    print(f"serving {args.model.name} at http://127.0.0.1:{args.port}/v1 (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        del server
    return 0


if __name__ == "__main__":
    sys.exit(main())

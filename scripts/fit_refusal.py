"""Print the refusal features of every labelled question and fit the constants of `REFUSAL_MODEL`.

    .venv/bin/python scripts/fit_refusal.py [--index-dir DIR] [--questions eval/questions.jsonl]

Builds (or updates) the index of ./corpus in DIR (default .mhqa/fit-index), runs the same retrieval as
`answer_question` for each question, prints one row of features per question, then fits an L2-regularised
logistic regression (answerable = 1, off-topic = 0; off-topic rows weighted so that both classes count
equally) and prints the constants to paste into assistant/refusal.py, with the resulting refusals.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.answer import resolve_query, retrieve  # noqa: E402
from assistant.refusal import REFUSAL_MODEL, RefusalModel, answer_probability, refusal_features  # noqa: E402

L2 = 0.01
OFF_WEIGHT = 1.0


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, steps: int = 30000, lr: float = 1.0) -> np.ndarray:
    """Weighted logistic regression by gradient descent; returns [bias, w1, w2, ...]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    theta = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ theta))
        grad = xb.T @ (w * (p - y)) / w.sum() + L2 * np.r_[0, theta[1:]]
        theta -= lr * grad
    return theta


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".mhqa" / "fit-index")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--off-weight", type=float, default=OFF_WEIGHT,
                        help="extra weight of off-topic rows after balancing: an answered off-topic question "
                        "costs more than a false refusal")
    args = parser.parse_args()

    from index.build import update_index
    from index.search import Searcher

    update_index(ROOT / "corpus", args.index_dir, "minilm", progress=False)
    searcher = Searcher.open(args.index_dir)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    feats, labels = [], []
    print(f"{'id':32} {'lang':4} {'ans':3} {'cos':>6} {'overlap':>7} {'agree':>6} {'margin':>6} "
          f"{'terms':>5} {'p_now':>6}")
    for row in rows:
        query = resolve_query(row["q"])
        f = refusal_features(query, retrieve(searcher, query, k=args.k))
        feats.append([f.cosine, f.overlap, f.agreement, f.margin])
        labels.append(1.0 if row["answerable"] else 0.0)
        print(f"{row['id'][:32]:32} {row['lang']:4} {int(row['answerable']):3} {f.cosine:6.3f} "
              f"{f.overlap:7.3f} "
              f"{f.agreement:6.3f} {f.margin:6.3f} {f.n_terms:5d} {answer_probability(f):6.3f}")
    x, y = np.array(feats), np.array(labels)
    balance = (y == 1).sum() / max(1, (y == 0).sum())
    w = np.where(y == 1, 1.0, balance * args.off_weight)
    theta = fit(x, y, w)
    model = RefusalModel(*(round(float(t), 2) for t in theta))
    print(f"\nfitted: {model}\nin use: {REFUSAL_MODEL}")
    for name, m in (("fitted", model), ("in use", REFUSAL_MODEL)):
        p = 1 / (1 + np.exp(-(m.bias + x @ np.array([m.w_cosine, m.w_overlap, m.w_agreement, m.w_margin]))))
        false_refusals = [r["id"] for r, pi, yi in zip(rows, p, y, strict=True) if yi == 1 and pi < 0.5]
        answered_off = [r["id"] for r, pi, yi in zip(rows, p, y, strict=True) if yi == 0 and pi >= 0.5]
        print(f"{name}: false refusals {len(false_refusals)}/{int(y.sum())} {false_refusals}; "
              f"off-topic answered {len(answered_off)}/{int((y == 0).sum())} {answered_off}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

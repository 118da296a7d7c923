"""The index's chance level: measured from the background at build time, kept in the manifest, and the
point the refusal check's cosines are measured from."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.refusal import RefusalFeatures, RefusalModel, index_baseline
from index.calibration import Calibration, best_cosines, calibrate
from index.manifest import SCHEMA_VERSION, Manifest, manifest_from_json, manifest_to_json


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.array(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_chance_level_is_the_mean_best_cosine_of_the_background_to_the_indexed_sentences() -> None:
    background = _unit([[1, 0, 0], [0, 1, 0]])
    sentences = _unit([[1, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert best_cosines(background, sentences) == pytest.approx([1.0, 2**-0.5])
    c = calibrate(background, sentences)
    assert c is not None
    assert c.null_cosine == pytest.approx((1 + 2**-0.5) / 2, abs=1e-4)
    assert (c.n_background, c.n_sentences) == (2, 3)
    assert calibrate(None, sentences) is None and calibrate(background, sentences[:0]) is None


def test_a_broader_corpus_raises_the_chance_level() -> None:
    rng = np.random.default_rng(0)
    background = _unit(rng.normal(size=(20, 16)).tolist())
    small = _unit(rng.normal(size=(10, 16)).tolist())
    large = np.vstack([small, _unit(rng.normal(size=(500, 16)).tolist())])
    low, high = calibrate(background, small), calibrate(background, large)
    assert low is not None and high is not None and high.null_cosine > low.null_cosine


def test_the_manifest_keeps_the_calibration() -> None:
    c = Calibration(null_cosine=0.21, null_spread=0.05, n_background=80, n_sentences=900)
    m = Manifest(SCHEMA_VERSION, "minilm", 384, "7", "flat", "", 0, 0, (), calibration=c)
    assert manifest_from_json(manifest_to_json(m)).calibration == c
    data = manifest_to_json(replace(m, calibration=None))
    assert manifest_from_json(data).calibration is None
    del data["calibration"]  # a manifest written before it was recorded
    assert manifest_from_json(data).calibration is None


FEATURES = RefusalFeatures(cosine=0.5, overlap=0.5, agreement=0.5, margin=0.05, n_terms=3, background=0.3)
RELATIVE = RefusalModel(bias=-1.0, w_cosine=2.0, w_overlap=1.0, w_agreement=0.0, w_margin=1.0, w_contrast=4.0)


def test_cosines_are_measured_from_the_index_chance_level_when_the_model_was_fitted_so() -> None:
    model = replace(RELATIVE, fit_baseline=0.2)
    at_fit = model.probability(replace(FEATURES, baseline=0.2))
    # An index where off-topic text comes closer: the same cosines mean less.
    assert model.probability(replace(FEATURES, baseline=0.3)) < at_fit
    # No level recorded (an older index): the fitted index's level stands in.
    assert model.probability(FEATURES) == pytest.approx(at_fit)
    assert model.inputs(replace(FEATURES, baseline=0.3))[0] == pytest.approx(0.2)


def test_a_model_fitted_on_raw_cosines_ignores_the_chance_level() -> None:
    assert RELATIVE.probability(replace(FEATURES, baseline=0.3)) == RELATIVE.probability(FEATURES)


def test_the_baseline_comes_from_a_retriever_that_records_one() -> None:
    class Recorded:
        def calibration(self) -> Calibration:
            return Calibration(0.25, 0.1, 80, 10)

    assert index_baseline(Recorded()) == 0.25
    assert index_baseline(object()) is None

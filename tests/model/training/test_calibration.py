"""Temperature scaling and expected calibration error (model/training/calibration.py)."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.model.training import calibration as cal


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def overconfident():
    """Labels drawn from softmax(z); the network answers softmax(2 z): too sure, T = 2."""
    rng = np.random.default_rng(0)
    z = rng.normal(0, 1.5, (20_000, 26))
    truth = _softmax(z)
    labels = (truth.cumsum(axis=1) < rng.random((len(z), 1))).sum(axis=1).clip(0, 25)
    return _softmax(2 * z), labels


def test_fitted_temperature_undoes_a_known_overconfidence(overconfident):
    probs, labels = overconfident
    temperature = cal.fit_temperature(probs, labels)
    assert temperature == pytest.approx(2.0, rel=0.08)
    scaled = cal.apply_temperature(probs, temperature)
    assert np.array_equal(scaled.argmax(1), probs.argmax(1))  # same answers
    assert cal.negative_log_likelihood(scaled, labels) < cal.negative_log_likelihood(probs, labels)
    before = cal.expected_calibration_error(probs, labels)
    after = cal.expected_calibration_error(scaled, labels)
    assert before > 0.1 and after < 0.03


def test_ece_of_known_cases():
    labels = np.array([0, 0, 1, 1])
    sure_right = np.eye(26)[labels]
    assert cal.expected_calibration_error(sure_right, labels) == 0.0
    wrong = np.eye(26)[[1, 1, 0, 0]]
    assert cal.expected_calibration_error(wrong, labels) == 1.0
    half = np.full((4, 26), 0.5 / 25)
    half[:, 0] = 0.5  # 50 % sure of class 0, right half the time: calibrated
    assert cal.expected_calibration_error(half, labels) == pytest.approx(0.0, abs=1e-6)


def test_bad_temperature_and_inputs_are_refused():
    with pytest.raises(ValueError):
        cal.apply_temperature(np.full((1, 26), 1 / 26), 0.0)
    with pytest.raises(ValueError):
        cal.fit_temperature(np.full((2, 26), 1 / 26), np.array([1]))


def test_baked_temperature_gives_the_scaled_probabilities():
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26, activation="softmax")])
    x = np.random.default_rng(2).random((8, 28, 28, 1), dtype=np.float32)
    before = np.asarray(model(x))
    cal.bake_temperature(model, 0.7)
    assert np.allclose(np.asarray(model(x)), cal.apply_temperature(before, 0.7), atol=1e-5)
    with pytest.raises(ValueError, match="softmax"):
        cal.bake_temperature(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]), 2.0)

"""Honest confidences: expected calibration error and temperature scaling (numpy only).

A network trained with label smoothing answers a clean letter at 50-70 % although it is right
almost always. Temperature scaling divides the network's logits by one number ``T`` fitted on
held-out letters (never on the data it reports on); the ranking, hence every answer, stays
the same. For a network ending in Dense + softmax the temperature is baked into that layer
(kernel and bias divided by ``T``), so every engine that runs the saved file (the canvas's
tf.function, the NumPy engine, ``classify``) shows the calibrated probabilities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: importing this module loads no Keras
    import keras

ECE_BINS = 15
T_RANGE = (0.05, 20.0)


def _log_probs(probs: np.ndarray) -> np.ndarray:
    """Logits up to a per-row constant: ``log p`` (floored, so a zero does not give -inf)."""
    return np.log(np.clip(np.asarray(probs, np.float64), 1e-12, None))


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities of the same logits divided by ``temperature`` (rows sum to 1)."""
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    z = _log_probs(probs) / float(temperature)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def negative_log_likelihood(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean ``-log p(true class)``."""
    picked = np.asarray(probs, np.float64)[np.arange(len(labels)), np.asarray(labels)]
    return float(-np.log(np.clip(picked, 1e-12, None)).mean())


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of ``labels`` (golden section on
    ``log T`` over :data:`T_RANGE`; the likelihood is unimodal in it)."""
    labels = np.asarray(labels, np.int64)
    if len(labels) == 0 or len(labels) != len(probs):
        raise ValueError("fitting a temperature needs as many labels as rows of probabilities")
    z = _log_probs(probs)
    rows = np.arange(len(labels))

    def nll(log_t: float) -> float:
        scaled = z / np.exp(log_t)
        top = scaled.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(scaled - top).sum(axis=1)) + top[:, 0]
        return float((log_sum - scaled[rows, labels]).mean())

    low, high = np.log(T_RANGE[0]), np.log(T_RANGE[1])
    ratio = (np.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = nll(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = nll(b)
    return float(np.exp((low + high) / 2))


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """ECE: the gap between confidence and accuracy, averaged over ``bins`` equal-width bins
    of the top probability, weighted by how many answers fall in each bin."""
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels, np.int64)
    if not len(labels):
        return float("nan")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total / len(labels))


def bake_temperature(model: keras.Model, temperature: float) -> None:
    """Divide the last Dense layer's kernel and bias by ``temperature`` (in place).

    Raises:
        ValueError: the model does not end in a Dense layer with softmax.
    """
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    weights = last.get_weights()
    if activation != "softmax" or len(weights) not in (1, 2):
        raise ValueError("temperature scaling needs a network ending in Dense + softmax")
    last.set_weights([w / np.float32(temperature) for w in weights])


def calibration_report(probs: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    """ECE and mean confidence before and after ``temperature``, with accuracy (JSON-ready)."""
    scaled = apply_temperature(probs, temperature)
    return {"samples": int(len(labels)),
            "accuracy_pct": round(100 * float((probs.argmax(1) == labels).mean()), 2),
            "ece_before": round(expected_calibration_error(probs, labels), 4),
            "ece_after": round(expected_calibration_error(scaled, labels), 4),
            "mean_confidence_before": round(float(probs.max(1).mean()), 4),
            "mean_confidence_after": round(float(scaled.max(1).mean()), 4)}

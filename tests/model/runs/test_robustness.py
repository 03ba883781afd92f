"""Robustness curves: exact whole-pixel shifts in 8 directions, turns and resizes about the
centre, and accuracies that follow what the classifier gets right."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.model.runs import robustness as rb
from cnn_studio.model.runs.real_set import LetterSet


def _dots(n: int) -> LetterSet:
    """Image i has one bright pixel on a row that tells its class (4..22: moved up or down by
    4 pixels, the dot stays inside the image)."""
    x = np.zeros((n, 28, 28, 1), np.float32)
    y = 4 + np.arange(n) % 19
    for i, label in enumerate(y):
        x[i, 1 + label, 14, 0] = 1.0
    return LetterSet(x, y, tuple("abcdefghijklmnopqrstuvwxyz"[c] for c in y))


def _by_row(batch: np.ndarray) -> np.ndarray:
    """Scores from the row of the brightest pixel: right only where the dot did not move down
    or up."""
    rows = batch[..., 0].max(axis=2).argmax(axis=1) - 1
    return np.eye(26)[np.clip(rows, 0, 25)]


def test_shifts_move_whole_pixels_in_every_direction():
    x = np.zeros((1, 28, 28, 1), np.float32)
    x[0, 10, 12, 0] = 1.0
    for dx, dy in rb.DIRECTIONS:
        moved = rb.shifted(x, 3 * dx, 3 * dy)
        assert moved[0, 10 + 3 * dy, 12 + 3 * dx, 0] == 1.0 and moved.sum() == 1.0
    assert rb.shifted(x, 28, 0).sum() == 0
    per_letter = rb.shifted_set(np.repeat(x, 8, axis=0), 2)
    assert [tuple(np.argwhere(image[..., 0])[0]) for image in per_letter] == [
        (10 + 2 * dy, 12 + 2 * dx) for dx, dy in rb.DIRECTIONS]


def test_turning_by_zero_and_scaling_by_one_change_nothing():
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(rb.transformed(x, rb.rotation_transform(0)), x, atol=1e-5)
    np.testing.assert_allclose(rb.transformed(x, rb.scale_transform(1.0)), x, atol=1e-5)
    dot = np.zeros((1, 28, 28, 1), np.float32)
    dot[0, 13:15, 20:22, 0] = 1.0  # right of the centre
    turned = rb.transformed(dot, rb.rotation_transform(90))[0, ..., 0]
    assert turned[:13].sum() > 3 and turned[15:].sum() < 0.1  # moved above the centre
    bigger = rb.transformed(dot, rb.scale_transform(1.4))[0, ..., 0]
    assert np.argwhere(bigger > 0.5)[:, 1].max() > 21  # moved away from the centre


def test_curves_follow_what_the_classifier_gets_right():
    letters = _dots(104)
    curves = rb.robustness_curves(_by_row, letters)
    assert [a for a, _ in curves["shift"]] == list(rb.SHIFTS)
    assert [a for a, _ in curves["rotation"]] == list(rb.ROTATIONS)
    assert [a for a, _ in curves["scale"]] == list(rb.SCALES)
    # a dot is read right unless it moved up or down: 2 of the 8 directions keep the row
    assert rb.accuracy_at(curves["shift"], 0) == 1.0
    assert rb.accuracy_at(curves["shift"], 4) == pytest.approx(2 / 8)
    assert rb.accuracy_at(curves["rotation"], 0) == 1.0
    assert rb.accuracy_at(curves["scale"], 1.0) == 1.0
    assert rb.accuracy_at(curves["shift"], 3.5) is None


def test_a_keras_model_classifies_in_batches():
    from support_training import tiny

    model = tiny()
    scores = rb.keras_classifier(model)(np.zeros((3, 28, 28, 1), np.float32))
    assert scores.shape == (3, 26)

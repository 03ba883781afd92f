"""Stroke-space variation of real letters: bounded, centred, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.model.ink import stroke_jitter as sj
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.synth.shape_stats import slant_degrees

BAR = [np.array([[100.0, 40.0], [100.0, 240.0]])]
A = [np.array([[50.0, 250.0], [140.0, 30.0], [230.0, 250.0]]),
     np.array([[90.0, 150.0], [190.0, 150.0]])]


def test_the_letter_stays_where_it_was_and_keeps_its_strokes():
    varied = sj.jitter(A, np.random.default_rng(3))
    assert [len(s) for s in varied] == [3, 2]
    before, after = np.concatenate(A).mean(axis=0), np.concatenate(varied).mean(axis=0)
    assert np.allclose(before, after)


def test_same_generator_state_same_copy_and_different_seeds_differ():
    first = sj.jitter(A, np.random.default_rng(7))
    second = sj.jitter(A, np.random.default_rng(7))
    other = sj.jitter(A, np.random.default_rng(8))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not np.allclose(first[0], other[0])


def test_the_slant_stays_within_a_writers_own_spread():
    rng = np.random.default_rng(0)
    slants = np.array([slant_degrees(sj.jitter(BAR, rng)) for _ in range(400)])
    # a vertical bar's slant is the slant of the map plus its turn
    limit = sj.LIMIT * (sj.SLANT_SD + sj.ROTATION_SD) + 0.5
    assert np.abs(slants).max() <= limit and 2.0 < slants.std() < 8.0
    assert abs(np.median(slants)) < 1.0  # no lean added on average


def test_a_positive_slant_leans_the_top_to_the_right(monkeypatch):
    draws = iter([1.0, 0.0, 0.0])  # slant +1 SD, no turn, no widening
    monkeypatch.setattr(sj, "_normal", lambda rng, sd: next(draws) * sd)
    (bar,) = sj.jitter(BAR, np.random.default_rng(0))
    top, bottom = bar[0], bar[1]  # y grows downwards
    assert top[0] > bottom[0]
    assert slant_degrees([bar]) == pytest.approx(sj.SLANT_SD, abs=0.01)


def test_the_varied_copy_is_still_a_drawable_letter():
    image = strokes_to_image(sj.jitter(A, np.random.default_rng(1)), (280.0, 280.0))
    plain = strokes_to_image(A, (280.0, 280.0))
    assert image.max() > 0.5 and not np.array_equal(image, plain)


def test_empty_and_dot_letters_pass_through():
    assert sj.jitter([], np.random.default_rng(0)) == []
    (dot,) = sj.jitter([np.array([[5.0, 5.0]])], np.random.default_rng(0))
    assert np.allclose(dot, [[5.0, 5.0]])

"""The synthetic letter generator: skeletons, fonts, determinism, parallelism, cancel."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.synth import generator as synth
from cnn_studio.model.synth.font_letters import glyph_table, handwriting_font_files
from cnn_studio.model.synth.pen_letters import (
    perturbed_strokes,
    smooth_curve,
    stroke_letter,
    with_lead_in,
)
from cnn_studio.model.synth.skeletons import LOWER, UPPER, WIDTH, all_skeletons, parse_path


def test_every_letter_has_skeletons_in_both_cases():
    table = all_skeletons()
    for letter in LETTERS:
        assert table[letter] and table[letter.lower()]
    assert len(UPPER["A"]) >= 2 and len(LOWER["a"]) >= 2 and len(LOWER["g"]) >= 2


def _median_aspect(char: str, seed: int) -> float:
    rng = np.random.default_rng(seed)
    aspects = []
    for _ in range(60):
        points = np.concatenate(perturbed_strokes(char, rng))
        width, height = np.ptp(points, axis=0)
        aspects.append(width / height)
    return float(np.median(aspects))


def test_letter_widths_name_real_letters_and_change_the_proportions(monkeypatch):
    assert set(WIDTH) <= set(UPPER) | set(LOWER)
    assert all(0.5 < factor < 1.5 for factor in WIDTH.values())
    wide, narrow = _median_aspect("a", 1), _median_aspect("H", 2)
    monkeypatch.setitem(WIDTH, "a", 1.0)
    monkeypatch.setitem(WIDTH, "H", 1.0)
    assert wide / _median_aspect("a", 1) == pytest.approx(1.25, rel=0.1)
    assert narrow / _median_aspect("H", 2) == pytest.approx(0.8, rel=0.1)


def test_parse_path_corners_and_dots():
    strokes = parse_path("0,0 10,10 / 20,0; 5,5")
    assert len(strokes) == 2
    first, second = strokes
    assert [len(s) for s in first] == [2, 2]
    np.testing.assert_array_equal(first[0][-1], first[1][0])
    assert second[0].shape == (1, 2)


def test_smooth_curve_passes_through_its_points():
    points = np.array([[0.0, 0.0], [10.0, 5.0], [20.0, 0.0], [30.0, 8.0]])
    curve = smooth_curve(points, steps=5)
    for p in points:
        assert np.min(np.linalg.norm(curve - p, axis=1)) < 1e-9


def test_perturbation_changes_shape_but_stays_finite():
    rng = np.random.default_rng(0)
    a = perturbed_strokes("B", rng, variant=0)
    b = perturbed_strokes("B", rng, variant=0)
    assert all(np.isfinite(s).all() for s in a)
    assert not np.allclose(np.concatenate(a)[:5], np.concatenate(b)[:5])


def test_entry_stroke_only_where_the_letter_starts_straight_down():
    rng = np.random.default_rng(0)
    n_stem = smooth_curve(np.array([[0.0, 40.0], [0.0, 70.0], [0.0, 100.0]]))
    joined = with_lead_in(n_stem, rng)
    assert len(joined) > len(n_stem) and joined[0][1] > 80  # rises from near the baseline
    v_arm = smooth_curve(np.array([[0.0, 40.0], [22.0, 70.0], [45.0, 100.0]]))
    np.testing.assert_array_equal(with_lead_in(v_arm, rng), v_arm)  # no stem beside a v


@pytest.mark.parametrize("char", list("AgQmiz"))
def test_stroke_letters_are_normalised_images(char):
    image = stroke_letter(char, np.random.default_rng(1))
    assert image.shape == (28, 28) and 0.5 < image.max() <= 1.0
    ys, xs = np.mgrid[0:28, 0:28] + 0.5
    assert abs((image * xs).sum() / image.sum() - 14) < 1.0


def test_handwriting_fonts_are_found_and_render():
    files = handwriting_font_files()
    assert len(files) >= 7
    table = glyph_table()
    assert all(table.get(c) for c in "AZaz")
    assert any(hand for _, hand in table["a"]) and any(not hand for _, hand in table["a"])


def test_generation_is_deterministic_and_balanced():
    x1, y1, lower1 = synth.generate(60, seed=3, workers=1)
    x2, y2, lower2 = synth.generate(60, seed=3, workers=1)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert x1.dtype == np.uint8 and x1.shape == (60, 28, 28)
    assert np.bincount(y1, minlength=26).min() >= 2
    assert 0 < lower1.sum() < 60
    x3, _, _ = synth.generate(60, seed=4, workers=1)
    assert not np.array_equal(x1, x3)


def test_parallel_chunks_equal_serial(monkeypatch):
    monkeypatch.setattr(synth, "CHUNK", 20)
    progress = []
    serial = synth.generate(50, seed=5, workers=1)
    parallel = synth.generate(50, seed=5, workers=2, progress=lambda d, t: progress.append(d))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)
    assert progress[-1] == 50 and sorted(progress) == progress


def test_cancel_stops_generation():
    event = threading.Event()
    event.set()
    with pytest.raises(synth.GenerationCancelled):
        synth.generate(10, cancel=event, workers=1)


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 10, "font_share": 1.5},
                                    {"n": 10, "lower_share": -0.1}])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        synth.generate(**kwargs)


def test_font_only_and_stroke_only_sources():
    fonts, _, _ = synth.generate(26, seed=1, font_share=1.0, workers=1)
    pens, _, _ = synth.generate(26, seed=1, font_share=0.0, workers=1)
    assert fonts.max() > 200 and pens.max() > 200
    assert not np.array_equal(fonts, pens)

"""The one preprocessing path: strokes and bitmaps to the 28x28 normal form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from cnn_studio.model.ink.preprocess import PreprocessError, bitmap_to_image, strokes_to_image

YS, XS = np.mgrid[0:28, 0:28] + 0.5


def centre_of_mass(image):
    total = image.sum()
    return (image * XS).sum() / total, (image * YS).sum() / total


def ink_box(image, level=0.2):
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


LETTER_T = [np.array([[20.0, 30.0], [200.0, 30.0]]), np.array([[110.0, 30.0], [110.0, 250.0]])]


def test_output_type_range_and_empty_input():
    image = strokes_to_image(LETTER_T, (280, 280))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() == pytest.approx(1.0)
    assert not strokes_to_image([], (280, 280)).any()
    assert not strokes_to_image([np.zeros((0, 2))], (280, 280)).any()


def test_centre_of_mass_is_the_frame_centre_and_box_is_20():
    image = strokes_to_image(LETTER_T, (280, 280))
    cx, cy = centre_of_mass(image)
    assert abs(cx - 14) < 0.7 and abs(cy - 14) < 0.7
    height, width = ink_box(image)
    assert 18 <= height <= 21 and width < height


def test_only_shape_matters_not_position_or_scale():
    a = strokes_to_image(LETTER_T, (280, 280))
    moved = [s * 0.5 + 300 for s in LETTER_T]
    b = strokes_to_image(moved, (1000, 1000))
    assert np.abs(a - b).max() < 0.08


def test_pen_width_scales_ink_amount():
    thin = strokes_to_image(LETTER_T, (280, 280), pen=0.06).sum()
    thick = strokes_to_image(LETTER_T, (280, 280), pen=0.2).sum()
    assert thick > 1.8 * thin


def test_single_dot_and_tiny_scribble_do_not_blow_up():
    dot = strokes_to_image([np.array([[100.0, 100.0]])], (280, 280))
    assert 0 < (dot > 0.2).sum() < 20
    tiny = strokes_to_image([np.array([[100.0, 100.0], [100.5, 100.2]])], (280, 280))
    assert (tiny > 0.2).sum() < 20


def test_bad_canvas_and_points_raise():
    with pytest.raises(PreprocessError):
        strokes_to_image(LETTER_T, (0, 280))
    with pytest.raises(PreprocessError):
        strokes_to_image([np.array([[np.nan, 1.0]])], (280, 280))


def _drawn(size, dark_on_light):
    image = Image.new("L", size, 255 if dark_on_light else 0)
    draw = ImageDraw.Draw(image)
    w, h = size
    ink = 0 if dark_on_light else 255
    draw.line([(w * 0.2, h * 0.2), (w * 0.8, h * 0.2)], fill=ink, width=max(2, w // 14))
    draw.line([(w * 0.5, h * 0.2), (w * 0.5, h * 0.85)], fill=ink, width=max(2, w // 14))
    return image


@pytest.mark.parametrize("size", [(40, 40), (200, 120), (28, 28), (300, 500)])
def test_bitmap_polarity_is_detected_and_normal_form_matches(size):
    light = bitmap_to_image(_drawn(size, True))
    dark = bitmap_to_image(np.asarray(_drawn(size, False)))
    assert np.abs(light - dark).max() < 0.02
    cx, cy = centre_of_mass(light)
    assert abs(cx - 14) < 0.7 and abs(cy - 14) < 0.7
    assert max(ink_box(light)) in (19, 20, 21)


def test_bitmap_accepts_rgb_rgba_bool_and_float():
    base = np.asarray(_drawn((60, 60), True))
    ref = bitmap_to_image(base)
    rgb = np.stack([base] * 3, axis=-1)
    assert np.abs(bitmap_to_image(rgb) - ref).max() < 0.02
    rgba = Image.fromarray(rgb).convert("RGBA")
    assert np.abs(bitmap_to_image(rgba) - ref).max() < 0.02
    assert bitmap_to_image(base < 128).max() > 0.9
    assert np.abs(bitmap_to_image(base / 255.0) - ref).max() < 0.02


def test_bitmap_blank_and_bad_shapes():
    assert not bitmap_to_image(np.zeros((30, 30))).any()
    assert not bitmap_to_image(np.full((30, 30), 255, np.uint8)).any()
    with pytest.raises(PreprocessError):
        bitmap_to_image(np.zeros((2, 3, 4, 5)))
    with pytest.raises(PreprocessError):
        bitmap_to_image(np.full((5, 5), np.inf))


def test_strokes_and_their_own_bitmap_agree():
    image = strokes_to_image(LETTER_T, (280, 280))
    again = bitmap_to_image(1.0 - image)
    assert np.abs(again - image).mean() < 0.03


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)),
                         min_size=1, max_size=12), min_size=1, max_size=4))
def test_random_strokes_never_crash_and_stay_in_range(strokes):
    image = strokes_to_image([np.array(s) for s in strokes], (280, 280))
    assert image.shape == (28, 28)
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
    assert image.any()

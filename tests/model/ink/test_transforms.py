"""Shift, rotate and scale of a 28x28 drawing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_studio.model.ink.transforms import (
    TransformError,
    transform_image,
)


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28)).astype(np.float32)


def _shift_reference(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


@settings(max_examples=40, deadline=None)
@given(dx=st.integers(-28, 28), dy=st.integers(-28, 28))
def test_whole_pixel_shift_moves_every_pixel(dx, dy):
    image = _image(1)
    np.testing.assert_allclose(transform_image(image, dx=dx, dy=dy), _shift_reference(image, dx, dy),
                               atol=1e-6)


def test_half_pixel_shift_interpolates():
    image = np.zeros((28, 28), np.float32)
    image[10, 10] = 1.0
    moved = transform_image(image, dx=0.5, dy=0)
    assert moved[10, 10] == pytest.approx(0.5) and moved[10, 11] == pytest.approx(0.5)
    assert moved.sum() == pytest.approx(1.0)


def test_rotation_is_counter_clockwise_about_the_centre():
    image = _image(2)
    np.testing.assert_allclose(transform_image(image, angle=90), np.rot90(image), atol=1e-6)
    np.testing.assert_allclose(transform_image(image, angle=-90), np.rot90(image, -1), atol=1e-6)
    np.testing.assert_allclose(transform_image(image, angle=180), np.rot90(image, 2), atol=1e-6)
    np.testing.assert_allclose(transform_image(image, angle=360), image, atol=1e-5)


def test_scale_grows_and_shrinks_about_the_centre():
    image = np.zeros((28, 28), np.float32)
    image[12:16, 12:16] = 1.0  # a 4x4 square in the middle
    bigger = transform_image(image, scale=2.0)
    assert bigger[11:17, 11:17].min() > 0.99 and bigger[10:18, 10:18].min() > 0.5
    assert bigger[:9].max() == 0 and bigger.sum() == pytest.approx(image.sum() * 4, rel=0.05)
    smaller = transform_image(image, scale=0.5)
    assert smaller.sum() == pytest.approx(image.sum() / 4, rel=0.05)
    assert smaller[13:15, 13:15].min() > 0.99


def test_combined_transform_and_identity():
    image = _image(3)
    same = transform_image(image)
    np.testing.assert_array_equal(same, image)
    assert same is not image
    combined = transform_image(image[:, :, None], dx=3, dy=-2, angle=90)
    np.testing.assert_allclose(combined, transform_image(transform_image(image, angle=90), dx=3, dy=-2), atol=1e-5)
    assert combined.shape == (28, 28) and combined.dtype == np.float32


@pytest.mark.parametrize("kwargs, message", [
    ({"dx": 100}, "horizontal shift"),
    ({"dy": float("nan")}, "vertical shift"),
    ({"angle": 1000}, "angle"),
    ({"scale": 0}, "scale"),
    ({"scale": "big"}, "number"),
])
def test_out_of_range_values_are_rejected(kwargs, message):
    with pytest.raises(TransformError, match=message):
        transform_image(_image(), **kwargs)


def test_bad_images_are_rejected():
    with pytest.raises(TransformError, match="2-D"):
        transform_image(np.zeros((2, 28, 28)))
    with pytest.raises(TransformError, match="NaN"):
        transform_image(np.full((28, 28), np.inf))

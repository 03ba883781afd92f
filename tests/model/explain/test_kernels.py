"""Hand-made kernels: preset values, resizing, and putting one into a network's first layer."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnn_studio.model.explain.kernels import (
    KERNEL_PRESETS,
    KernelError,
    fit_kernel,
    kernel_preset,
    set_first_layer_kernel,
)

TOL = {"rtol": 1e-5, "atol": 1e-5}


def _conv_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' own 'same' convolution of a 2-D image with a 2-D kernel."""
    out = keras.ops.conv(image[None, :, :, None].astype(np.float32),
                         kernel[:, :, None, None].astype(np.float32), padding="same")
    return np.asarray(out)[0, :, :, 0]


@pytest.mark.parametrize("name", KERNEL_PRESETS)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, (3, 5)])
def test_presets_have_the_requested_shape(name, size):
    kernel = kernel_preset(name, size)
    expected = (size, size) if isinstance(size, int) else size
    assert kernel.shape == expected and kernel.dtype == np.float32
    assert np.all(np.isfinite(kernel))


def test_preset_values():
    np.testing.assert_array_equal(kernel_preset("sobel_x"),
                                  [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernel_preset("sobel_y"), kernel_preset("sobel_x").T)
    assert kernel_preset("laplacian").sum() == 0
    assert kernel_preset("sharpen").sum() == 1
    for size in (3, 5):
        assert kernel_preset("box_blur", size).sum() == pytest.approx(1)
        blur = kernel_preset("gaussian_blur", size)
        assert blur.sum() == pytest.approx(1)
        assert blur[size // 2, size // 2] == blur.max()
    # The default 3x3 Gaussian is close to the classic [1 2 1] x [1 2 1] / 16.
    classic = np.outer([1, 2, 1], [1, 2, 1]) / 16
    np.testing.assert_allclose(kernel_preset("gaussian_blur"), classic, atol=0.03)


def test_random_preset_is_seeded_and_uses_sigma():
    a = kernel_preset("random_normal", 5, seed=3)
    np.testing.assert_array_equal(a, kernel_preset("random_normal", 5, seed=3))
    assert not np.array_equal(a, kernel_preset("random_normal", 5, seed=4))
    wide = kernel_preset("random_normal", 15, sigma=2.0, seed=0)
    assert 1.6 < wide.std() < 2.4
    default = kernel_preset("random_normal", 15, seed=0)
    assert default.std() == pytest.approx(np.sqrt(2 / 225), rel=0.2)


@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_identity_kernel_returns_the_image_under_same_padding(size):
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    np.testing.assert_allclose(_conv_same(image, kernel_preset("identity", size)), image, **TOL)


def test_sobel_x_finds_vertical_edges_only():
    image = np.zeros((28, 28), np.float32)
    image[:, 14:] = 1.0  # dark left half, bright right half: one vertical edge
    response_x = _conv_same(image, kernel_preset("sobel_x"))
    response_y = _conv_same(image, kernel_preset("sobel_y"))
    assert response_x[5:23, 13:15].min() == 4.0  # both columns beside the edge see it
    assert np.abs(response_x[5:23, :12]).max() == 0
    assert np.abs(response_y[5:23]).max() == 0


def test_fit_kernel_pads_around_the_centre_and_shrinks_by_area():
    sobel = kernel_preset("sobel_x")
    padded = fit_kernel(sobel, 5)
    assert padded.shape == (5, 5)
    np.testing.assert_array_equal(padded[1:4, 1:4], sobel)
    assert np.abs(padded).sum() == np.abs(sobel).sum()
    assert fit_kernel(sobel, (3, 4))[:, :3].tolist() == sobel.tolist()
    shrunk = fit_kernel(kernel_preset("box_blur", 4), 2)
    np.testing.assert_allclose(shrunk, np.full((2, 2), 0.25), **TOL)
    small_sobel = fit_kernel(sobel, 2)
    assert small_sobel.shape == (2, 2)
    assert np.all(small_sobel[:, 0] < 0) and np.all(small_sobel[:, 1] > 0)


def test_bad_kernel_requests():
    with pytest.raises(KernelError, match="Unknown kernel preset"):
        kernel_preset("emboss")
    with pytest.raises(KernelError, match="size"):
        kernel_preset("identity", 0)
    with pytest.raises(KernelError, match="size"):
        kernel_preset("identity", 99)
    with pytest.raises(KernelError, match="sigma"):
        kernel_preset("random_normal", sigma=-1.0)
    with pytest.raises(KernelError, match="2-D"):
        fit_kernel(np.ones(3), 3)
    with pytest.raises(KernelError, match="finite"):
        fit_kernel([[np.nan]], 3)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    net = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="first"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(2, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(26, activation="softmax"),
    ])
    return net


def _drawing():
    image = np.zeros((28, 28), np.float32)
    image[6:22, 10:13] = 1.0
    image[6:9, 10:20] = 1.0
    return image


def test_set_kernel_on_a_copy_gives_the_filter_feature_map(model):
    before = [w.copy() for w in model.get_weights()]
    image = _drawing()
    sobel = kernel_preset("sobel_x")
    edit = set_first_layer_kernel(model, 1, sobel, image, bias=-0.5)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert edit.model is not model and edit.layer_name == "first"
    np.testing.assert_array_equal(edit.kernel[..., 0], sobel)
    assert edit.bias == -0.5
    want_pre = _conv_same(image, sobel) - 0.5
    np.testing.assert_allclose(edit.pre_activation, want_pre, **TOL)
    np.testing.assert_allclose(edit.feature_map, np.maximum(want_pre, 0), **TOL)
    # Other filters of the copy still hold the original weights.
    copy_kernel = edit.model.layers[0].kernel.numpy()
    np.testing.assert_array_equal(copy_kernel[..., 0], before[0][..., 0])


def test_set_kernel_in_place_and_resized(model):
    edit = set_first_layer_kernel(model, 2, kernel_preset("box_blur", 5), _drawing(),
                                  in_place=True)
    assert edit.model is model
    stored = model.layers[0].kernel.numpy()[..., 2]
    np.testing.assert_allclose(stored[..., 0], fit_kernel(kernel_preset("box_blur", 5), 3))


def test_set_kernel_errors(model):
    with pytest.raises(KernelError, match="Filter"):
        set_first_layer_kernel(model, 3, np.eye(3), _drawing())
    with pytest.raises(KernelError, match="bias"):
        set_first_layer_kernel(model, 0, np.eye(3), _drawing(), bias=float("inf"))
    with pytest.raises(KernelError, match="full kernel"):
        set_first_layer_kernel(model, 0, np.ones((3, 3, 2)), _drawing())
    dense_only = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                   keras.layers.Dense(26, activation="softmax")])
    with pytest.raises(KernelError, match="no conv2d"):
        set_first_layer_kernel(dense_only, 0, np.eye(3), _drawing())

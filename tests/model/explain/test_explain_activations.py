"""Explain mode's activation functions and comparisons against Keras's."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from support_explain_nets import (
    TOL,
    indices_of,
)

from cnn_studio.model import explain as ex


@pytest.mark.parametrize("name", ex.ACTIVATION_NAMES)
def test_activation_functions_are_keras_layers(name):
    x = np.linspace(-6, 6, 97, dtype=np.float32)
    want = keras.layers.Activation(name)(x[None]).numpy()[0]
    np.testing.assert_allclose(ex.apply_activation(name, x), want, **TOL)
    curve = ex.activation_curve(name, -3, 3, 13)
    np.testing.assert_allclose(curve.y, ex.apply_activation(name, curve.x))
    assert curve.x[0] == -3 and curve.x[-1] == 3


def test_activation_known_values():
    x = np.array([-1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(ex.apply_activation("relu", x), [0, 0, 1])
    np.testing.assert_allclose(ex.apply_activation("leaky_relu", x), [-0.2, 0, 1], **TOL)
    np.testing.assert_allclose(ex.apply_activation("elu", x), [math.exp(-1) - 1, 0, 1], **TOL)
    gelu_one = 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    np.testing.assert_allclose(ex.apply_activation("gelu", x), [-(1 - gelu_one), 0, gelu_one],
                               **TOL)
    with pytest.raises(ex.ExplainError):
        ex.apply_activation("swishy", x)
    with pytest.raises(ex.ExplainError):
        ex.activation_curve("relu", 2, 1)


def test_activation_comparison_matches_layer(cases):
    for model, image, reference in cases:
        for index in indices_of(model, "conv2d") + indices_of(model, "activation"):
            comparison = ex.activation_comparison(model, image, index, channel=0)
            want = reference[index][..., 0]
            np.testing.assert_allclose(comparison.model_output, want, **TOL)
            np.testing.assert_allclose(comparison.after[comparison.actual], want, **TOL)
            assert set(comparison.after) == set(ex.ACTIVATION_NAMES)

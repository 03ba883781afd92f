"""Explain mode's dense neurons, softmax and cross-entropy against Keras."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from support_explain_nets import (
    TOL,
    indices_of,
    random_image,
)

from cnn_studio.model import explain as ex


def test_dense_neuron_equals_layer_output(cases):
    rng = np.random.default_rng(5)
    for model, image, reference in cases:
        result = ex.layer_activations(model, image)
        for index in indices_of(model, "dense"):
            units = reference[index].shape[0]
            unit = int(rng.integers(units))
            neuron = ex.dense_neuron(model, image, index, unit, top_k=5)
            np.testing.assert_allclose(neuron.value, reference[index][unit], **TOL)
            np.testing.assert_allclose(neuron.total + neuron.bias, neuron.pre_activation)
            magnitudes = [abs(c.product) for c in neuron.top]
            assert magnitudes == sorted(magnitudes, reverse=True)
            assert magnitudes[0] == pytest.approx(np.abs(neuron.products).max())
            source = index - 1
            while ex.layer_kind(model.layers[source]) in ("dropout", "activation", "batchnorm"):
                source -= 1
            from_flatten = ex.layer_kind(model.layers[source]) == "flatten"
            for contribution in neuron.top:
                if from_flatten:
                    value = result.input_of(source)[contribution.position]
                    assert value == pytest.approx(contribution.input)
                else:
                    assert contribution.position is None


def test_softmax_and_cross_entropy_match_keras(cases):
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for n, (model, image, reference) in enumerate(cases):
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n * 3 % 26]
        info = ex.softmax_loss(model, image, letter.lower())
        np.testing.assert_allclose(info.probabilities, reference[-1], **TOL)
        np.testing.assert_allclose(info.exp / info.exp_sum, info.probabilities)
        # The logits are what a linear copy of the last layer outputs.
        last = model.layers[-1]
        linear = keras.layers.Dense.from_config({**last.get_config(), "activation": "linear"})
        linear.build((None, reference[-2].shape[-1]))
        linear.set_weights(last.get_weights())
        np.testing.assert_allclose(info.logits, linear(reference[-2][None]).numpy()[0], **TOL)
        # Keras takes the loss from the logits behind a softmax output (as in training).
        output = model(image[None, :, :, None], training=False)
        want = float(loss_fn(np.array([n * 3 % 26]), output))
        assert info.true_class == n * 3 % 26
        assert info.loss == pytest.approx(want, rel=1e-5, abs=1e-5)
        assert info.loss == pytest.approx(-math.log(info.true_probability), rel=1e-6)
        assert info.predicted == int(np.argmax(reference[-1]))


def test_cross_entropy_clips_like_keras():
    probabilities = np.zeros(26, np.float32)
    probabilities[0] = 1.0
    want = float(keras.losses.SparseCategoricalCrossentropy()(np.array([3]),
                                                               probabilities[None]))
    assert ex.cross_entropy(probabilities, 3) == pytest.approx(want, rel=1e-5)
    assert ex.cross_entropy(probabilities, 3) > 15


def test_softmax_needs_a_softmax_end():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26)])
    with pytest.raises(ex.ExplainError, match="softmax"):
        ex.softmax_loss(model, np.zeros((28, 28)))
    activation_end = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                       keras.layers.Dense(26), keras.layers.Activation("softmax")])
    info = ex.softmax_loss(activation_end, random_image(0), 0)
    np.testing.assert_allclose(info.probabilities, info.model_probabilities, **TOL)

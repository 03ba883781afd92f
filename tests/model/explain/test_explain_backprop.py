"""Explain mode's one backpropagation step against a GradientTape."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support_explain_nets import (
    TOL,
    indices_of,
    random_image,
    random_model,
)

from cnn_studio.model import explain as ex


def _weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("scope", ex.SCOPES)
def test_backprop_step_gradient_and_update(cases, scope):
    model, image, _ = cases[1]
    index = indices_of(model, "conv2d")[0]
    before = [w.copy() for w in model.get_weights()]
    step = ex.backprop_step(model, image, "K", index, unit=0, learning_rate=1e-3, scope=scope)
    assert _weights_equal(before, model.get_weights())  # the real model is untouched
    layer = model.layers[index]
    x = tf.constant(image[None, :, :, None])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        loss = loss_fn(np.array([10]), model(x, training=False))
    (gradient,) = tape.gradient(loss, [layer.kernel])
    np.testing.assert_allclose(step.gradient, np.asarray(gradient)[..., 0], **TOL)
    np.testing.assert_allclose(step.updated, step.kernel - 1e-3 * step.gradient, **TOL)
    assert step.loss_before == pytest.approx(float(loss), rel=1e-5)
    # First order: one small step lowers the loss by about lr * |g|^2.
    squared = sum(float((g ** 2).sum()) for _, g in step.updates)
    assert squared > 0
    predicted = step.loss_before - 1e-3 * squared
    assert step.loss_after < step.loss_before
    assert step.loss_after == pytest.approx(predicted, abs=0.2 * 1e-3 * squared + 1e-6)


def test_apply_backprop_step_changes_only_the_chosen_filter():
    model = random_model(11)
    image = random_image(11)
    index = indices_of(model, "conv2d")[0]
    layer = model.layers[index]
    kernel_before = layer.kernel.numpy().copy()
    step = ex.backprop_step(model, image, 2, index, unit=0, learning_rate=0.5)
    ex.apply_backprop_step(model, step)
    kernel_after = layer.kernel.numpy()
    np.testing.assert_allclose(kernel_after[..., 0], step.updated, **TOL)
    np.testing.assert_array_equal(kernel_after[..., 1:], kernel_before[..., 1:])
    after = ex.softmax_loss(model, image, 2).loss
    assert after == pytest.approx(step.loss_after, rel=1e-4)
    other = random_model(12)
    if [w.shape for w in other.trainable_weights] != [w.shape for w in model.trainable_weights]:
        with pytest.raises(ex.ExplainError):
            ex.apply_backprop_step(other, step)


def test_backprop_on_dense_layer(cases):
    model, image, _ = cases[2]
    index = len(model.layers) - 1
    step = ex.backprop_step(model, image, 0, index, unit=0, learning_rate=0.01)
    assert step.gradient.shape == (model.layers[index].kernel.shape[0],)
    if step.bias is not None:
        # d loss / d bias of output unit 0 is p0 - 1 for the true class 0.
        p0 = ex.softmax_loss(model, image).probabilities[0]
        assert step.bias_gradient == pytest.approx(p0 - 1, abs=1e-5)


def test_backprop_step_refuses_a_functional_model_with_a_message():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(2, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(26, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    with pytest.raises(ex.ExplainError, match="needs a Sequential network"):
        ex.backprop_step(model, np.zeros((28, 28), np.float32), 0, 1)

"""Explain mode's saliency and Grad-CAM heat maps against a GradientTape."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support_explain_nets import (
    TOL,
    random_image,
)

from cnn_studio.model import explain as ex


def test_saliency_matches_tape(cases):
    model, image, _ = cases[3]
    heat = ex.saliency_map(model, image, "B")
    x = tf.constant(image[None, :, :, None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        p = model(x, training=False)[0, 1]
    raw = np.abs(np.asarray(tape.gradient(p, x))[0, :, :, 0])
    np.testing.assert_allclose(heat.raw, raw, **TOL)
    np.testing.assert_allclose(heat.values, raw / raw.max(), **TOL)
    assert heat.values.shape == (28, 28) and heat.values.max() == pytest.approx(1.0)
    assert heat.class_index == 1


def test_grad_cam_matches_reference(cases):
    for model, image, _ in cases[:4]:
        heat = ex.grad_cam(model, image)
        index = ex.last_conv_index(model)
        conv = model.layers[index]
        head = keras.Model(model.inputs[0], conv.output)
        tail = keras.Sequential([keras.Input(conv.output.shape[1:]),
                                 *model.layers[index + 1:-1]])
        last = model.layers[-1]
        maps = head(image[None, :, :, None], training=False)
        with tf.GradientTape() as tape:
            tape.watch(maps)
            hidden = tail(maps, training=False)
            logits = tf.matmul(hidden, last.kernel) + last.bias
            score = logits[0, heat.class_index]
        grads = np.asarray(tape.gradient(score, maps))[0]
        cam = np.maximum((np.asarray(maps)[0] * grads.mean(axis=(0, 1))).sum(-1), 0)
        np.testing.assert_allclose(heat.raw, cam, rtol=1e-4, atol=1e-5)
        assert heat.method == "grad_cam" and heat.layer_name == conv.name
        assert heat.values.shape == (28, 28)
        assert 0 <= heat.values.min() and heat.values.max() <= 1
        probs = np.asarray(model(image[None, :, :, None]))[0]
        assert heat.class_index == int(np.argmax(probs))


def test_grad_cam_lands_on_receptive_field_centres():
    # Valid 5x5 conv: cell (r, c) is centred on drawing pixel (r + 2, c + 2).
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 5),
                              keras.layers.Flatten(), keras.layers.Dense(26, activation="softmax")])
    heat = ex.grad_cam(model, random_image(5), target="Q")
    if heat.raw.max() > 0:
        np.testing.assert_allclose(heat.values[2:26, 2:26], heat.raw / heat.raw.max(), **TOL)


def test_grad_cam_falls_back_to_saliency_without_conv():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26, activation="softmax")])
    heat = ex.grad_cam(model, random_image(1), target=4)
    assert heat.method == "saliency" and heat.note
    assert heat.values.shape == (28, 28)

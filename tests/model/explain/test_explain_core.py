"""Explain mode's trace, receptive fields and checks against Keras, on random small networks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support_explain_nets import (
    TOL,
    indices_of,
    probe_cells,
    random_image,
    reference_outputs,
)

from cnn_studio.model import explain as ex


def test_trace_matches_keras(cases):
    for model, image, reference in cases:
        result = ex.layer_activations(model, image)
        assert result.names == [layer.name for layer in model.layers]
        for got, want in zip(result.outputs, reference, strict=True):
            np.testing.assert_allclose(got, want, **TOL)


def test_random_models_cover_the_layer_zoo(cases):
    kinds = {ex.layer_kind(layer) for model, _, _ in cases for layer in model.layers}
    assert {"conv2d", "maxpool2d", "avgpool2d", "sumpool2d", "dense", "flatten"} <= kinds
    paddings = {layer.padding for model, _, _ in cases for layer in model.layers
                if hasattr(layer, "padding")}
    assert paddings == {"valid", "same"}


def _geometry_twin(model):
    """Same windows, but all-ones kernels, linear, average pooling: gradients mark the field."""
    twin = keras.Sequential([keras.Input((28, 28, 1))])
    for layer in model.layers:
        kind = ex.layer_kind(layer)
        if kind == "conv2d":
            twin.add(keras.layers.Conv2D(
                layer.filters, layer.kernel_size, strides=layer.strides, padding=layer.padding,
                dilation_rate=layer.dilation_rate, kernel_initializer="ones", use_bias=False))
        elif kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
            twin.add(keras.layers.AveragePooling2D(layer.pool_size, layer.strides,
                                                   layer.padding))
        elif kind in ("flatten", "globalavgpool2d"):
            break
    return twin


def test_receptive_field_is_where_the_gradient_is_nonzero(cases):
    rng = np.random.default_rng(2)
    for model, _, _ in cases:
        twin = _geometry_twin(model)
        spatial = [i for i, layer in enumerate(model.layers)
                   if ex.layer_kind(layer) in ("conv2d", "maxpool2d", "avgpool2d", "sumpool2d")]
        x = tf.ones((1, 28, 28, 1))
        for index in spatial:
            twin_index = sum(1 for i in spatial if i <= index) - 1
            head = keras.Sequential(twin.layers[: twin_index + 1])
            geometry = ex.window_geometry(model, index)
            for row, col in probe_cells(geometry, rng, count=2):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    value = head(x)[0, row, col, 0]
                support = np.argwhere(np.asarray(tape.gradient(value, x))[0, :, :, 0] != 0)
                box = ex.receptive_field(model, index, row, col)
                assert (box.top, box.left) == tuple(support.min(axis=0))
                assert (box.bottom, box.right) == tuple(support.max(axis=0) + 1)


def test_preset_networks_can_be_explained():
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.spec.presets import get_preset

    image = random_image(7)
    for name in ("classic", "lenet5", "tiny", "dense"):
        model = build_model(get_preset(name), seed=1)
        reference = reference_outputs(model, image)
        for index, layer in enumerate(model.layers):
            kind = ex.layer_kind(layer)
            if kind == "conv2d":
                dp = ex.conv_dot_product(model, image, layer.name, 0, 0, 0)
                assert dp.value == pytest.approx(reference[index][0, 0, 0], rel=1e-5, abs=1e-5)
            elif kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
                cell = ex.pool_cell(model, image, index, 1, 1, 0)
                assert cell.result == pytest.approx(reference[index][1, 1, 0], rel=1e-5,
                                                    abs=1e-5)
            elif kind == "dense":
                neuron = ex.dense_neuron(model, image, index, 0)
                assert neuron.value == pytest.approx(reference[index][0], rel=1e-5, abs=1e-5)
        info = ex.softmax_loss(model, image, "A")
        np.testing.assert_allclose(info.probabilities, reference[-1], **TOL)


def test_bad_requests_raise_clear_errors(cases):
    model, image, _ = cases[0]
    conv = indices_of(model, "conv2d")[0]
    flatten = next(i for i, layer in enumerate(model.layers)
                   if ex.layer_kind(layer) in ("flatten", "globalavgpool2d"))
    with pytest.raises(ex.ExplainError, match="out of range"):
        ex.conv_dot_product(model, image, conv, 999, 0)
    with pytest.raises(ex.ExplainError, match="conv2d"):
        ex.conv_dot_product(model, image, flatten, 0, 0)
    with pytest.raises(ex.ExplainError, match="no layer named"):
        ex.conv_dot_product(model, image, "nope", 0, 0)
    with pytest.raises(ex.ExplainError, match="out of range"):
        ex.dense_neuron(model, image, len(model.layers) - 1, 26)
    with pytest.raises(ex.ExplainError, match="pooling"):
        ex.pool_cell(model, image, conv, 0, 0)
    with pytest.raises(ex.ExplainError, match="window"):
        ex.sliding_plan(model, flatten)
    with pytest.raises(ex.ExplainError, match="shape"):
        ex.conv_dot_product(model, np.zeros((3, 28, 28)), conv, 0, 0)
    with pytest.raises(ex.ExplainError, match="letter"):
        ex.softmax_loss(model, image, "?")
    with pytest.raises(ex.ExplainError, match="learning rate"):
        ex.backprop_step(model, image, 0, conv, learning_rate=0)
    with pytest.raises(ex.ExplainError, match="NaN"):
        ex.layer_activations(model, np.full((28, 28), np.nan))

"""Explain mode's convolution numbers (dot products, sliding, output sizes) against Keras."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from support_explain_nets import (
    TOL,
    assert_explains,
    indices_of,
    probed,
)

from cnn_studio.model import explain as ex


def test_conv_dot_product_equals_layer_output(cases):
    rng = np.random.default_rng(1)
    checked = 0
    for model, image, reference in cases:
        for index in indices_of(model, "conv2d"):
            for geometry, row, col, f, want in probed(model, reference, index, rng):
                dp = ex.conv_dot_product(model, image, index, row, col, f)
                assert_explains(dp.value, dp.model_value, want)
                np.testing.assert_allclose(dp.products, dp.patch * dp.kernel)
                np.testing.assert_allclose(dp.total + dp.bias, dp.pre_activation, **TOL)
                assert np.all(dp.patch[dp.padded] == 0)
                assert dp.kernel.shape == (*geometry.kernel, geometry.channels_in)
                checked += 1
    assert checked > 20


def test_sliding_plan_rebuilds_the_whole_pre_activation_map(cases):
    for model, image, _ in cases:
        result = ex.layer_activations(model, image)
        for index in indices_of(model, "conv2d"):
            plan = ex.sliding_plan(model, index)
            layer = model.layers[index]
            kernel = layer.kernel.numpy()
            geometry = plan.geometry
            assert len(plan) == geometry.output_size[0] * geometry.output_size[1]
            rebuilt = np.zeros((*geometry.output_size, geometry.channels_out))
            for out_row, out_col, top, left in plan.positions:
                box = plan.geometry.window(out_row, out_col)
                assert (box.top, box.left) == (top, left)
                patch, _ = ex.extract_patch(result.input_of(index), geometry, out_row, out_col)
                rebuilt[out_row, out_col] = np.einsum("ijc,ijcf->f", patch, kernel)
            if layer.use_bias:
                rebuilt += layer.bias.numpy()
            want = ex.pre_activation(model, image, index)
            np.testing.assert_allclose(rebuilt, want, **TOL)
            # The pre-activation itself is what the layer activates.
            np.testing.assert_allclose(np.asarray(layer.activation(tf.constant(want[None])))[0],
                                       result.outputs[index], **TOL)


def test_dot_product_image_box_matches_receptive_field(cases):
    model, image, _ = cases[0]
    index = indices_of(model, "conv2d")[-1]
    dp = ex.conv_dot_product(model, image, index, 0, 0)
    assert dp.image_box == ex.receptive_field(model, index, 0, 0)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 30), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       dilation=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]))
def test_output_size_formula_matches_keras(size, kernel, stride, dilation, padding):
    if dilation > 1 and stride > 1:
        return  # Keras forbids that combination
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding,
                                dilation_rate=dilation)
    span = (kernel - 1) * dilation + 1
    if padding == "valid" and span > size:
        return
    want = layer.compute_output_shape((1, size, size, 1))[1]
    before, after, out = ex.window_geometry.__globals__["same_or_valid_geometry"](
        "conv2d", padding, (size, size), (kernel, kernel), (stride, stride),
        (dilation, dilation))
    assert out[0] == want
    # The textbook formula with the effective padding gives the same size.
    assert (size + before[0] + after[0] - span) // stride + 1 == want
    if padding == "same":
        assert out[0] == math.ceil(size / stride)
        assert before[0] == max((want - 1) * stride + span - size, 0) // 2


def test_output_size_text_and_params(cases):
    for model, _, reference in cases:
        for index, layer in enumerate(model.layers):
            kind = ex.layer_kind(layer)
            if kind not in ("conv2d", "maxpool2d", "avgpool2d", "sumpool2d"):
                with pytest.raises(ex.ExplainError):
                    ex.output_size(model, index)
                continue
            info = ex.output_size(model, index)
            assert info.geometry.output_size == reference[index].shape[:2]
            assert info.params == layer.count_params()
            in_h, in_w = info.geometry.input_size
            n_in = in_h * in_w * info.geometry.channels_in
            assert info.dense_params == (n_in + 1) * reference[index].size
            assert f"= {reference[index].shape[0]}" in info.text
            if kind == "conv2d":
                assert f"{info.params:,}" in info.text


def test_output_size_worked_example():
    model = keras.Sequential([keras.Input((28, 28, 1)),
                              keras.layers.Conv2D(8, 3, strides=2, padding="same")])
    info = ex.output_size(model, 0)
    assert info.geometry.output_size == (14, 14)
    assert info.geometry.pad_before == (0, 0) and info.geometry.pad_after == (1, 1)
    assert info.params == (3 * 3 * 1 + 1) * 8
    assert info.dense_params == (784 + 1) * 14 * 14 * 8
    assert "ceil(28 / 2) = 14" in info.text

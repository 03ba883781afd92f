"""Explain mode's numbers against what Keras/TensorFlow compute, on random small networks."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_studio.model import explain as ex
from cnn_studio.model.nets.keras_build import SumPooling2D

TOL = {"rtol": 1e-5, "atol": 1e-5}
CONV_ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "elu", "gelu", "leaky_relu"]
N_MODELS = 8


def _conv(rng, size):
    kernel = int(rng.integers(1, min(5, size) + 1))
    stride = int(rng.integers(1, 4))
    dilation = 2 if stride == 1 and kernel > 1 and rng.random() < 0.25 else 1
    padding = str(rng.choice(["valid", "same"]))
    if dilation == 2 and (kernel - 1) * 2 + 1 > size:
        dilation = 1
    return keras.layers.Conv2D(
        int(rng.integers(1, 5)), (kernel, int(rng.integers(1, min(5, size) + 1))),
        strides=stride, padding=padding, dilation_rate=dilation,
        activation=str(rng.choice(CONV_ACTIVATIONS)), use_bias=bool(rng.random() < 0.8))


def _pool(rng, size):
    pool = int(rng.integers(2, min(3, size) + 1))
    stride = int(rng.integers(1, pool + 1))
    padding = str(rng.choice(["valid", "same"]))
    cls = [keras.layers.MaxPooling2D, keras.layers.AveragePooling2D, SumPooling2D][
        int(rng.integers(0, 3))]
    return cls(pool_size=pool, strides=stride, padding=padding)


def _pointwise(rng):
    choice = int(rng.integers(0, 4))
    if choice == 0:
        return keras.layers.BatchNormalization()
    if choice == 1:
        return keras.layers.Activation(str(rng.choice(CONV_ACTIVATIONS)))
    if choice == 2:
        return keras.layers.Dropout(0.5)
    return None


def random_model(seed: int) -> keras.Sequential:
    """A random small CNN covering strides, 'same' padding, every pooling and extra layers."""
    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for stage in range(2):
        size = model.output_shape[1] if model.layers else 28
        if stage == 1 and (size < 2 or rng.random() < 0.3):
            break
        model.add(_conv(rng, size))
        extra = _pointwise(rng)
        if extra is not None:
            model.add(extra)
        size = min(model.output_shape[1:3])
        if size >= 2 and rng.random() < 0.8:
            model.add(_pool(rng, size))
    if rng.random() < 0.8:
        model.add(keras.layers.Flatten())
    else:
        model.add(keras.layers.GlobalAveragePooling2D())
    if rng.random() < 0.5:
        model.add(keras.layers.Dropout(0.3))
    if rng.random() < 0.6:
        model.add(keras.layers.Dense(int(rng.integers(3, 9)),
                                     activation=str(rng.choice(CONV_ACTIVATIONS))))
    model.add(keras.layers.Dense(26, activation="softmax"))
    _randomise(model, rng)
    return model


def _randomise(model, rng) -> None:
    """Non-zero biases and batchnorm statistics so every term of every formula matters."""
    weights = []
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "variance" in variable.name:
            weights.append(rng.uniform(0.5, 2.0, shape))
        else:
            weights.append(rng.normal(0.0, 0.4, shape) + (1.0 if "gamma" in variable.name else 0))
    model.set_weights([w.astype(np.float32) for w in weights])


def random_image(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 6:9] = 1.0  # a stroke, plus faint noise everywhere
    image += rng.uniform(0, 0.3, image.shape).astype(np.float32)
    return np.clip(image, 0, 1)


def reference_outputs(model, image) -> list[np.ndarray]:
    """Every layer's output from a Keras functional model (independent of explain's trace)."""
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    return [np.asarray(o)[0] for o in probe(image[None, :, :, None], training=False)]


@pytest.fixture(scope="module")
def cases():
    out = []
    for seed in range(N_MODELS):
        model = random_model(seed)
        image = random_image(seed)
        out.append((model, image, reference_outputs(model, image)))
    return out


def _indices(model, kind):
    return [i for i, layer in enumerate(model.layers) if ex.layer_kind(layer) == kind]


def _probe_cells(geometry, rng, count=4):
    rows, cols = geometry.output_size
    cells = {(0, 0), (rows - 1, cols - 1), (0, cols - 1)}
    cells |= {(int(rng.integers(rows)), int(rng.integers(cols))) for _ in range(count)}
    return sorted(cells)


def _probed(model, reference, index, rng):
    """(geometry, row, col, channel, Keras's value) for probed output cells of layer ``index``.

    The channel is a random output channel (a pooling layer's output channel is its input's).
    """
    geometry = ex.window_geometry(model, index)
    for row, col in _probe_cells(geometry, rng):
        channel = int(rng.integers(geometry.channels_out))
        yield geometry, row, col, channel, reference[index][row, col, channel]


def _assert_explains(value, model_value, want) -> None:
    """The hand-made value and the model's value both equal Keras's output ``want``."""
    np.testing.assert_allclose(value, want, **TOL)
    np.testing.assert_allclose(model_value, want, **TOL)


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


def test_conv_dot_product_equals_layer_output(cases):
    rng = np.random.default_rng(1)
    checked = 0
    for model, image, reference in cases:
        for index in _indices(model, "conv2d"):
            for geometry, row, col, f, want in _probed(model, reference, index, rng):
                dp = ex.conv_dot_product(model, image, index, row, col, f)
                _assert_explains(dp.value, dp.model_value, want)
                np.testing.assert_allclose(dp.products, dp.patch * dp.kernel)
                np.testing.assert_allclose(dp.total + dp.bias, dp.pre_activation, **TOL)
                assert np.all(dp.patch[dp.padded] == 0)
                assert dp.kernel.shape == (*geometry.kernel, geometry.channels_in)
                checked += 1
    assert checked > 20


def test_sliding_plan_rebuilds_the_whole_pre_activation_map(cases):
    for model, image, _ in cases:
        result = ex.layer_activations(model, image)
        for index in _indices(model, "conv2d"):
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
            for row, col in _probe_cells(geometry, rng, count=2):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    value = head(x)[0, row, col, 0]
                support = np.argwhere(np.asarray(tape.gradient(value, x))[0, :, :, 0] != 0)
                box = ex.receptive_field(model, index, row, col)
                assert (box.top, box.left) == tuple(support.min(axis=0))
                assert (box.bottom, box.right) == tuple(support.max(axis=0) + 1)


def test_dot_product_image_box_matches_receptive_field(cases):
    model, image, _ = cases[0]
    index = _indices(model, "conv2d")[-1]
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
        for index in _indices(model, "conv2d") + _indices(model, "activation"):
            comparison = ex.activation_comparison(model, image, index, channel=0)
            want = reference[index][..., 0]
            np.testing.assert_allclose(comparison.model_output, want, **TOL)
            np.testing.assert_allclose(comparison.after[comparison.actual], want, **TOL)
            assert set(comparison.after) == set(ex.ACTIVATION_NAMES)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool_map_matches_keras(padding):
    rng = np.random.default_rng(3)
    for _ in range(12):
        size = int(rng.integers(3, 12))
        pool = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 4))
        fmap = rng.normal(size=(size, size + 1, 2)).astype(np.float32)
        batch = fmap[None]
        for mode, layer in [
            ("max", keras.layers.MaxPooling2D(pool, stride, padding)),
            ("avg", keras.layers.AveragePooling2D(pool, stride, padding)),
            ("sum", SumPooling2D(pool, stride, padding)),
        ]:
            want = np.asarray(layer(batch))[0]
            np.testing.assert_allclose(ex.pool_map(fmap, mode, pool, stride, padding), want,
                                       **TOL)
        comparison = ex.pool_comparison(fmap[..., 0], pool, stride, padding)
        np.testing.assert_allclose(comparison.pooled["max"],
                                   ex.pool_map(fmap[..., 0], "max", pool, stride, padding))
        assert set(comparison.pooled) == {"max", "avg", "sum"}


def test_pool_cell_equals_layer_output(cases):
    rng = np.random.default_rng(4)
    checked = 0
    for model, image, reference in cases:
        for kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
            for index in _indices(model, kind):
                for _, row, col, channel, want in _probed(model, reference, index, rng):
                    cell = ex.pool_cell(model, image, index, row, col, channel)
                    _assert_explains(cell.result, cell.model_value, want)
                    assert np.all(np.isnan(cell.values[~cell.valid]))
                    assert cell.count == cell.valid.sum() >= 1
                    if kind == "sumpool2d":
                        mean = np.nanmean(cell.values)
                        assert cell.result == pytest.approx(mean * cell.count, rel=1e-6)
                    if kind == "maxpool2d":
                        source = ex.layer_activations(model, image).input_of(index)[
                            cell.source[0], cell.source[1], channel]
                        assert source == pytest.approx(cell.result)
                    checked += 1
                comparison = ex.layer_pool_comparison(model, image, index, 0)
                mode = {"maxpool2d": "max", "avgpool2d": "avg", "sumpool2d": "sum"}[kind]
                np.testing.assert_allclose(comparison.pooled[mode], reference[index][..., 0],
                                           **TOL)
    assert checked > 10


def test_dense_neuron_equals_layer_output(cases):
    rng = np.random.default_rng(5)
    for model, image, reference in cases:
        result = ex.layer_activations(model, image)
        for index in _indices(model, "dense"):
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


def _weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("scope", ex.SCOPES)
def test_backprop_step_gradient_and_update(cases, scope):
    model, image, _ = cases[1]
    index = _indices(model, "conv2d")[0]
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
    index = _indices(model, "conv2d")[0]
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
    conv = _indices(model, "conv2d")[0]
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


def test_backprop_step_refuses_a_functional_model_with_a_message():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(2, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(26, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    with pytest.raises(ex.ExplainError, match="needs a Sequential network"):
        ex.backprop_step(model, np.zeros((28, 28), np.float32), 0, 1)

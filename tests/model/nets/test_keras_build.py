"""Tests of model.nets.keras_build: spec <-> Keras, SumPooling2D, safe model files, generated code."""

from __future__ import annotations

import zipfile

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_specs import random_specs

from cnn_studio.model.nets import keras_build as K  # noqa: N812 - short, as the tests use it often
from cnn_studio.model.nets import keras_code, model_files
from cnn_studio.model.spec.analysis import analyze, with_output_layer
from cnn_studio.model.spec.files import canonical, save_spec
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, SpecError
from cnn_studio.model.spec.presets import PRESETS, get_preset


def L(kind: str, **params) -> LayerSpec:  # noqa: N802 - short: reads as a list of layers
    return LayerSpec(kind, params)


def net(*layers: LayerSpec) -> NetworkSpec:
    return with_output_layer(NetworkSpec(list(layers), "test"))


def keras_layers(model):
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def assert_matches_analysis(spec: NetworkSpec, model) -> None:
    report = analyze(spec)
    layers = keras_layers(model)
    assert len(layers) == len(report.layers)
    for layer, expected in zip(layers, report.layers, strict=True):
        assert tuple(layer.output.shape[1:]) == expected.output_shape, expected.title
        assert layer.count_params() == expected.params, expected.title
    assert model.count_params() == report.total_params


# ---------------------------------------------------------------- property: analysis == Keras

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_specs(), st.integers(0, 1000))
def test_analysis_matches_keras_for_random_valid_specs(spec, seed):
    model = K.build_model(spec, seed=seed)
    assert_matches_analysis(spec, model)
    assert K.spec_from_model(model).layers == canonical(spec).layers


# ---------------------------------------------------------------- build_model


@pytest.fixture(scope="module")
def preset_models():
    return {name: K.build_model(get_preset(name), seed=0) for name in PRESETS}


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_build_and_convert_back(preset_models, name):
    spec, model = get_preset(name), preset_models[name]
    assert_matches_analysis(spec, model)
    assert tuple(model.inputs[0].shape) == (None, 28, 28, 1)
    assert tuple(model.outputs[0].shape) == (None, 26)
    names = [layer.name for layer in keras_layers(model)]
    assert names == [f"{i + 1:02d}_{layer.kind}" for i, layer in enumerate(spec.layers)]
    back = K.spec_from_model(model)
    assert back.layers == canonical(spec).layers and back.name == name


def test_invalid_spec_is_refused_with_analysis_messages():
    spec = net(L("conv2d"), L("dense", units=8), L("flatten"))
    with pytest.raises(SpecError) as info:
        K.build_model(spec)
    assert analyze(spec).errors[0] in str(info.value)
    with pytest.raises(SpecError, match="empty"):
        K.build_model(NetworkSpec([]))


def test_seed_makes_weights_reproducible():
    spec = net(L("conv2d", initializer="he_normal"), L("flatten"))
    first = K.build_model(spec, seed=7).get_weights()
    again = K.build_model(spec, seed=7).get_weights()
    other = K.build_model(spec, seed=8).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_conv_options_reach_keras():
    spec = net(L("conv2d", activation="none", use_bias=False, initializer="gaussian",
                 sigma=0.3, stride=2, kernel_h=2, kernel_w=4), L("flatten"))
    conv = K.build_model(spec, seed=1).layers[0]
    assert conv.get_config()["activation"] == "linear" and not conv.use_bias
    assert isinstance(conv.kernel_initializer, keras.initializers.RandomNormal)
    assert conv.kernel_initializer.stddev == 0.3
    assert tuple(conv.strides) == (2, 2) and tuple(conv.kernel_size) == (2, 4)


# ---------------------------------------------------------------- SumPooling2D


def sum_pool_reference(x: np.ndarray, size: int, stride: int, padding: str) -> np.ndarray:
    """Plain numpy sum pooling of (n, h, w, c) with TensorFlow's 'same' padding rule."""
    n, h, w, c = x.shape
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        pad_h = max((out_h - 1) * stride + size - h, 0)
        pad_w = max((out_w - 1) * stride + size - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                       (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h, out_w = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n, out_h, out_w, c), dtype=np.float64)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :]
            out[:, i, j, :] = window.sum(axis=(1, 2))
    return out


@pytest.mark.parametrize("size, stride, padding", [
    (2, 2, "valid"), (3, 2, "same"), (3, 3, "same"), (2, 1, "same"), (4, 3, "valid"),
    (1, 1, "valid"),
])
def test_sum_pooling_matches_numpy(size, stride, padding):
    x = np.random.default_rng(size * 10 + stride).normal(size=(2, 7, 8, 3)).astype("float32")
    layer = K.SumPooling2D(size, stride, padding)
    got = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(got, sum_pool_reference(x, size, stride, padding), rtol=1e-5,
                               atol=1e-5)
    average = keras.layers.AveragePooling2D(size, stride, padding="valid")(x)
    if padding == "valid":
        np.testing.assert_allclose(got, keras.ops.convert_to_numpy(average) * size * size,
                                   rtol=1e-5, atol=1e-5)


def test_sum_pooling_config_round_trip():
    layer = K.SumPooling2D(3, None, "same", name="p")
    clone = K.SumPooling2D.from_config(layer.get_config())
    assert (clone.pool_size, clone.strides, clone.padding, clone.name) == (
        (3, 3), (3, 3), "same", "p")
    assert keras.saving.get_registered_object("cnn_studio>SumPooling2D") is K.SumPooling2D
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, K.SumPooling2D) and restored.pool_size == (3, 3)


# ---------------------------------------------------------------- model files


def test_save_and_load_model_file(tmp_path):
    spec = net(L("sumpool2d", pool_size=3, stride=2, padding="same"), L("conv2d", filters=3),
               L("batchnorm"), L("flatten"))
    model = K.build_model(spec, seed=3)
    path = tmp_path / "nets" / "letters.keras"
    model_files.save_model_file(model, spec, path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["letters.cnn.json", "letters.keras"]
    loaded, loaded_spec = model_files.load_model_and_spec(path)
    assert loaded_spec == spec
    assert isinstance(loaded.layers[0], K.SumPooling2D)
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-5, atol=1e-6)


def test_spec_is_recovered_without_or_with_stale_sidecar(tmp_path):
    spec = get_preset("tiny")
    model = K.build_model(spec, seed=0)
    path = tmp_path / "tiny.keras"
    model_files.save_model_file(model, None, path)
    save_spec(get_preset("classic"), model_files.spec_path_for(path))  # a sidecar that does not match
    assert model_files.load_model_and_spec(path)[1].layers == canonical(spec).layers
    model_files.spec_path_for(path).unlink()
    assert model_files.load_model_and_spec(path)[1].layers == canonical(spec).layers


def test_model_file_errors(tmp_path):
    with pytest.raises(model_files.ModelFileError, match="There is no model file"):
        model_files.load_model_file(tmp_path / "missing.keras")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"not a zip file at all")
    with pytest.raises(model_files.ModelFileError, match="could not be read"):
        model_files.load_model_file(corrupt)
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    with pytest.raises(model_files.ModelFileError):
        model_files.load_model_file(empty_zip)
    other = tmp_path / "model.h5"
    other.write_bytes(b"x")
    with pytest.raises(model_files.ModelFileError, match="not a '.keras' file"):
        model_files.load_model_file(other)
    with pytest.raises(model_files.ModelFileError, match="must end in '.keras'"):
        model_files.save_model_file(K.build_model(get_preset("tiny")), None, tmp_path / "x.h5")


def test_lambda_layer_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Lambda(lambda t: t * 2.0),
                              keras.layers.Dense(26, activation="softmax")])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(model_files.ModelFileError, match="Lambda layer"):
        model_files.load_model_file(path)


def test_wrong_shapes_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    path = tmp_path / "cifar.keras"
    model.save(path)
    with pytest.raises(model_files.ModelFileError, match="28x28x1"):
        model_files.load_model_file(path)


def test_spec_from_model_refuses_what_the_builder_cannot_show():
    def seq(*layers):
        return keras.Sequential([keras.Input((28, 28, 1)), *layers])

    cases = [
        (seq(keras.layers.Conv2D(4, 3, dilation_rate=2)), "dilation"),
        (seq(keras.layers.LayerNormalization()), "LayerNormalization"),
        (seq(keras.layers.MaxPooling2D((2, 3))), "non-square"),
        (seq(keras.layers.Activation("softplus")), "softplus"),
        (seq(keras.layers.Conv2D(4, 3, kernel_initializer="orthogonal")), "Orthogonal"),
        (keras.Sequential([keras.Input((28, 28, 3)), keras.layers.Flatten()]), "28x28x1"),
    ]
    for model, words in cases:
        with pytest.raises(SpecError, match=words):
            K.spec_from_model(model)
    inputs = keras.Input((28, 28, 1))
    functional = keras.Model(inputs, keras.layers.Flatten()(inputs))
    with pytest.raises(SpecError, match="Sequential"):
        K.spec_from_model(functional)


# ---------------------------------------------------------------- generated code


@pytest.mark.parametrize("spec", [
    get_preset("classic"), get_preset("deep"), get_preset("lenet5"),
    net(L("sumpool2d", pool_size=3, padding="same"),
        L("conv2d", initializer="gaussian", sigma=0.2, use_bias=False, activation="none"),
        L("conv2d", initializer="he_normal", activation="elu"), L("globalavgpool2d"),
        L("dense", units=10, use_bias=False, activation="linear")),
], ids=["classic", "deep", "lenet5", "mixed"])
def test_keras_code_builds_the_same_network(spec, capsys):
    code = keras_code.keras_code(spec)
    namespace: dict = {}
    exec(compile(code, "<keras_code>", "exec"), namespace)  # our own output
    capsys.readouterr()
    model = namespace["model"]
    assert_matches_analysis(spec, model)
    assert [layer.name for layer in keras_layers(model)] == [
        layer.name for layer in keras_layers(K.build_model(spec))]
    assert keras.saving.get_registered_object("cnn_studio>SumPooling2D") is K.SumPooling2D


def test_keras_code_marks_invalid_networks():
    code = keras_code.keras_code(NetworkSpec([L("conv2d"), LayerSpec("conv3d", {})]))
    assert "# This network is not valid yet" in code
    assert "# layer 2: unknown type 'conv3d'" in code
    compile(code, "<keras_code>", "exec")

"""The numpy forward engine and the TensorFlow-free .keras reader agree with Keras to 1e-5."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_specs import BODY_KINDS, random_specs

from cnn_studio.model.nets import keras_file
from cnn_studio.model.nets.inference import Predictor, activation_model, load_default_model
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.numpy_forward import ForwardError, NumpyNetwork, network_from_spec
from cnn_studio.model.nets.numpy_layers import ACTIVATIONS, EngineLayer
from cnn_studio.model.spec.analysis import with_output_layer
from cnn_studio.model.spec.network import LAYER_TYPES, LayerSpec, NetworkSpec, SpecError
from cnn_studio.model.synth.generator import sample_image

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = ROOT / "assets" / "models" / "default.keras"


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Equal to 1e-5, relative for values above 1."""
    assert ours.dtype == np.float32, what
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5, err_msg=what)


def keras_activations(model, batch: np.ndarray) -> list[np.ndarray]:
    outputs = activation_model(model)(batch, training=False)
    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
    return [np.asarray(out) for out in outputs]


def assert_matches_keras(network: NumpyNetwork, model, batch: np.ndarray) -> None:
    expected = keras_activations(model, batch)
    ours = network.activations(batch)
    assert len(ours) == len(expected)
    for name, mine, theirs in zip(network.layer_names, ours, expected, strict=True):
        assert mine.shape == theirs.shape, name
        assert_close(mine, theirs, name)


def randomise_batchnorm(model, rng: np.random.Generator) -> None:
    """Give every BatchNormalization layer statistics far from the identity."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.5, n),
                               rng.normal(0, 0.5, n), rng.uniform(0.5, 2.0, n)])


# ---------------------------------------------------------------- property: engine == Keras

_NUMPY_SPECS = random_specs(body=(1, 5), kinds=("conv2d", *BODY_KINDS), max_filters=8,
                            max_stride=3, dropout=st.just(0.5), max_units=24,
                            dense_activations=LAYER_TYPES["dense"].param("activation").choices)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NUMPY_SPECS, st.integers(0, 10_000))
def test_random_networks_match_keras_through_a_keras_file(spec, seed):
    rng = np.random.default_rng(seed)
    model = build_model(spec, seed=seed)
    randomise_batchnorm(model, rng)
    batch = rng.random((2, 28, 28, 1), dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.keras"
        model.save(path)
        from_file = keras_file.load_network(path)
    assert_matches_keras(from_file, model, batch)
    from_spec = network_from_spec(spec, model.get_weights())
    assert_matches_keras(from_spec, model, batch)
    assert from_file.layer_names == from_spec.layer_names == [layer.name for layer in model.layers]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_matches_keras(name):
    x = np.linspace(-12, 12, 4 * 301, dtype=np.float32).reshape(4, 301)
    expected = np.asarray(keras.activations.get("linear" if name == "none" else name)(x))
    assert_close(ACTIVATIONS[name](x).astype(np.float32), expected, name)


@pytest.mark.parametrize("kind, size, stride, padding", [
    ("maxpool2d", 3, 2, "same"), ("avgpool2d", 3, 2, "same"), ("avgpool2d", 4, 3, "same"),
    ("sumpool2d", 3, 1, "same"), ("maxpool2d", 2, 3, "valid"), ("sumpool2d", 4, 4, "valid"),
])
def test_pooling_with_odd_windows_matches_keras(kind, size, stride, padding):
    spec = with_output_layer(NetworkSpec([
        LayerSpec("conv2d", {"filters": 3, "kernel_h": 2, "kernel_w": 3, "activation": "tanh"}),
        LayerSpec(kind, {"pool_size": size, "stride": stride, "padding": padding}),
        LayerSpec("flatten")]))
    model = build_model(spec, seed=1)
    batch = np.random.default_rng(1).random((1, 28, 28, 1), dtype=np.float32)
    assert_matches_keras(network_from_spec(spec, model.get_weights()), model, batch)


# ---------------------------------------------------------------- the shipped model


@pytest.fixture(scope="module")
def default_pair():
    return keras_file.load_network(DEFAULT), load_default_model()


def test_default_model_matches_keras_on_letters(default_pair):
    network, model = default_pair
    rng = np.random.default_rng(3)
    batch = np.stack([sample_image(c, rng) for c in "AbEgQz"])[..., None]
    assert_matches_keras(network, model, batch)
    np.testing.assert_allclose(network.forward_batch(batch, batch_size=4),
                               keras_activations(model, batch)[-1], rtol=1e-5, atol=1e-5)


def test_prediction_has_the_tensorflow_predictors_format(default_pair):
    network, model = default_pair
    image = sample_image("K", np.random.default_rng(5))
    ours, theirs = network.forward(image), Predictor(model).forward(image)
    assert ours.layer_names == theirs.layer_names
    assert ours.layer_kinds == theirs.layer_kinds
    assert [a.shape for a in ours.activations] == [a.shape for a in theirs.activations]
    assert ours.probs.shape == (26,) and ours.top_class == theirs.top_class
    assert_close(ours.probs, theirs.probs, "probs")


def test_loading_and_running_never_imports_tensorflow():
    code = ("import sys, numpy as np; from cnn_studio.model.nets.keras_file import load_network; "
            f"p = load_network({str(DEFAULT)!r}).forward(np.zeros((28, 28))); "
            "assert abs(float(p.probs.sum()) - 1) < 1e-5; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- engine details


def test_logits_output_gets_a_softmax_for_the_probabilities():
    layer = EngineLayer("01_dense", "dense", {"activation": "linear"},
                        (np.eye(4, 3, dtype=np.float32),))
    network = NumpyNetwork([EngineLayer("00_flatten", "flatten"), layer], (2, 2, 1))
    prediction = network.forward(np.array([[1, 2], [3, 0]], np.float32))
    np.testing.assert_allclose(prediction.activations[-1], [1, 2, 3])
    np.testing.assert_allclose(prediction.probs, np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(),
                               rtol=1e-6)


def test_bad_images_and_weights_are_refused_with_messages(default_pair):
    network, _ = default_pair
    with pytest.raises(ValueError, match="shape"):
        network.forward(np.zeros((27, 28)))
    with pytest.raises(ValueError, match="NaN"):
        network.forward(np.full((28, 28), np.nan))
    spec = with_output_layer(NetworkSpec([LayerSpec("flatten")]))
    with pytest.raises(ForwardError, match="fewer weight arrays"):
        network_from_spec(spec, [])
    with pytest.raises(ForwardError, match="kernel has shape"):
        network_from_spec(spec, [np.zeros((783, 26)), np.zeros(26)])
    with pytest.raises(ForwardError, match="left over"):
        network_from_spec(spec, [np.zeros((784, 26)), np.zeros(26), np.zeros(3)])
    with pytest.raises(ForwardError, match="layer type 'lstm'"):
        NumpyNetwork([EngineLayer("x", "lstm")])


# ---------------------------------------------------------------- damaged or unsupported files


def rewrite(path: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the default model with some members replaced (None: removed)."""
    with zipfile.ZipFile(DEFAULT) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = replace.get(info.filename, source.read(info))
            if data is not None:
                target.writestr(info.filename, data)
    return path


def default_config() -> dict:
    with zipfile.ZipFile(DEFAULT) as archive:
        return json.loads(archive.read("config.json"))


def test_unsupported_layer_is_named(tmp_path):
    config = default_config()
    config["config"]["layers"][4]["class_name"] = "LSTM"
    path = rewrite(tmp_path / "lstm.keras", {"config.json": json.dumps(config).encode()})
    with pytest.raises(keras_file.KerasFileError, match=r"lstm\.keras: Layer 4 .* 'LSTM'"):
        keras_file.load_network(path)


@pytest.mark.parametrize("change, message", [
    ({"config.json": None}, "has no config.json"),
    ({"model.weights.h5": None}, "has no model.weights.h5"),
    ({"config.json": b"{not json"}, "could not be read"),
    ({"config.json": b"[" * 100_000}, "could not be read"),
    ({"model.weights.h5": b"\x89HDF\r\n garbage"}, "could not be read"),
    ({"config.json": json.dumps({"class_name": "Functional"}).encode()}, "not a Sequential"),
])
def test_damaged_files_give_one_line_errors(tmp_path, change, message):
    path = rewrite(tmp_path / "bad.keras", change)
    with pytest.raises(keras_file.KerasFileError, match=message) as info:
        keras_file.load_network(path)
    assert "\n" not in str(info.value) and isinstance(info.value, SpecError)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    config = default_config()
    config["config"]["layers"][1]["config"]["use_bias"] = False  # the file has a bias
    path = rewrite(tmp_path / "bias.keras", {"config.json": json.dumps(config).encode()})
    with pytest.raises(keras_file.KerasFileError, match="'01_conv2d' has 2 weight arrays"):
        keras_file.load_network(path)
    config = default_config()
    config["config"]["layers"][4]["config"]["filters"] = 10  # the file has 64 kernels
    path = rewrite(tmp_path / "shape.keras", {"config.json": json.dumps(config).encode()})
    kernel = r"shape.keras: layer '04_conv2d' has a kernel of shape \(3, 3, 32, 64\)"
    with pytest.raises(keras_file.KerasFileError, match=kernel):
        keras_file.load_network(path)


def test_files_that_are_not_models_are_refused(tmp_path, monkeypatch):
    (tmp_path / "text.keras").write_text("hello")
    for path, message in [(tmp_path / "missing.keras", "cannot open"),
                          (tmp_path, "not a regular file"),
                          (tmp_path / "text.keras", "could not be read")]:
        with pytest.raises(keras_file.KerasFileError, match=message):
            keras_file.load_network(path)
    monkeypatch.setattr(keras_file, "MAX_CONFIG_BYTES", 1000)
    with pytest.raises(keras_file.KerasFileError, match="config.json expands to"):
        keras_file.load_network(DEFAULT)

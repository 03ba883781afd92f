"""Tests of the thread-safe predictor (model/nets/inference.py)."""

from __future__ import annotations

import threading

import keras
import numpy as np
import pytest
from support_files import assert_refused
from support_models import save_tiny_model

from cnn_studio.model.nets.inference import Predictor, activation_model, load_default_model
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.model_files import ModelFileError
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, layer_kind


@pytest.fixture(scope="module")
def net() -> keras.Model:
    """A small network of every common layer kind, from a spec (as the app builds them)."""
    spec = NetworkSpec([
        LayerSpec("conv2d", {"filters": 4, "kernel_h": 3, "kernel_w": 3, "activation": "none"}),
        LayerSpec("activation", {"activation": "relu"}),
        LayerSpec("maxpool2d", {}),
        LayerSpec("batchnorm", {}),
        LayerSpec("flatten", {}),
        LayerSpec("dropout", {"rate": 0.5}),
        LayerSpec("dense", {"units": 26, "activation": "softmax"}),
    ], "mixed")
    model = build_model(spec, seed=1)
    # Non-trivial batch-norm statistics, so inference mode matters.
    bn = model.layers[3]
    gamma, beta, mean, var = bn.get_weights()
    bn.set_weights([gamma * 1.5, beta + 0.1, mean + 0.2, var * 2.0])
    return model


@pytest.fixture(scope="module")
def predictor(net) -> Predictor:
    return Predictor(net)


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


def test_activations_match_every_keras_layer(net, predictor):
    image = _images(1)[0]
    result = predictor.forward(image)
    reference = activation_model(net)(image[None], training=False)
    assert len(result.activations) == len(net.layers) == len(reference)
    for layer, got, want in zip(net.layers, result.activations, reference, strict=True):
        assert got.shape == tuple(layer.output.shape[1:])
        np.testing.assert_allclose(got, np.asarray(want)[0], atol=1e-5)
    np.testing.assert_allclose(result.probs, net(image[None], training=False)[0], atol=1e-5)
    assert result.probs.shape == (26,)
    assert result.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert result.layer_names == [layer.name for layer in net.layers]
    assert result.layer_kinds == ["conv2d", "activation", "maxpool2d", "batchnorm", "flatten",
                                  "dropout", "dense"]
    assert result.top_class == int(np.argmax(result.probs))


def test_accepts_2d_and_3d_images_and_rejects_bad_ones(predictor):
    image = _images(1, seed=3)[0]
    np.testing.assert_allclose(predictor.forward(image[..., 0]).probs,
                               predictor.forward(image).probs, atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        predictor.forward(np.zeros((27, 28)))
    with pytest.raises(ValueError, match="NaN"):
        predictor.forward(np.full((28, 28), np.nan))


def test_forward_batch_equals_single_forwards(predictor):
    images = _images(5, seed=4)
    probs = predictor.forward_batch(images, batch_size=2)
    assert probs.shape == (5, 26)
    for image, row in zip(images, probs, strict=True):
        np.testing.assert_allclose(row, predictor.forward(image).probs, atol=1e-5)
    assert predictor.forward_batch(images[:0]).shape == (0, 26)
    with pytest.raises(ValueError):
        predictor.forward_batch(images, batch_size=0)


def test_predictor_owns_a_copy_and_takes_new_weights(net):
    predictor = Predictor(net)
    image = _images(1, seed=5)[0]
    before = predictor.forward(image).probs
    other = keras.models.clone_model(net)  # same architecture, fresh random weights
    other.set_weights([w + 0.05 for w in net.get_weights()])
    original = net.get_weights()
    net.set_weights(other.get_weights())
    try:
        np.testing.assert_array_equal(predictor.forward(image).probs, before)  # not shared
    finally:
        net.set_weights(original)
    predictor.set_weights(other.get_weights())
    after = predictor.forward(image).probs
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, other(image[None], training=False)[0], atol=1e-5)
    with pytest.raises(ValueError, match="different network"):
        predictor.set_weights(other.get_weights()[:-1])
    with pytest.raises(ValueError, match="different network"):
        predictor.set_weights([np.zeros((1, 1))] + other.get_weights()[1:])


def test_forward_from_two_threads_while_weights_change(net):
    predictor = Predictor(net)
    image = _images(1, seed=6)[0]
    weights_a = net.get_weights()
    weights_b = [w * 0.5 for w in weights_a]
    expected = []
    for weights in (weights_a, weights_b):
        predictor.set_weights(weights)
        expected.append(predictor.forward(image).probs)
    assert not np.allclose(expected[0], expected[1])
    results, errors = [], []

    def worker():
        try:
            for _ in range(40):
                results.append(predictor.forward(image).probs)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for i in range(20):
        predictor.set_weights(weights_a if i % 2 else weights_b)
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 80
    for probs in results:  # every answer comes from one whole set of weights, never a mix
        assert any(np.allclose(probs, want, atol=1e-6) for want in expected)


def test_logits_output_gets_a_softmax():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26)])
    predictor = Predictor(model)
    image = _images(1, seed=7)[0]
    result = predictor.forward(image)
    logits = np.asarray(model(image[None]))[0]
    np.testing.assert_allclose(result.activations[-1], logits, atol=1e-5)
    np.testing.assert_allclose(result.probs, np.exp(logits) / np.exp(logits).sum(), atol=1e-5)
    assert result.layer_kinds == ["flatten", "dense"]
    np.testing.assert_allclose(predictor.forward_batch(image[None])[0], result.probs, atol=1e-6)


def test_layer_kind_comes_from_the_class_not_the_name():
    assert layer_kind(keras.layers.Dense(3, name="07_dense")) == "dense"
    assert layer_kind(keras.layers.MaxPooling2D(name="03_conv2d")) == "maxpool2d"
    assert layer_kind(keras.layers.Reshape((1,), name="r")) == "reshape"


def test_preset_network_and_default_model_file(tmp_path):
    path = tmp_path / "default.keras"
    model = save_tiny_model(path, seed=0)
    loaded = load_default_model(path)
    image = _images(1, seed=8)[0]
    np.testing.assert_allclose(Predictor(loaded).forward(image).probs,
                               Predictor(model).forward(image).probs, atol=1e-6)
    with pytest.raises(ModelFileError, match="pretrain"):
        load_default_model(tmp_path / "missing.keras")
    assert_refused(load_default_model, tmp_path / "broken.keras", b"not a zip file",
                   ModelFileError, "damaged")

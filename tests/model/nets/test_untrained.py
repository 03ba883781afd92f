"""The network being edited, untrained: Gaussian starting weights shared by numpy and Keras."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_specs import random_specs

from cnn_studio.model.nets.keras_build import build_model, build_untrained_model
from cnn_studio.model.nets.shown import ShownNetwork
from cnn_studio.model.nets.untrained import initial_weights, kernel_sigma, untrained_network
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, SpecError
from cnn_studio.model.spec.presets import PRESETS, get_preset


def drawing(seed: int = 3) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[4:24, 8:11] = 1.0
    image[12:15, 8:22] = np.random.default_rng(seed).uniform(0.5, 1.0, (3, 14))
    return image


@pytest.mark.parametrize("name", list(PRESETS))
def test_shapes_and_counts_match_analysis_and_keras(name):
    spec = get_preset(name)
    report = analyze(spec)
    weights = initial_weights(spec, seed=7)
    keras_weights = build_model(spec, seed=7).get_weights()
    assert [w.shape for w in weights] == [w.shape for w in keras_weights]
    assert all(w.dtype == np.float32 for w in weights)
    assert sum(w.size for w in weights) == report.total_params
    engine = untrained_network(spec, seed=7)
    expected = [layer.output_shape for layer in report.layers]
    assert [tuple(shape) for shape in engine.output_shapes] == expected
    model = build_untrained_model(spec, seed=7)
    assert model.count_params() == report.total_params
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(PRESETS))
def test_numpy_forward_matches_keras_on_the_same_weights(name):
    spec = get_preset(name)
    model = build_untrained_model(spec, seed=11)
    engine = untrained_network(spec, seed=11)
    image = drawing()
    prediction = engine.forward(image)
    keras_outputs = keras.Model(model.inputs[0], [layer.output for layer in model.layers])(
        image[None, :, :, None], training=False)
    for mine, theirs in zip(prediction.activations, keras_outputs, strict=True):
        np.testing.assert_allclose(mine, np.asarray(theirs)[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(prediction.probs.sum(), 1.0, atol=1e-5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_specs(), st.integers(0, 2**32 - 1))
def test_random_networks_get_weights_of_the_keras_shapes(spec, seed):
    weights = initial_weights(spec, seed)
    assert [w.shape for w in weights] == [w.shape for w in build_model(spec).get_weights()]
    assert sum(w.size for w in weights) == analyze(spec).total_params


def test_same_seed_same_weights_other_seed_other_kernels():
    spec = get_preset("classic")
    first, again = initial_weights(spec, 5), initial_weights(spec, 5)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = initial_weights(spec, 6)
    assert not np.array_equal(first[0], other[0])


def test_editing_a_later_layer_keeps_the_earlier_kernels():
    spec = get_preset("classic")
    before = initial_weights(spec, 2)
    spec.layers[7].params["units"] = 64  # the hidden dense layer
    after = initial_weights(spec, 2)
    np.testing.assert_array_equal(before[0], after[0])  # first conv kernel
    np.testing.assert_array_equal(before[2], after[2])  # second conv kernel
    assert before[4].shape != after[4].shape


def test_kernels_are_gaussian_with_he_or_the_layers_own_sigma():
    spec = get_preset("classic")
    spec.layers[3].params.update(initializer="gaussian", sigma=0.2)
    weights = initial_weights(spec, 0)
    first, second = weights[0], weights[2]
    assert abs(first.mean()) < 0.1 and abs(second.mean()) < 0.01
    assert first.std() == pytest.approx(math.sqrt(2 / 25), rel=0.15)  # 5x5x1 kernels, He
    assert second.std() == pytest.approx(0.2, rel=0.05)  # the layer's own sigma
    assert not weights[1].any() and not weights[3].any()  # biases start at 0
    assert kernel_sigma({"initializer": "he_normal"}, 50) == pytest.approx(0.2)


def test_changing_the_stride_changes_the_untrained_shapes_at_once():
    spec = get_preset("classic")
    spec.layers[3].params["stride"] = 2
    engine = untrained_network(spec, 1)
    assert tuple(engine.output_shapes[3]) == analyze(spec).layers[3].output_shape == (7, 7, 32)


def test_invalid_network_and_bad_seed_say_why():
    with pytest.raises(SpecError, match="cannot be built"):
        initial_weights(NetworkSpec([LayerSpec("flatten")]), 0)
    for seed in (-1, 2**32, 1.5, True, "3"):
        with pytest.raises(SpecError, match="seed must be a whole number"):
            initial_weights(get_preset("tiny"), seed)


def test_shown_network_labels():
    assert ShownNetwork.trained_model("default").label == "trained model default"
    untrained = ShownNetwork.edited_untrained("classic", 4)
    assert not untrained.trained and untrained.seed == 4
    assert untrained.label == ("network being edited, classic, untrained "
                               "(Gaussian init, seed 4)")


def test_the_trained_model_is_shown_only_while_the_builder_holds_its_layers():
    from cnn_studio.model.nets.shown import network_to_show

    trained = get_preset("classic")
    edited = get_preset("classic")
    edited.name = "my copy"  # a new name alone changes no layer
    assert network_to_show(edited, trained, True).label == "trained model classic"
    edited.layers[3].params["stride"] = 2
    shown = network_to_show(edited, trained, True, seed=3)
    assert shown == ShownNetwork.edited_untrained("my copy", 3)
    assert network_to_show(get_preset("classic"), trained, False, 1).trained is False
    assert network_to_show(None, trained, True) == ShownNetwork.trained_model("classic")
    assert network_to_show(None, None, False) is None
    broken = NetworkSpec([LayerSpec("dense", {"units": 26, "activation": "softmax"})])
    assert network_to_show(broken, trained, True) is None  # a Dense on 28x28x1 maps

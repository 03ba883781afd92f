"""Which network the views show, kept on the app state (gui.common.shown_keeper), without a
window: the trained model while the builder holds its layers, else the edited network with
its Gaussian starting weights, and none for an invalid network."""

from __future__ import annotations

import dataclasses

import numpy as np

from cnn_studio.model.nets.untrained import initial_weights
from cnn_studio.model.spec.network import NetworkSpec
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig


def with_stride(spec: NetworkSpec, index: int, stride: int) -> NetworkSpec:
    layers = list(spec.layers)
    layers[index] = dataclasses.replace(layers[index],
                                        params={**layers[index].params, "stride": stride})
    return dataclasses.replace(spec, layers=layers)


def test_nothing_is_decided_before_tensorflow(app_state):
    app_state.spec = get_preset("tiny")
    assert app_state.shown is None and app_state.shown_model is None


def test_trained_model_edited_network_and_invalid_network(tf_state, qtbot):
    from cnn_studio.model.nets.keras_build import build_model

    state = tf_state
    tiny = get_preset("tiny")
    trained = build_model(tiny, seed=1)
    state.spec = tiny
    state.set_model(trained, tiny, trained=True)
    assert state.shown.trained and state.shown_model is trained
    assert state.shown.label == f"trained model {tiny.name}"

    state.train_config = TrainConfig(seed=7)
    edited = with_stride(tiny, 0, 2)
    state.spec = edited
    qtbot.waitUntil(lambda: state.shown_model is not None and state.shown_model is not trained,
                    timeout=60_000)
    assert not state.shown.trained and state.shown.seed == 7
    assert "untrained (Gaussian init, seed 7)" in state.shown.label
    for got, want in zip(state.shown_model.get_weights(), initial_weights(edited, 7),
                         strict=True):
        np.testing.assert_array_equal(got, want)
    first_build = state.shown_model

    state.spec = tiny  # undo: the trained model at once
    assert state.shown.trained and state.shown_model is trained
    state.spec = edited  # redo: the model built before, at once
    assert state.shown_model is first_build

    state.spec = NetworkSpec(name="empty", layers=[])  # invalid: nothing may be shown
    assert state.shown is None and state.shown_model is None
    assert state.idle


def test_a_model_without_spec_or_without_a_builder_network_is_shown_as_it_is(tf_state):
    from cnn_studio.model.nets.keras_build import build_model

    model = build_model(get_preset("tiny"), seed=1)
    tf_state.model = model  # no spec (a model made elsewhere), nothing in the builder
    assert tf_state.shown.trained and tf_state.shown_model is model
    tf_state.spec = get_preset("classic")  # the builder cannot describe the model: kept
    assert tf_state.shown_model is model

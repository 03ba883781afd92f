"""The Learn path's steps: declared in order, safe on any input, and honest when a claim fails."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from support_specs import random_specs

from cnn_studio.model.lessons.check import CHECK_LETTERS, check_letters
from cnn_studio.model.lessons.step import EXPLAIN_TABS, VIEWS, ViewSettings, ViewTarget
from cnn_studio.model.lessons.steps import STEPS, step_by_key
from cnn_studio.model.nets.inference import load_default_model
from cnn_studio.model.nets.keras_build import build_model, build_untrained_model
from cnn_studio.model.nets.model_files import spec_for_model_file
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.storage.paths import DEFAULT_MODEL_DIR

SEED_ORDER = ("pixels", "weighted_sum", "activation", "sliding_kernel", "feature_map",
              "output_size", "edges", "sharing", "pooling", "flatten", "dense", "softmax",
              "cross_entropy", "backprop", "gaussian_init", "translation")


@pytest.fixture(scope="module")
def shipped():
    return load_default_model()


@pytest.fixture(scope="module")
def letter_h():
    letters = check_letters()
    assert [c.label for c in letters] == list(CHECK_LETTERS)
    return letters[0].image


def test_steps_are_declared_in_the_seed_texts_order():
    assert tuple(step.key for step in STEPS) == SEED_ORDER
    for step in STEPS:
        assert step.title and step.task and step.text.count(". ") >= 1, step.key
        assert step.view.view in VIEWS
        assert (step.view.tab in EXPLAIN_TABS) == (step.view.view == "explain")
    assert step_by_key("backprop").view == ViewTarget("explain", "backprop")
    with pytest.raises(KeyError, match="no lesson step 'nope'"):
        step_by_key("nope")


def test_view_targets_refuse_what_no_window_can_open():
    with pytest.raises(ValueError, match="unknown view"):
        ViewTarget("kitchen")
    with pytest.raises(ValueError, match="explain view needs"):
        ViewTarget("explain", "nowhere")
    with pytest.raises(ValueError, match="explain view needs"):
        ViewTarget("overview", "conv")
    target = ViewTarget("explain", "conv").with_settings(ViewSettings(layer=0, pixel=(3, 4)))
    assert target.settings.pixel == (3, 4) and target.tab == "conv"


def test_listing_the_steps_does_not_load_tensorflow():
    code = ("import sys; from cnn_studio.model.lessons.steps import STEPS; "
            "print(len(STEPS), 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(len(STEPS)), "False", "False"]


def test_every_step_holds_on_the_shipped_model_for_a_real_h(shipped, letter_h):
    for step in STEPS:
        observation = step.run(shipped, letter_h)
        assert observation.holds, (step.key, observation.sentence)
        assert observation.numbers and observation.sentence.endswith("."), step.key


def test_a_blank_canvas_asks_for_a_drawing(shipped):
    blank = np.zeros((28, 28), np.float32)
    for step in STEPS:
        observation = step.run(shipped, blank)
        assert observation.holds == observation.applies == (not step.needs_drawing), step.key
        if step.needs_drawing:
            assert observation.sentence.startswith("Draw a letter on the canvas first")


def test_a_network_without_convolutions_says_what_is_missing(letter_h):
    model = build_model(get_preset("dense"), seed=1)
    for key in ("sliding_kernel", "feature_map", "edges", "sharing", "backprop"):
        observation = step_by_key(key).run(model, letter_h)
        assert not observation.holds and not observation.applies
        assert "has no Conv2D layer; add one in the layer builder" in observation.sentence


def test_an_untrained_network_fails_the_trained_kernels_claim(shipped, letter_h):
    spec = spec_for_model_file(DEFAULT_MODEL_DIR / "default.keras", shipped)
    untrained = build_untrained_model(spec, seed=0)  # the very weights the step compares with
    observation = step_by_key("gaussian_init").run(untrained, letter_h)
    assert not observation.holds
    assert observation.numbers["gaussian_probability"] == pytest.approx(
        observation.numbers["trained_probability"], abs=1e-5)
    assert "it looks untrained, so train it" in observation.sentence


def test_backprop_aims_at_a_wrong_letter_so_the_gradients_are_not_zero(shipped, letter_h):
    observation = step_by_key("backprop").run(shipped, letter_h)
    numbers = observation.numbers
    assert numbers["target"] != numbers["answer"] == "H"
    assert numbers["largest_gradient"] > 0.01
    assert numbers["loss_after"] < numbers["loss_before"]
    assert observation.settings.letter == "ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(numbers["target"])
    assert observation.settings.learning_rate == numbers["learning_rate"]


def test_a_drawing_without_strokes_fails_the_edges_step_honestly(shipped):
    dot = np.zeros((28, 28), np.float32)
    dot[14, 14] = 1.0  # one pixel: edges on four sides, but no stroke along any of them
    observation = step_by_key("edges").run(shipped, dot)
    assert not observation.holds and "draw an H, E or T" in observation.sentence


@pytest.mark.parametrize("name", ["classic", "lenet5", "tiny", "deep"])
def test_every_step_answers_for_every_untrained_preset(name, letter_h):
    model = build_untrained_model(get_preset(name), seed=9)
    for step in STEPS:
        observation = step.run(model, letter_h)
        assert observation.sentence.endswith("."), (name, step.key)
        if step.key in ("pixels", "sliding_kernel", "output_size", "sharing", "softmax",
                        "cross_entropy", "flatten"):
            assert observation.holds, (name, step.key, observation.sentence)
    assert not step_by_key("gaussian_init").run(model, letter_h).holds


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(spec=random_specs(max_stride=3))
def test_any_network_the_builder_makes_gets_an_answer_from_every_step(spec, letter_h):
    model = build_untrained_model(spec, seed=1)
    for step in STEPS:
        observation = step.run(model, letter_h)
        assert isinstance(observation.holds, bool) and observation.sentence, step.key


def test_the_hand_set_sobel_map_is_what_the_kernels_tab_puts_into_the_network(shipped,
                                                                              letter_h):
    from cnn_studio.model.explain.core import trace
    from cnn_studio.model.explain.kernels import kernel_preset, set_first_layer_kernel
    from cnn_studio.model.lessons.convolution import hand_set_sums

    edit = set_first_layer_kernel(shipped, 0, kernel_preset("sobel_x"), letter_h, bias=0.0)
    mine = hand_set_sums(shipped.layers[0], trace(shipped, letter_h).input_of(0), "sobel_x")
    np.testing.assert_allclose(mine, edit.pre_activation, rtol=1e-5, atol=1e-5)

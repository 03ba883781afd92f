"""Tests of model.spec.presets (pure; the Keras side is in test_keras_build.py)."""

from __future__ import annotations

import pytest

from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import from_json, to_json
from cnn_studio.model.spec.network import SpecError
from cnn_studio.model.spec.presets import PRESETS, get_preset


def test_the_five_presets_exist_with_one_line_descriptions():
    assert list(PRESETS) == ["classic", "lenet5", "tiny", "dense", "deep"]
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert 10 < len(preset.description) <= 100 and "\n" not in preset.description


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_valid_and_ends_in_the_output_layer(name):
    spec = get_preset(name)
    report = analyze(spec)
    assert report.valid, report.errors
    assert report.has_output_layer and report.output_shape == (26,)
    assert from_json(to_json(spec)) == spec


def test_shapes_match_their_descriptions():
    kinds = {name: [layer.kind for layer in get_preset(name).layers] for name in PRESETS}
    assert kinds["classic"] == ["conv2d", "activation", "maxpool2d", "conv2d", "activation",
                                "maxpool2d", "flatten", "dense", "dense"]
    assert "conv2d" not in kinds["dense"]
    assert kinds["lenet5"].count("avgpool2d") == 2
    assert kinds["deep"].count("conv2d") >= 6
    tiny = analyze(get_preset("tiny"))
    assert tiny.total_params < min(analyze(get_preset(n)).total_params for n in PRESETS
                                   if n != "tiny")
    # A dense-only net needs more parameters than the convolutional 'lenet5'.
    assert analyze(get_preset("dense")).total_params > analyze(get_preset("lenet5")).total_params


def test_get_preset_returns_an_independent_copy():
    spec = get_preset("tiny")
    spec.layers[0].params["filters"] = 99
    spec.layers.pop()
    assert get_preset("tiny").layers[0].params["filters"] == 8
    assert analyze(get_preset("tiny")).valid


def test_unknown_preset_lists_the_names():
    with pytest.raises(SpecError, match="classic, lenet5, tiny, dense, deep"):
        get_preset("vgg")

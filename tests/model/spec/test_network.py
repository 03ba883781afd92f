"""Tests of model.spec.network: the layer table, analysis messages and the JSON format (no TensorFlow)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_studio.model.spec import analysis
from cnn_studio.model.spec import files as spec_files
from cnn_studio.model.spec import network as S  # noqa: N812 - short, as the tests use it often
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import from_json, to_json
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, SpecError

CONTRACT_KINDS = {"conv2d", "activation", "maxpool2d", "avgpool2d", "sumpool2d", "flatten",
                  "globalavgpool2d", "dense", "dropout", "batchnorm"}


def L(kind: str, **params) -> LayerSpec:  # noqa: N802 - short: reads as a list of layers
    return LayerSpec(kind, params)


def net(*layers: LayerSpec, output: bool = True) -> NetworkSpec:
    spec = NetworkSpec(list(layers), "test")
    return analysis.with_output_layer(spec) if output else spec


def conv(k: int, filters: int = 4, **extra) -> LayerSpec:
    return L("conv2d", filters=filters, kernel_h=k, kernel_w=k, **extra)


# ---------------------------------------------------------------- layer table


def test_layer_types_cover_the_contract_and_document_every_param():
    assert set(S.LAYER_TYPES) == CONTRACT_KINDS
    for kind, ltype in S.LAYER_TYPES.items():
        assert ltype.kind == kind and ltype.label and len(ltype.help) > 20
        for p in ltype.params:
            assert p.type in ("int", "float", "choice", "bool")
            assert p.label and len(p.help) > 20, (kind, p.name)
            if p.type in ("int", "float"):
                assert p.minimum <= p.default <= p.maximum
            if p.type == "choice":
                assert p.default in p.choices
        # Defaults are valid settings.
        assert S.resolve_params(S.default_layer(kind))[1] == []


@pytest.mark.parametrize("kind, name, low, high", [
    ("conv2d", "filters", 1, 256), ("conv2d", "kernel_h", 1, 11), ("conv2d", "kernel_w", 1, 11),
    ("conv2d", "stride", 1, 4), ("conv2d", "sigma", 0.001, 1.0), ("maxpool2d", "pool_size", 1, 8),
    ("sumpool2d", "stride", 0, 8), ("dense", "units", 1, 4096), ("dropout", "rate", 0.0, 0.9),
])
def test_param_ranges(kind, name, low, high):
    p = S.LAYER_TYPES[kind].param(name)
    assert (p.minimum, p.maximum) == (low, high)
    assert S.resolve_params(L(kind, **{name: high}))[1] == []
    below = low - (1 if p.type == "int" else 0.0005)
    assert "between" in S.resolve_params(L(kind, **{name: below}))[1][0]


def test_choices():
    conv_act = S.LAYER_TYPES["conv2d"].param("activation").choices
    assert set(conv_act) == {"none", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu"}
    assert set(S.LAYER_TYPES["activation"].param("activation").choices) == {
        "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "gelu", "linear"}
    assert {"softmax", "linear"} <= set(S.LAYER_TYPES["dense"].param("activation").choices)
    assert S.LAYER_TYPES["conv2d"].param("initializer").choices == (
        "glorot_uniform", "he_normal", "gaussian")
    assert S.LAYER_TYPES["conv2d"].param("sigma").only_when == ("initializer", "gaussian")
    assert S.LAYER_TYPES["maxpool2d"].param("stride").special_text


# ---------------------------------------------------------------- shapes and counts


def test_classic_numbers_by_hand():
    spec = net(conv(5, 16, padding="same"), L("activation"), L("maxpool2d"),
               conv(5, 32, padding="same"), L("maxpool2d"), L("flatten"),
               L("dense", units=128))
    report = analyze(spec)
    assert report.valid and report.has_output_layer
    shapes = [r.output_shape for r in report.layers]
    assert shapes == [(28, 28, 16), (28, 28, 16), (14, 14, 16), (14, 14, 32), (7, 7, 32),
                      (1568,), (128,), (26,)]
    assert report.layers[0].params == 5 * 5 * 1 * 16 + 16
    assert report.layers[0].macs == 28 * 28 * 16 * 25
    assert report.layers[3].params == 5 * 5 * 16 * 32 + 32
    assert report.layers[6].params == 1568 * 128 + 128
    assert report.layers[6].macs == 1568 * 128
    assert report.total_params == sum(r.params for r in report.layers)
    elements = sum(math.prod(s) for s in shapes)
    assert report.activation_bytes == elements * 4 * S.ACTIVATION_BATCH


def test_valid_padding_follows_h_minus_f_plus_one_and_stride():
    report = analyze(net(L("conv2d", kernel_h=5, kernel_w=3), conv(3, stride=2),
                         L("sumpool2d", pool_size=3, stride=2, padding="same"),
                         L("batchnorm"), L("globalavgpool2d")))
    assert report.layers[0].output_shape == (24, 26, 16)
    assert report.layers[1].output_shape == (11, 12, 4)
    assert report.layers[2].output_shape == (6, 6, 4)
    assert report.layers[3].params == 16
    assert report.layers[4].output_shape == (4,)


def test_pool_stride_zero_means_pool_size():
    auto = analyze(net(L("maxpool2d", pool_size=3, stride=0))).layers[0].output_shape
    assert auto == (9, 9, 1)
    assert analyze(net(L("avgpool2d", pool_size=3, stride=1))).layers[0].output_shape == (26, 26, 1)


def test_no_use_bias_removes_the_bias_params():
    report = analyze(net(conv(3, 8, use_bias=False), L("flatten"),
                         L("dense", units=10, use_bias=False)))
    assert report.layers[0].params == 72 and report.layers[2].params == 26 * 26 * 8 * 10


# ---------------------------------------------------------------- messages


def test_kernel_larger_than_input_names_layer_and_fix():
    report = analyze(net(conv(5), L("maxpool2d", pool_size=4), L("maxpool2d"), conv(5)))
    assert not report.valid
    message = ("Layer 4 Conv2D 5x5: its input is only 3x3. Use a kernel of at most 3, padding "
               "'same', or remove layer 3 MaxPooling2D 2x2 before it.")
    assert report.layers[3].error == message and message in report.errors
    assert report.layers[3].output_shape is None
    assert report.layers[0].output_shape == (24, 24, 4)


def test_pool_larger_than_input():
    report = analyze(net(L("maxpool2d", pool_size=8), L("maxpool2d", pool_size=8)))
    assert "Layer 2 MaxPooling2D 8x8: its input is only 3x3. Use a pool size of at most 3" in \
        report.errors[0]
    same = analyze(net(L("maxpool2d", pool_size=8), L("maxpool2d", pool_size=8, padding="same")))
    assert same.valid and same.layers[1].output_shape == (1, 1, 1)


def test_dense_on_feature_maps_is_refused():
    report = analyze(net(conv(3), L("dense", units=32), L("flatten")))
    error = report.layers[1].error
    assert error.startswith("Layer 2 Dense 32: its input is a 26x26x4 feature map")
    assert "Flatten" in error and "GlobalAveragePooling2D" in error


@pytest.mark.parametrize("kind", ["conv2d", "maxpool2d", "sumpool2d", "globalavgpool2d"])
def test_map_layers_after_flatten_are_refused(kind):
    report = analyze(net(L("flatten"), L(kind)))
    assert not report.valid
    assert report.layers[1].error.startswith("Layer 2 ")
    assert "flat" in report.layers[1].error and "remove it" in report.layers[1].error


def test_conv_after_flatten_names_the_flatten_layer():
    report = analyze(net(conv(3), L("flatten"), L("dense", units=8), conv(3)))
    assert "layer 2 Flatten" in report.layers[3].error


def test_layers_after_output_layer():
    report = analyze(net(L("flatten"), L("dense", units=26, activation="softmax"),
                         L("dropout"), output=False))
    assert not report.valid and not report.has_output_layer
    assert report.layers[2].error.startswith("Layer 3 Dropout 0.25 comes after the output layer")
    assert len(report.errors) == 1


def test_missing_output_layer_and_with_output_layer():
    spec = net(conv(3), output=False)
    report = analyze(spec)
    assert not report.valid and not report.has_output_layer
    assert any("no output layer" in e and "Dense 26" in e for e in report.errors)
    fixed = analysis.with_output_layer(spec)
    assert len(spec.layers) == 1  # the original is untouched
    assert [layer.kind for layer in fixed.layers] == ["conv2d", "flatten", "dense"]
    assert S.is_output_layer(fixed.layers[-1]) and analyze(fixed).valid
    assert analyze(fixed).output_shape == (26,)
    assert analysis.with_output_layer(fixed) == fixed
    flat = analysis.with_output_layer(NetworkSpec([L("flatten")]))
    assert [layer.kind for layer in flat.layers] == ["flatten", "dense"]


def test_empty_network():
    report = analyze(NetworkSpec([]))
    assert not report.valid and report.total_params == 0
    assert report.errors[0].startswith("The network is empty")


def test_too_many_parameters_reports_numbers_and_layer():
    report = analyze(net(L("flatten"), L("dense", units=4096), L("dense", units=4096),
                         L("dense", units=4096)))
    assert report.total_params > 20_000_000
    message = next(e for e in report.errors if "parameters" in e)
    assert f"{report.total_params:,}" in message and "20,000,000" in message
    assert "Layer 3 Dense 4096" in message


def test_activation_memory_limit():
    big = conv(3, 256, padding="same")
    report = analyze(net(big, big, big, L("globalavgpool2d")))
    assert report.activation_bytes > S.MAX_ACTIVATION_BYTES
    message = next(e for e in report.errors if "batch" in e)
    assert "256 MB" in message and "128 images" in message and "layer 1 Conv2D 3x3" in message
    assert analyze(net(big, big, L("globalavgpool2d"))).valid


@pytest.mark.parametrize("params, words", [
    ({"filters": 300}, "Filters is 300; it must be between 1 and 256"),
    ({"filters": "many"}, "Filters must be a whole number"),
    ({"filters": True}, "Filters must be a whole number"),
    ({"filters": 3.0}, "Filters must be a whole number"),
    ({"padding": "full"}, "Padding is 'full'; choose one of valid, same"),
    ({"padding": ["x"]}, "choose one of"),
    ({"use_bias": 1}, "Use bias must be true or false"),
    ({"sigma": float("nan")}, "Gaussian sigma is nan"),
    ({"filtrs": 3}, "unknown setting 'filtrs'"),
])
def test_bad_settings_become_messages(params, words):
    report = analyze(net(L("conv2d", **params)))
    assert not report.valid
    assert report.layers[0].error.startswith("Layer 1 Conv2D: ")
    assert words in report.layers[0].error


def test_unknown_kind_and_odd_params_never_raise():
    spec = NetworkSpec([LayerSpec("conv3d", {}), LayerSpec(["x"], None),
                        LayerSpec("dense", "oops"), LayerSpec("dropout", {"rate": 1e400})])
    report = analyze(spec)
    assert "Layer 1: unknown layer type 'conv3d'" in report.errors[0]
    assert len(report.layers) == 4 and not report.valid


def test_titles():
    assert S.layer_title(conv(5)) == "Conv2D 5x5"
    assert S.layer_title(L("avgpool2d", pool_size=3)) == "AveragePooling2D 3x3"
    assert S.layer_title(L("dense", units=128)) == "Dense 128"
    assert S.layer_title(L("dropout", rate=0.5)) == "Dropout 0.5"
    assert S.layer_title(L("dense", units=-1)) == "Dense"


def test_canonical_merges_equivalent_specs():
    a = NetworkSpec([L("maxpool2d", pool_size=3, stride=3), conv(3, sigma=0.5)], "n")
    b = NetworkSpec([L("maxpool2d", pool_size=3), conv(3)], "n")
    assert a != b and spec_files.canonical(a) == spec_files.canonical(b)
    c = NetworkSpec([conv(3, initializer="gaussian", sigma=0.5)], "n")
    assert spec_files.canonical(c).layers[0].params["sigma"] == 0.5


# ---------------------------------------------------------------- JSON


def full_spec() -> NetworkSpec:
    return analysis.with_output_layer(NetworkSpec(
        [S.default_layer(kind) for kind in ("conv2d", "batchnorm", "activation", "maxpool2d",
                                            "sumpool2d", "dropout")], "my net \u00e9"))


def test_json_round_trip_and_layout():
    spec = full_spec()
    text = to_json(spec)
    document = json.loads(text)
    assert document["format"] == "cnn-studio-network" and document["version"] == 1
    assert document["name"] == "my net \u00e9"
    assert document["layers"][0] == {"kind": "conv2d", "params": spec.layers[0].params}
    assert from_json(text) == spec
    assert from_json(text.encode("utf-8")) == spec


def test_out_of_range_values_load_then_analyze_explains():
    text = to_json(NetworkSpec([L("conv2d", filters=999)]))
    spec = from_json(text)
    assert spec.layers[0].params["filters"] == 999
    assert "between 1 and 256" in analyze(spec).errors[0]


def _doc(**changes) -> str:
    document = json.loads(to_json(full_spec()))
    document.update(changes)
    return json.dumps(document)


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("   \n", "empty"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a CNN Studio network"),
    ('{"format": "strokes-v1", "samples": []}', "not a CNN Studio network"),
    (_doc(version=2), "version 2"),
    (_doc(version="1"), "version"),
    (_doc(version=True), "version"),
    (_doc(extra=1), "unknown fields ['extra']"),
    (_doc(name=5), "name"),
    (_doc(layers={}), "'layers' list"),
    (_doc(layers=[{"kind": "conv3d", "params": {}}]), "unknown kind 'conv3d'"),
    (_doc(layers=[{"kind": ["x"]}]), "unknown kind"),
    (_doc(layers=[{"kind": "dense", "params": {}, "note": 1}]), "unknown fields ['note']"),
    (_doc(layers=[{"kind": "dense", "params": {"size": 3}}]), "unknown setting 'size'"),
    (_doc(layers=[{"kind": "dense", "params": {"units": [3]}}]), "number, text or true/false"),
    (_doc(layers=[{"kind": "dense", "params": []}]), "'params' must be a JSON object"),
    (_doc(layers=[7]), "Layer 1 is not a JSON object"),
    ("[" * 100_000, "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
])
def test_from_json_refuses_with_clear_message(text, words):
    with pytest.raises(SpecError) as info:
        from_json(text)
    assert words in str(info.value)


def test_to_json_refuses_nan():
    with pytest.raises(SpecError):
        to_json(NetworkSpec([L("dropout", rate=float("nan"))]))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
_layer_obj = st.fixed_dictionaries(
    {"kind": st.sampled_from(sorted(CONTRACT_KINDS)) | _json},
    optional={"params": st.dictionaries(st.sampled_from(["filters", "units", "rate", "padding",
                                                          "pool_size", "stride", "x"]), _json,
                                        max_size=3) | _json})
_document = st.fixed_dictionaries(
    {"format": st.just("cnn-studio-network") | _json, "version": st.just(1) | _json,
     "layers": st.lists(_layer_obj, max_size=5) | _json},
    optional={"name": st.text(max_size=10) | _json})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200) | _json.map(json.dumps)
       | _document.map(json.dumps))
def test_from_json_fuzz_only_raises_spec_error_and_analyze_never_raises(data):
    try:
        spec = from_json(data)
    except SpecError:
        return
    report = analyze(spec)
    assert report.valid == (not report.errors)
    assert len(report.layers) == len(spec.layers)


def test_save_and_load_spec(tmp_path):
    path = tmp_path / "sub" / "net.cnn.json"
    spec = full_spec()
    spec_files.save_spec(spec, path)
    assert spec_files.load_spec(path) == spec
    assert sorted(p.name for p in path.parent.iterdir()) == ["net.cnn.json"]  # no temp left
    spec_files.save_spec(NetworkSpec([], "second"), path)
    assert spec_files.load_spec(path).name == "second"


def test_load_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="missing.cnn.json: file not found"):
        spec_files.load_spec(tmp_path / "missing.cnn.json")
    bad = tmp_path / "bad.cnn.json"
    bad.write_text("{}")
    with pytest.raises(SpecError, match="bad.cnn.json: This JSON is not a CNN Studio network"):
        spec_files.load_spec(bad)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SpecError, match="Could not save"):
        spec_files.save_spec(full_spec(), blocker / "net.cnn.json")


def test_pure_modules_do_not_import_tensorflow():
    code = ("import sys, argparse\n"
            "import cnn_studio.model.spec.network, cnn_studio.model.spec.presets\n"
            "from cnn_studio.cli import summary\n"
            "summary.run(argparse.Namespace(network=None, preset='deep', list_presets=False, json=False))\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n")
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=root)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["bad\x00name", "two\nlines", "tab\there"])
def test_names_with_control_characters_are_refused(name):
    document = json.dumps({"format": "cnn-studio-network", "version": 1, "name": name,
                           "layers": []})
    with pytest.raises(SpecError, match="control character"):
        spec_files.from_json(document)
    with pytest.raises(SpecError, match="control character"):
        spec_files.to_json(NetworkSpec([], name))

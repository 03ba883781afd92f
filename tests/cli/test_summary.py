"""Tests of `python main.py summary` through main.main()."""

from __future__ import annotations

import json

from cnn_studio import main
from cnn_studio.model.spec.analysis import analyze, with_output_layer
from cnn_studio.model.spec.files import save_spec
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec
from cnn_studio.model.spec.presets import PRESETS, get_preset


def test_list_presets(capsys):
    assert main.main(["summary", "--list-presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PRESETS)
    for line, preset in zip(lines, PRESETS.values(), strict=True):
        assert line.split()[0] == preset.name
        assert line.endswith(preset.description)


def test_preset_table(capsys):
    assert main.main(["summary", "--preset", "classic"]) == 0
    out = capsys.readouterr().out
    report = analyze(get_preset("classic"))
    assert "Conv2D 5x5" in out and "28x28x16" in out and "MaxPooling2D 2x2" in out
    total = next(line for line in out.splitlines() if "Total" in line)
    assert f"{report.total_params:,}" in total and f"{report.total_macs:,}" in total
    rows = [line.split()[0] for line in out.splitlines() if line[:3].strip().isdigit()]
    assert rows == [str(i) for i in range(len(report.layers) + 1)]
    assert "Activation memory" in out


def test_file_valid_and_invalid(tmp_path, capsys):
    good = tmp_path / "good.cnn.json"
    save_spec(with_output_layer(NetworkSpec([LayerSpec("conv2d", {"filters": 4})], "g")), good)
    assert main.main(["summary", str(good)]) == 0
    assert "26x26x4" in capsys.readouterr().out

    bad = tmp_path / "bad.cnn.json"
    output = LayerSpec("dense", {"units": 26, "activation": "softmax"})
    save_spec(NetworkSpec([LayerSpec("conv2d"), output]), bad)
    assert main.main(["summary", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "Layer 2 Dense 26: its input is a 26x26x16 feature map" in captured.err
    assert "Flatten" in captured.err


def test_bad_input_exits_2_with_message(tmp_path, capsys):
    corrupt = tmp_path / "corrupt.cnn.json"
    corrupt.write_bytes(b"\x00\x01 not json")
    cases = [
        (["summary", str(tmp_path / "missing.cnn.json")], "missing.cnn.json: file not found"),
        (["summary", str(corrupt)], "not valid JSON"),
        (["summary", "--preset", "vgg"], "no preset called 'vgg'"),
        (["summary"], "give either a network file"),
        (["summary", str(corrupt), "--preset", "tiny"], "give either a network file"),
    ]
    for argv, words in cases:
        assert main.main(argv) == 2, argv
        assert words in capsys.readouterr().err


def _keras_total_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip().startswith(("Total params:", "Trainable params:",
                                        "Non-trainable params:"))]


def test_table_ends_with_the_keras_parameter_lines(capsys):
    assert main.main(["summary", "--preset", "classic"]) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "Total params: 217,434 (849.35 KB)",
        "Trainable params: 217,434 (849.35 KB)",
        "Non-trainable params: 0 (0.00 B)",
    ]


def test_parameter_lines_match_keras_with_batch_normalization(capsys):
    """The deep preset's BatchNormalization keeps moving mean/variance: non-trainable."""
    from cnn_studio.model.nets.keras_build import build_model

    assert main.main(["summary", "--preset", "deep"]) == 0
    ours = capsys.readouterr().out.splitlines()[-3:]
    captured: list[str] = []
    build_model(get_preset("deep"), seed=0).summary(print_fn=captured.append)
    assert ours == _keras_total_lines("\n".join(captured))
    assert ours[2] == "Non-trainable params: 448 (1.75 KB)"  # 2 x (32 + 64 + 128)


def test_json_goes_to_stdout_with_the_layer_table_and_totals(capsys):
    assert main.main(["summary", "--preset", "deep", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    document = json.loads(captured.out)
    report = analyze(get_preset("deep"))
    assert document["name"] == "deep" and document["valid"] is True
    assert document["input_shape"] == [28, 28, 1] and document["output_shape"] == [26]
    assert [row["layer"] for row in document["layers"]] == [r.title for r in report.layers]
    assert [row["params"] for row in document["layers"]] == [r.params for r in report.layers]
    assert document["layers"][2]["kind"] == "batchnorm"
    assert document["layers"][2]["non_trainable_params"] == 64
    assert document["total_params"] == report.total_params == 589_178
    assert document["trainable_params"] + document["non_trainable_params"] == 589_178
    assert document["non_trainable_params"] == 448
    assert document["params_bytes"] == 4 * 589_178
    assert document["total_macs"] == report.total_macs and document["errors"] == []


def test_json_of_an_invalid_network_lists_its_problems(tmp_path, capsys):
    bad = tmp_path / "bad.cnn.json"
    output = LayerSpec("dense", {"units": 26, "activation": "softmax"})
    save_spec(NetworkSpec([LayerSpec("conv2d"), output]), bad)
    assert main.main(["summary", str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["valid"] is False
    assert "its input is a 26x26x16 feature map" in document["errors"][0]
    assert document["layers"][1]["error"] == document["errors"][0]
    assert "its input is a 26x26x16 feature map" in captured.err


def test_json_presets_and_errors_on_stderr(capsys):
    assert main.main(["summary", "--list-presets", "--json"]) == 0
    names = [entry["name"] for entry in json.loads(capsys.readouterr().out)]
    assert names == list(PRESETS)
    assert main.main(["summary", "--preset", "vgg", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "no preset called 'vgg'" in captured.err

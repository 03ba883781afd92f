"""Tests of `python main.py summary` through main.main()."""

from __future__ import annotations

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

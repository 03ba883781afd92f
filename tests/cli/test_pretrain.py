"""The `pretrain` command: a tiny reproducible run end to end (synthetic + real letters)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnn_studio.cli import pretrain
from cnn_studio.main import build_parser
from cnn_studio.model.ink.strokes import Sample, write_strokes
from cnn_studio.model.spec.analysis import analyze


def test_default_spec_is_a_valid_network_with_an_output_layer():
    report = analyze(pretrain.default_spec())
    assert report.valid and report.has_output_layer
    assert report.total_params < 1_000_000


def test_bad_arguments_are_refused(capsys):
    parser = build_parser()
    for argv in (["pretrain", "--samples", "10"], ["pretrain", "--epochs", "0"],
                 ["pretrain", "--seed", "x"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    args = parser.parse_args(["pretrain", "--out", "model.h5"])
    assert args.handler(args) == 2
    assert ".keras" in capsys.readouterr().err


def test_tiny_pretrain_saves_a_loadable_model_and_reports_real_accuracy(tmp_path, capsys,
                                                                       monkeypatch):
    from support_real_letters import install_fake_real_letters

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    install_fake_real_letters(tmp_path, monkeypatch)
    real = tmp_path / "real.json"
    write_strokes(real, [Sample([np.array([[0.0, 0.0], [0.0, 50.0]])], "l")], (60, 60))
    out = tmp_path / "net.keras"
    args = build_parser().parse_args(["pretrain", "--out", str(out), "--samples", "260",
                                      "--epochs", "1", "--real", str(real)])
    assert args.handler(args) == 0
    text = capsys.readouterr().out
    assert "epoch 1:" in text and "lower case" in text and "saved" in text
    from cnn_studio.model.nets.model_files import load_model_file, spec_path_for

    model = load_model_file(out)
    assert model.output_shape == (None, 26)
    assert spec_path_for(out).exists()
    history = json.loads(pretrain.history_path_for(out).read_text())
    assert history["real_file"] == "real.json" and history["samples"] == 260
    [epoch] = history["epochs"]
    assert epoch["epoch"] == 1 and 0.0 <= epoch["real_lower_pct"] <= 100.0
    assert epoch["real_upper_pct"] is None  # the file holds no upper-case sample
    assert "--seed 0" in history["command"] and "--real-share 0.5" in history["command"]
    assert "held-out sites (art, cea, pri, uqb)" in text and "temperature" in text
    calibration = history["calibration"]
    assert calibration["temperature"] > 0 and history["seconds"] > 0
    assert history["cpu_minutes"] > 0
    assert set(calibration["site_accuracy"]["per_site"]) == {"art", "cea", "pri", "uqb"}
    assert calibration["dev"]["samples"] == 1
    for report in (calibration["held_out_sites"], calibration["dev"]):
        assert 0 <= report["ece_after"] <= 1 and 0 <= report["ece_before"] <= 1

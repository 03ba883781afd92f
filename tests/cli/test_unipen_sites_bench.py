"""The held-out UNIPEN sites benchmark (benchmarks/unipen_sites.py) and its report rows."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from support_real_letters import install_fake_real_letters

from cnn_studio.model.storage.paths import PROJECT_ROOT


def _load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_under_test",
                                                  PROJECT_ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_runs_the_unipen_sites_benchmark_and_reports_its_rows():
    run_all = _load("run_all")
    assert run_all.BENCHMARKS["unipen_sites"][0] == "unipen_sites.py"
    data = {"sites": ["art", "uqb"], "accuracy_pct": 90.0, "upper_pct": 95.0,
            "lower_pct": 85.0, "per_site": {"art": {"accuracy_pct": 88.0},
                                            "uqb": {"accuracy_pct": 93.0}},
            "calibration": {"temperature": 0.7,
                            "held_out_sites": {"ece_before": 0.09, "ece_after": 0.01},
                            "dev": {"ece_before": 0.1, "ece_after": 0.12}}}
    head, sites, held, dev = run_all.rows_for("unipen_sites", data)
    assert head["value"] == "90.0 %" and "upper 95.0 %" in head["baseline"]
    assert sites["value"] == "art 88.0 %, uqb 93.0 %"
    assert held["value"] == 0.01 and held["met"] is True and "temperature 0.7" in held["figure"]
    assert dev["met"] is False  # worse than uncalibrated is reported as not met


def test_measure_reports_sites_cases_and_calibration_before_and_after(tmp_path, monkeypatch):
    import keras

    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.training.calibration import bake_temperature

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    install_fake_real_letters(tmp_path, monkeypatch)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26, activation="softmax")])
    bake_temperature(model, 0.5)
    path = tmp_path / "m.keras"
    save_model_file(model, None, path)
    (tmp_path / "m.history.json").write_text(json.dumps({"calibration": {"temperature": 0.5}}))
    result = _load("unipen_sites").measure(path, None)
    assert result["sites"] == ["art", "cea", "pri", "uqb"] and result["letters"] == 24
    assert result["per_site"]["uqb"]["lower_pct"] is None  # uqb wrote upper case only
    report = result["calibration"]["held_out_sites"]
    assert result["calibration"]["temperature"] == 0.5 and report["samples"] == 24
    # "before" undoes the baked temperature: less sure than the shipped probabilities
    assert report["mean_confidence_before"] < report["mean_confidence_after"]
    assert "dev" not in result["calibration"]
    assert np.isfinite(report["ece_before"]) and np.isfinite(report["ece_after"])


@pytest.mark.parametrize("text", ["{}", "not json", '{"calibration": {"temperature": -1}}'])
def test_missing_or_odd_history_means_no_temperature(tmp_path, text):
    (tmp_path / "m.history.json").write_text(text)
    assert _load("unipen_sites").recorded_temperature(tmp_path / "m.keras") == 1.0

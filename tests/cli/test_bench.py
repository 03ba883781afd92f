"""The `bench` report rows: the figures issue 17 asks for, each with its goal and whether met."""

from __future__ import annotations

import argparse
import importlib.util

import pytest

from cnn_studio.model.storage.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def run_all():
    spec = importlib.util.spec_from_file_location("run_all_under_test",
                                                  PROJECT_ROOT / "benchmarks" / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STARTUP = {"first_paint_s_median": 0.4, "first_answer_painted_s_median": 0.9,
           "tensorflow_import_s_median": 4.0, "ratio_first_paint_to_tf_import": 0.1,
           "ratio_first_answer_to_tf_import": 0.225, "meets_goal": True,
           "first_answer_meets_goal": True, "rss_mb_at_first_answer": 180.0,
           "rss_mb_after_tensorflow_loaded": 700.0}
TRAINING = {"in_app_samples_per_s": [900, 1000, 1100, 950, 1000],
            "bare_fit_samples_per_s": [1000, 1000, 1000, 1000, 1000],
            "ratio_in_app_to_bare_median": 1.0, "ratio_in_app_to_bare_min": 0.79,
            "ratio_in_app_to_bare_max": 1.1, "rss_mb_after_one_training_run": 900.0,
            "gui_lateness_training": {"p99_ms": 12.0, "max_ms": 40.0},
            "gui_lateness_idle": {"p99_ms": 1.0, "max_ms": 2.0}}


def test_start_up_row_is_the_first_answer_against_the_tensorflow_import(run_all):
    rows = run_all.rows_for("startup", STARTUP)
    answer = next(r for r in rows if r["figure"] == "launch to first prediction painted (median)")
    assert answer["area"] == "start-up" and answer["value"] == "0.9 s"
    assert answer["baseline"] == "import tensorflow 4.0 s" and answer["ratio"] == 0.225
    assert answer["goal"] == "≤ 1.0 s and ratio ≤ 0.35" and answer["met"] is True
    memory = [r["value"] for r in rows if r["area"] == "memory"]
    assert memory == ["180.0 MB", "700.0 MB"]


def test_training_row_needs_both_the_median_and_the_worst_pair(run_all):
    rows = run_all.rows_for("training", TRAINING)
    ratio, lateness, memory = rows
    assert "median of 5 interleaved pairs" in ratio["figure"]
    assert ratio["ratio"] == "1.0 (min 0.79, max 1.1)" and ratio["met"] is False  # min < 0.80
    assert lateness["met"] is True and memory["value"] == "900.0 MB"
    better = run_all.rows_for("training", {**TRAINING, "ratio_in_app_to_bare_min": 0.85})
    assert better[0]["met"] is True


def test_prediction_rows_goal_and_paired_engines(run_all):
    predict = {"pen_up_to_painted_ms_median": 9.5, "engine": "numpy",
               "bare_tf_function_forward_ms_median": 1.2,
               "engines_interleaved": {"tensorflow_painted_ms_median": 11.0,
                                       "ratio_numpy_to_tensorflow_median": 0.86,
                                       "ratio_numpy_to_tensorflow_min": 0.5,
                                       "ratio_numpy_to_tensorflow_max": 1.2}}
    (row,) = run_all.rows_for("predict", predict)
    assert row["goal"] == "≤ 10 ms" and row["met"] is True and "numpy engine" in row["figure"]
    assert row["ratio"].startswith("0.86 (min 0.5, max 1.2)")
    (slow,) = run_all.rows_for("predict", {**predict, "pen_up_to_painted_ms_median": 10.5})
    assert slow["met"] is False
    (numpy_row,) = run_all.rows_for("numpy_forward", {
        "numpy_median_ms": 0.5, "tf_function_median_ms": 1.2, "ratio_median": 0.42,
        "ratio_min": 0.3, "ratio_max": 0.9, "pairs": 60})
    assert numpy_row["met"] is True and numpy_row["ratio"] == "0.42 (min 0.3, max 0.9)"


def test_bench_command_passes_quick_and_only_on(monkeypatch):
    from types import SimpleNamespace

    from cnn_studio.cli import bench

    seen = []
    fake = SimpleNamespace(main=lambda argv: seen.append(argv) or 0)
    loader = SimpleNamespace(exec_module=lambda module: None)
    monkeypatch.setattr(importlib.util, "spec_from_file_location",
                        lambda name, path: SimpleNamespace(loader=loader))
    monkeypatch.setattr(importlib.util, "module_from_spec", lambda spec: fake)
    args = argparse.Namespace(quick=True, only=["startup", "training"], out=None,
                              update_readme=False)
    assert bench.run(args) == 0
    assert seen == [["--quick", "--only", "startup", "training"]]


def test_the_varied_real_letters_benchmark_prints_rates_and_ratios(capsys):
    spec = importlib.util.spec_from_file_location(
        "real_letters_varied_under_test", PROJECT_ROOT / "benchmarks" / "real_letters_varied.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--letters", "40", "--runs", "1"])
    assert set(result["letters_per_s"]) == {"plain", "varied_one_process", "varied_all_cores"}
    assert all(rate > 0 for rate in result["letters_per_s"].values())
    assert result["ratio_varied_one_process_vs_plain"] > 0
    assert '"benchmark": "real_letters_varied"' in capsys.readouterr().out


def _overview_case(lateness=None):
    times = {"median_ms": 20.0, "p99_ms": 40.0, "cpu_median_ms": 8.0, "cpu_p99_ms": 9.5}
    strip = {"median_ms": 30.0, "p99_ms": 60.0, "cpu_median_ms": 10.0, "cpu_p99_ms": 12.0}
    case = {"widget_size": [1000, 560], "overview": times, "activation_strip": strip,
            "ratio_median": 0.667, "ratio_cpu_median": 0.8}
    if lateness is not None:
        case["gui_lateness_ms"] = {
            "idle": {"p99_ms": 3.0, "max_ms": 6.0}, "fed_50_per_s": lateness,
            "activation_strip_fed_50_per_s": {"p99_ms": 15.0, "max_ms": 24.0}}
    return case


def test_overview_rows_give_cpu_repaint_against_the_strip_and_lateness_goal(run_all):
    data = {"cases": {"new_drawing@1366x768": _overview_case(),
                      "training_snapshot@1366x768": _overview_case(
                          {"p99_ms": 12.0, "max_ms": 30.0})}}
    drawing, snapshot, late = run_all.rows_for("overview", data)
    assert drawing["value"] == "8.0 / 9.5 ms" and drawing["ratio"] == 0.8
    assert "new drawing (1366x768 window" in drawing["figure"]
    assert drawing["baseline"] == "activation strip 10.0 ms"
    assert "training snapshot" in snapshot["figure"]
    assert late["met"] is True and "activation strip 15.0 / 24.0 ms" in late["baseline"]
    data["cases"]["training_snapshot@1366x768"] = _overview_case({"p99_ms": 16.0, "max_ms": 30.0})
    assert run_all.rows_for("overview", data)[2]["met"] is False

"""Runs side by side: the settings that differ and every figure, a run against itself too."""

from __future__ import annotations

from support_runs import record

from cnn_studio.model.runs.comparison import comparison, differing_settings


def test_a_run_compared_with_itself_differs_in_nothing():
    run = record(real=0.5, shift=[(0, 0.5), (4, 0.2)])
    result = comparison([run, run])
    assert result["differences"] == []
    first, second = result["networks"]
    assert first == second
    assert first["real_letter_accuracy"] == 0.5 and first["shift"] == [[0, 0.5], [4, 0.2]]
    assert first["rotation"] == [] and first["params"] == 1000


def test_every_differing_setting_is_listed_with_each_runs_value():
    a = record("tiny", settings={"epochs": 2, "batch_size": 64})
    b = record("classic", settings={"epochs": 2, "batch_size": 32}, epochs_completed=1)
    rows = dict(differing_settings([a, b]))
    assert rows["settings.batch_size"] == [64, 32]
    assert rows["epochs completed"] == [2, 1]
    assert rows["network.layers[1].params.filters"] == [8, 16]
    assert rows["network.layers[9].kind"] == [None, "dense"]  # tiny has 4 layers
    assert "settings.epochs" not in rows


def test_the_window_can_import_the_runs_model_without_tensorflow():
    import subprocess
    import sys

    code = ("import sys; import cnn_studio.model.runs.store, cnn_studio.model.runs.comparison, "
            "cnn_studio.model.runs.dense_vs_cnn, cnn_studio.model.runs.robustness, "
            "cnn_studio.model.runs.recorder; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]

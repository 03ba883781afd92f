"""File > Export trained model: through the real menu action of the window (which holds a
model at start), and the dashboard alone without a model."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.training import export_action


def test_file_export_writes_a_litert_model_that_answers_like_keras(ready_window, qtbot,
                                                                   tmp_path, monkeypatch):
    window = ready_window
    qtbot.waitUntil(lambda: window.state.model is not None, timeout=60_000)
    choices = dict((name, label) for label, name in export_action.format_choices())
    monkeypatch.setattr(export_action.QInputDialog, "getItem",
                        lambda *args, **kwargs: (choices["litert"], True))
    target = tmp_path / "letters.tflite"
    monkeypatch.setattr(last_folder, "save_file", lambda *args, **kwargs: str(target))
    window.export_model_action.trigger()
    files = window.panels["training"].files
    qtbot.waitUntil(lambda: not files.tasks and target.exists(), timeout=120_000)
    assert "Exported the trained model as" in window.panels["training"].message.text()
    from cnn_studio.model.nets.export import run_exported

    images = np.random.default_rng(0).random((3, 28, 28, 1), np.float32)
    keras_out = window.state.model(images, training=False).numpy()
    np.testing.assert_allclose(run_exported(str(target), "litert", images), keras_out,
                               atol=1e-5)


def test_file_export_without_a_model_says_what_to_do(dashboard, monkeypatch):
    shown = []
    monkeypatch.setattr(export_action.QMessageBox, "information",
                        lambda *args: shown.append(args[2]))
    files = dashboard.files
    monkeypatch.setattr(files, "active_model", lambda: (None, None))
    export_action.ask_export(files, files)
    assert shown and "train or open one first" in shown[0]


@pytest.mark.parametrize("missing", [True, False])
def test_onnx_choice_says_which_extra_it_needs(monkeypatch, missing):
    monkeypatch.setattr(export_action, "missing_packages",
                        lambda name: ["onnx"] if missing and name == "onnx" else [])
    labels = dict((name, label) for label, name in export_action.format_choices())
    assert ('pip install ".[onnx]"' in labels["onnx"]) is missing

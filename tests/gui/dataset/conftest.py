"""Fixtures of the dataset panel tests: a window with six samples, warnings caught."""

from __future__ import annotations

import pytest
from support_dataset_panel import on_data_tab, stroke_sample

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.strokes import write_strokes


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A window (no TensorFlow) whose sample store holds A, A, A, b, b, C."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    samples = [stroke_sample(label, i * 7.0) for i, label in enumerate("AAAbbC")]
    write_strokes(default_path(), samples, STORE_CANVAS)
    from cnn_studio.gui.app.main_window import MainWindow

    win = on_data_tab(qtbot, MainWindow(load_tensorflow=False))
    yield win
    win.close()


@pytest.fixture
def warnings(monkeypatch):
    """Every QMessageBox.warning shown, as (title, text), instead of a modal box."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append((title, text))))
    return shown

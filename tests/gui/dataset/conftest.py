"""Fixtures of the dataset panel tests: the panel alone on an app state (most tests) or the
window (the Edit menu, a letter drawn on the canvas), each with six samples; warnings caught."""

from __future__ import annotations

import pytest
from support_dataset_panel import on_data_tab, stroke_sample
from support_widgets import shown

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.strokes import write_strokes


def write_six_samples() -> None:
    """The sample store on disk holds A, A, A, b, b, C."""
    samples = [stroke_sample(label, i * 7.0) for i, label in enumerate("AAAbbC")]
    write_strokes(default_path(), samples, STORE_CANVAS)


@pytest.fixture
def panel(qtbot, app_state):
    """The dataset browser alone on an app state whose sample store holds A, A, A, b, b, C;
    its background jobs are shut down after the test, as the window does on close."""
    from cnn_studio.gui.dataset.panel import DatasetBrowser

    write_six_samples()
    browser = shown(qtbot, DatasetBrowser(app_state, app_state.samples()), (520, 760))
    yield browser
    browser.shutdown()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A window (no TensorFlow) whose sample store holds A, A, A, b, b, C."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    write_six_samples()
    from cnn_studio.gui.app.main_window import MainWindow

    win = on_data_tab(qtbot, MainWindow(load_tensorflow=False))
    yield win
    win.close()


@pytest.fixture
def warnings(monkeypatch):
    """Every QMessageBox.warning shown, as (title, text), instead of a modal box."""
    from PySide6.QtWidgets import QMessageBox

    boxes: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: boxes.append((title, text))))
    return boxes

"""Fixtures for GUI tests: an app state alone (most panel tests build their panel on it), or
the whole main window, each with TensorFlow loaded when a test asks for it."""

from __future__ import annotations

import pytest
from support_widgets import shown


@pytest.fixture
def main_window(qtbot):
    """A fresh main window that loads TensorFlow in the background, closed after the test."""
    from cnn_studio.gui.app.main_window import MainWindow

    window = shown(qtbot, MainWindow(), exposed=False)
    yield window
    window.close()


@pytest.fixture
def ready_window(main_window, qtbot):
    """The main window once TensorFlow is loaded and start-up work is done."""
    qtbot.waitUntil(lambda: main_window.state.tf_loaded and main_window.state.idle, timeout=120_000)
    return main_window


@pytest.fixture
def app_state(tmp_path, monkeypatch):
    """A fresh app state whose files (samples, settings, models) live in a private home."""
    from cnn_studio.gui.common.state import AppState

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return AppState()


@pytest.fixture
def tf_state(app_state):
    """The app state once TensorFlow is loaded (imported here, as the window's loader does)."""
    from cnn_studio.gui.app.tf_loader import describe_tensorflow

    app_state.tf_info = describe_tensorflow()
    assert app_state.tf_loaded
    return app_state


@pytest.fixture
def easy(monkeypatch):
    """Training runs of the window gather easy generated bars (``support_data.easy_data``)
    instead of synthetic letters: fast, and learnable in one epoch."""
    from support_data import easy_data

    from cnn_studio.gui.training import worker as training_worker
    from cnn_studio.model.data.dataset import split

    def easy_pair(choice, seed, val_fraction=0.0, **kwargs):
        data = easy_data(choice.samples)
        return split(data, val_fraction, seed) if val_fraction else (data, None)

    monkeypatch.setattr(training_worker, "gather_data", easy_pair)

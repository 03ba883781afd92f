"""Fixtures for GUI tests: the main window, with TensorFlow loaded when a test asks for it."""

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

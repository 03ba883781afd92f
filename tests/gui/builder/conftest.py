"""Fixtures of the layer builder tests: the classic preset to start from, the panel alone on an
app state (most tests), the window (File menu, Open recent, title bar, Edit menu)."""

from __future__ import annotations

import pytest
from support_widgets import shown


@pytest.fixture
def start_with_classic(tmp_path_factory, monkeypatch):
    """Start from the classic preset, whatever network the shipped model has (the panel test
    modules use it for every test through ``pytestmark``)."""
    import cnn_studio.gui.builder.files

    monkeypatch.setattr(cnn_studio.gui.builder.files, "DEFAULT_MODEL_DIR", tmp_path_factory.mktemp("none"))


@pytest.fixture
def window(qtbot):
    """The main window without TensorFlow (the builder must work before it loads)."""
    from cnn_studio.gui.app.main_window import MainWindow

    win = shown(qtbot, MainWindow(load_tensorflow=False), exposed=False)
    yield win
    win.close()


@pytest.fixture
def builder(window):
    return window.panels["builder"]


@pytest.fixture
def panel(qtbot, app_state):
    """The builder panel alone on an app state (files in a private home), for the tests that
    need no menus or other panels; ``panel.state`` is that state."""
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    return shown(qtbot, LayerBuilderPanel(app_state), (600, 900), exposed=False)

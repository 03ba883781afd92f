"""Fixtures of the layer builder tests: the classic preset to start from, the window, the panel."""

from __future__ import annotations

import pytest


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

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


@pytest.fixture
def builder(window):
    return window.layer_builder


@pytest.fixture
def panel(qtbot):
    """The builder panel alone (quicker) for tests that need no menus or other panels."""
    from cnn_studio.gui.app.state import AppState
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    widget = LayerBuilderPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(600, 900)
    widget.show()
    return widget

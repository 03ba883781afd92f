"""Panels built against an app state alone, without the main window or TensorFlow: they talk
only through the state."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from cnn_studio.gui.app.state import AppState
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.spec.presets import get_preset


def test_the_builder_publishes_new_values_and_shows_requested_networks(qtbot):
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    state = AppState()
    builder = LayerBuilderPanel(state)
    qtbot.addWidget(builder)
    published = []
    state.spec_changed.connect(published.append)
    before = state.spec
    qtbot.mouseClick(builder.palette_buttons["dropout"], Qt.MouseButton.LeftButton)
    assert published and published[-1] is state.spec and state.spec is not before
    assert [layer.kind for layer in before.layers] != [layer.kind for layer in state.spec.layers]
    tiny = get_preset("tiny")
    state.network_requested.emit(tiny, "Network of the opened model")
    assert state.spec.layers == tiny.layers and builder.stack.undoText() == \
        "Network of the opened model"


def test_the_dataset_panel_follows_the_one_store(qtbot, tmp_path, monkeypatch):
    from cnn_studio.gui.dataset.panel import DatasetBrowser

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    state = AppState()
    panel = DatasetBrowser(state, state.samples())
    qtbot.addWidget(panel)
    state.samples().add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    qtbot.waitUntil(lambda: panel.strip.counts[LETTERS.index("K")] == 1, timeout=5000)


def test_draw_and_explain_panels_wait_for_a_model_without_a_window(qtbot):
    from cnn_studio.gui.draw.panel import DrawPanel
    from cnn_studio.gui.explain.base import HINT_TF
    from cnn_studio.gui.explain.panel import ExplainPanel

    state = AppState()
    draw, explain = DrawPanel(state), ExplainPanel(state)
    qtbot.addWidget(draw)
    qtbot.addWidget(explain)
    explain.show()
    qtbot.waitUntil(lambda: explain.conv_tab.hint.text() == HINT_TF, timeout=5000)
    assert draw.canvas.is_empty()
    draw.shutdown()
    explain.shutdown()

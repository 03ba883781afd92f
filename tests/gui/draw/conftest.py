"""Fixtures of the draw panel's tests: the panel built on an app state alone, as the window's
installer builds it, shut down after the test; the messages it sends to the status bar."""

from __future__ import annotations

import pytest
from support_widgets import shown


@pytest.fixture
def open_draw_panel(qtbot):
    """``open_draw_panel(state)``: a shown DrawPanel on ``state`` (inference started when
    TensorFlow is loaded, as ``install`` does), its worker stopped after the test."""
    from cnn_studio.gui.draw.panel import DrawPanel

    panels = []

    def open_panel(state, size: tuple[int, int] = (900, 640)):
        panel = shown(qtbot, DrawPanel(state), size)
        panels.append(panel)
        if state.tf_loaded:
            panel.start_inference()
        panel.canvas.setFocus()  # letter keys and Ctrl+Z work on the canvas from the start
        return panel

    yield open_panel
    for panel in panels:
        panel.shutdown()


@pytest.fixture
def messages(app_state):
    """Every line the panels send to the status bar (``state.message``), in order."""
    lines: list[str] = []
    app_state.message.connect(lines.append)
    return lines

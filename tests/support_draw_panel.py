"""The draw panel built on an app state alone, as the window's installer builds it: a fixture
the draw and explain tests' conftests import."""

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

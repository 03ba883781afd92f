"""A tab that cannot be seen computes nothing; it catches up when it comes to the front."""

from __future__ import annotations

from support_widgets import shown

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.explain.panel import ExplainPanel


def test_a_tab_off_screen_waits_and_catches_up_when_shown(qtbot, monkeypatch):
    panel = ExplainPanel(AppState())
    qtbot.addWidget(panel)
    tab = panel.conv_tab
    refreshed: list[str] = []
    monkeypatch.setattr(tab, "refresh", lambda: refreshed.append("refresh"))
    tab.request()  # the drawing changed while the dock is hidden
    assert tab.dirty and refreshed == []
    shown(qtbot, panel)
    panel.show_concept("conv_tab")
    refreshed.clear()
    tab.dirty = True
    panel.catch_up()  # what the window calls when the Explain dock comes to the front
    assert refreshed == ["refresh"]

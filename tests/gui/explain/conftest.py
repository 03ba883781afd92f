"""Fixtures of explain mode's tests: the explain panel built on an app state alone, before
TensorFlow or once it has loaded, shut down after the test (and ``open_draw_panel``)."""

from __future__ import annotations

import pytest
from support_draw_panel import open_draw_panel
from support_widgets import shown

__all__ = ["open_draw_panel"]  # the draw panel beside it, where a test compares the two


@pytest.fixture
def explain_before_tf(qtbot, app_state):
    """The explain panel shown on a fresh state, TensorFlow not loaded; its worker stopped
    after the test (as the window's shutdown hook does)."""
    from cnn_studio.gui.explain.panel import ExplainPanel

    panel = shown(qtbot, ExplainPanel(app_state))
    yield panel
    panel.shutdown()


@pytest.fixture
def explain(explain_before_tf, request, qtbot):
    """The explain panel once TensorFlow has loaded (after the panel, as in the window) and its
    warm-up has answered."""
    request.getfixturevalue("tf_state")
    qtbot.waitUntil(lambda: not explain_before_tf.ctx.busy, timeout=30_000)
    return explain_before_tf

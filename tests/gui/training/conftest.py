"""Fixtures for the training dashboard's tests: the dashboard built on an app state alone (with
TensorFlow loaded), as the window's training dock holds it, without booting the window."""

from __future__ import annotations

import pytest
from support_widgets import shown


@pytest.fixture
def dashboard(qtbot, tf_state):
    """A shown ``TrainingDashboard`` on ``tf_state`` (tests/gui/conftest.py), the size of the
    training dock; shut down after the test as the window's close does (no run outlives it).

    The state holds no network until a test assigns ``state.spec`` (the builder's part)."""
    from cnn_studio.gui.training.panel import TrainingDashboard

    panel = shown(qtbot, TrainingDashboard(tf_state), size=(440, 685))
    yield panel
    panel.shutdown()

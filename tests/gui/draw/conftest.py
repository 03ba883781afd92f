"""Fixtures of the draw panel's tests: the panel built on an app state alone
(``open_draw_panel``, from support_draw_panel), the messages it sends to the status bar."""

from __future__ import annotations

import pytest
from support_draw_panel import open_draw_panel

__all__ = ["open_draw_panel"]


@pytest.fixture
def messages(app_state):
    """Every line the panels send to the status bar (``state.message``), in order."""
    lines: list[str] = []
    app_state.message.connect(lines.append)
    return lines

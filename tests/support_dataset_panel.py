"""Shared helpers of the dataset panel tests: a letter-ish drawing, the window on its Data tab."""

from __future__ import annotations

import numpy as np
from support_widgets import shown as show_widget

from cnn_studio.model.ink.strokes import Sample


def stroke_sample(label: str, shift: float = 0.0) -> Sample:
    """A letter-ish drawing: a slanted line and a short bar."""
    return Sample([np.array([[40.0 + shift, 240.0], [140.0, 30.0], [240.0 - shift, 240.0]]),
                   np.array([[90.0, 150.0], [190.0, 150.0 + shift]])], label, "me")


def on_data_tab(qtbot, window, size: tuple[int, int] | None = None):
    """``window`` added to ``qtbot``, resized to ``size`` (None: as restored), shown on its Data
    tab and exposed."""
    show_widget(qtbot, window, size, exposed=False)
    window.show_tab("data")
    qtbot.waitExposed(window)
    return window

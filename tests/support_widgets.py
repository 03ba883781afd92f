"""Showing a widget under test: registered with qtbot (closed after the test), sized, shown."""

from __future__ import annotations


def shown(qtbot, widget, size: tuple[int, int] | None = None, exposed: bool = True):
    """``widget`` added to ``qtbot``, resized to ``size`` (None: as it is) and shown.

    With ``exposed`` it waits until the widget is on screen. Returns the widget.
    """
    qtbot.addWidget(widget)
    if size is not None:
        widget.resize(*size)
    widget.show()
    if exposed:
        qtbot.waitExposed(widget)
    return widget

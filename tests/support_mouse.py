"""Drawing with the mouse in GUI tests: a real drag through the canvas's logical points."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

LEFT, NO_MOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def press_and_move(canvas, points, qtbot=None, wait_ms: int = 0) -> None:
    """Press the left button at the first logical point, move through the others holding it.

    With ``qtbot`` and ``wait_ms``, waits that long after each move (the pen stays down).
    """
    QTest.mousePress(canvas, LEFT, NO_MOD, canvas.to_widget(*points[0]).toPoint())
    for x, y in points[1:]:
        pos = canvas.to_widget(x, y)
        QApplication.sendEvent(canvas, QMouseEvent(QMouseEvent.Type.MouseMove, pos,
                                                   canvas.mapToGlobal(pos),
                                                   Qt.MouseButton.NoButton, LEFT, NO_MOD))
        if wait_ms and qtbot is not None:
            qtbot.wait(wait_ms)


def release(canvas, point) -> None:
    """Release the left button at the logical canvas point ``point``."""
    QTest.mouseRelease(canvas, LEFT, NO_MOD, canvas.to_widget(*point).toPoint())


def drag(canvas, points, wait_ms: int = 0, qtbot=None) -> None:
    """A real mouse drag through logical canvas points (moves carry the held left button)."""
    press_and_move(canvas, points, qtbot, wait_ms)
    release(canvas, points[-1])

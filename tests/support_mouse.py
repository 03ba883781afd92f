"""Drawing with the mouse in GUI tests: a real drag through the canvas's logical points."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def drag(canvas, points) -> None:
    """A real mouse drag through logical canvas points (moves carry the held left button)."""
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, left, none, canvas.to_widget(*points[0]).toPoint())
    for x, y in points[1:]:
        pos = canvas.to_widget(x, y)
        QApplication.sendEvent(canvas, QMouseEvent(QMouseEvent.Type.MouseMove, pos,
                                                   canvas.mapToGlobal(pos),
                                                   Qt.MouseButton.NoButton, left, none))
    QTest.mouseRelease(canvas, left, none, canvas.to_widget(*points[-1]).toPoint())

"""Driving the Teach dialog in GUI tests: drawing letters on its pad, choosing letters."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

SHAPES = {
    "X": [[(30, 30), (110, 110), (190, 190)], [(190, 30), (110, 110), (30, 190)]],
    "o": [[(110 + 70 * np.cos(t), 110 + 70 * np.sin(t)) for t in np.linspace(0, 6.3, 24)]],
}


def drag(pad, points, shift: int) -> None:
    """Press at the first point, move through the others with the button held, release."""
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    points = [QPoint(int(x) + shift, int(y) - shift) for x, y in points]
    QTest.mousePress(pad, left, none, points[0])
    for point in points[1:]:
        event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(point),
                            QPointF(pad.mapToGlobal(point)), Qt.MouseButton.NoButton, left, none)
        QApplication.sendEvent(pad, event)
    QTest.mouseRelease(pad, left, none, points[-1])


def draw_all(qtbot, dialog) -> None:
    """Draw every prompted letter (slightly moved each time) and click Next."""
    for shift in range(20):
        if not dialog.queue:
            return
        for stroke in SHAPES[dialog.queue[0]]:
            drag(dialog.pad, stroke, 3 * shift)
        assert not dialog.pad.is_empty()
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)


def click_radio(qtbot, radio) -> None:
    """Click a radio button on its indicator (only its label area takes clicks)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def choose_letters(qtbot, dialog, text: str, per_letter: int) -> None:
    """Type ``text`` as the letters to teach, ``per_letter`` samples each, and Start drawing."""
    click_radio(qtbot, dialog.choice_buttons["typed"])
    assert dialog.choice_buttons["typed"].isChecked()
    dialog.letters_edit.clear()
    qtbot.keyClicks(dialog.letters_edit, text)
    dialog.per_letter.setValue(per_letter)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

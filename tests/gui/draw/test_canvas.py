"""The drawing canvas on its own: mouse strokes, throttled updates, undo, clear, keys."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from support_mouse import drag
from support_widgets import shown

from cnn_studio.gui.draw.canvas import (
    CANVAS_SIZE,
    EMIT_INTERVAL_MS,
    MAX_HISTORY,
    PEN_RANGE,
    DrawingCanvas,
    fit_strokes,
)


@pytest.fixture
def canvas(qtbot):
    return shown(qtbot, DrawingCanvas(), (300, 340))


def recorder(canvas):
    events = []
    canvas.strokes_changed.connect(lambda strokes, final: events.append((strokes, final)))
    return events


def test_a_drag_becomes_one_stroke_in_canvas_units(canvas):
    events = recorder(canvas)
    drag(canvas, [(40, 40), (100, 120), (200, 240)])
    assert len(canvas.strokes) == 1
    stroke = canvas.strokes[0]
    assert stroke.shape[1] == 2 and len(stroke) >= 3
    # The widget is 300x340, so the 300x300 drawing square is scaled: points stay in canvas units.
    np.testing.assert_allclose(stroke[-1], (200, 240), atol=1.5)
    np.testing.assert_allclose(stroke[1], (100, 120), atol=1e-6)
    assert events and events[-1][1] is True and len(events[-1][0]) == 1


def test_updates_while_drawing_are_throttled_and_pen_up_is_immediate(canvas, qtbot):
    events = recorder(canvas)
    points = [(20 + 4 * i, 30 + 3 * i) for i in range(30)]
    drag(canvas, points, wait_ms=10, qtbot=qtbot)
    live = [e for e in events if not e[1]]
    finals = [e for e in events if e[1]]
    assert len(finals) == 1
    assert 1 <= len(live) < len(points) - 1, "moves must be merged into fewer updates"
    assert all(len(strokes) == 1 for strokes, _ in live)
    qtbot.wait(2 * EMIT_INTERVAL_MS)
    assert [e for e in events if not e[1]] == live, "no late update after pen-up"


def test_single_click_is_a_dot(canvas):
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     canvas.to_widget(140, 140).toPoint())
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0]) == 1
    canvas.grab()  # painting a dot must work


def test_points_outside_are_clamped_to_the_canvas(canvas):
    drag(canvas, [(10, 10), (-50, 400)])
    stroke = canvas.strokes[0]
    assert stroke.min() >= 0 and stroke.max() <= CANVAS_SIZE


def test_undo_redo_and_clear(canvas, qtbot):
    drag(canvas, [(20, 20), (200, 20)])
    drag(canvas, [(100, 20), (100, 250)])
    assert len(canvas.strokes) == 2
    canvas.undo_stroke()
    assert len(canvas.strokes) == 1
    canvas.redo_stroke()
    assert len(canvas.strokes) == 2
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    canvas.undo_stroke()
    assert len(canvas.strokes) == 2, "clear can be undone"
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert canvas.is_empty()
    assert not canvas.can_redo()


def test_new_stroke_drops_the_redo_history(canvas):
    drag(canvas, [(20, 20), (200, 20)])
    canvas.undo_stroke()
    assert canvas.can_redo()
    drag(canvas, [(30, 30), (60, 200)])
    assert not canvas.can_redo()


def test_pen_width_is_bounded(canvas):
    canvas.set_pen_width(1000)
    assert canvas.pen_width == PEN_RANGE[1]
    canvas.set_pen_width(-3)
    assert canvas.pen_width == PEN_RANGE[0]


def test_letter_key_only_offers_when_something_is_drawn(canvas):
    letters = []
    canvas.letter_pressed.connect(letters.append)
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_B)
    assert letters == []
    drag(canvas, [(20, 20), (200, 200)])
    QTest.keyClick(canvas, Qt.Key.Key_B)
    QTest.keyClick(canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(canvas, Qt.Key.Key_5)
    assert letters == ["b", "B"]


def test_set_strokes_fits_another_canvas(canvas):
    events = recorder(canvas)
    canvas.set_strokes([np.array([[0.0, 0.0], [560.0, 560.0]])], source=(560, 560), margin=0)
    np.testing.assert_allclose(canvas.strokes[0], [[0, 0], [CANVAS_SIZE, CANVAS_SIZE]])
    assert events[-1][1] is True
    wide = fit_strokes([np.array([[0.0, 0.0], [100.0, 50.0]])], (100, 50))
    np.testing.assert_allclose(wide[0], [[0, 70], [280, 210]])


def test_tablet_pen_draws_with_pressure(canvas):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QPointingDevice, QTabletEvent

    device = QPointingDevice.primaryPointingDevice()
    left = Qt.MouseButton.LeftButton
    points = [(30, 30, 0.2), (90, 120, 0.6), (160, 200, 1.0)]
    kinds = [QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease]
    for (x, y, pressure), kind in zip(points, kinds, strict=True):
        pos = canvas.to_widget(x, y)
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else left
        event = QTabletEvent(kind, device, pos, canvas.mapToGlobal(pos), pressure, 0.0, 0.0,
                             0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, left, buttons)
        QApplication.sendEvent(canvas, event)
    assert len(canvas.strokes) == 1
    np.testing.assert_allclose(canvas.strokes[0], [(30, 30), (90, 120)], atol=1e-6)
    assert list(canvas._pressures[0]) == pytest.approx([0.2, 0.6])
    canvas.grab()


def test_strokes_and_clears_are_named_commands_on_the_undo_stack(canvas):
    stack = canvas.undo_stack
    drag(canvas, [(20, 20), (200, 20)])
    assert stack.count() == 1 and stack.undoText() == "Stroke"
    canvas.clear()
    assert stack.undoText() == "Clear drawing" and canvas.is_empty()
    stack.undo()  # what the window's QUndoGroup does on Edit > Undo
    assert len(canvas.strokes) == 1 and stack.redoText() == "Clear drawing"
    stack.redo()
    assert canvas.is_empty()
    canvas.set_strokes([[(1, 1), (5, 5)]])
    assert stack.undoText() == "Load drawing" and stack.undoLimit() == MAX_HISTORY

"""The drawing canvas: pen strokes from mouse or tablet, undo/redo, clear, letter keys.

Strokes live in a fixed logical coordinate system of ``CANVAS_SIZE`` units (the strokes-v1
canvas of the user's samples and the real-handwriting set), whatever the widget's size on
screen: the widget shows that square scaled to fit. While the pen moves the canvas reports
the strokes at most every ``EMIT_INTERVAL_MS``; at each pen-up it reports them at once.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen, QPixmap, QUndoStack
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_studio.gui.draw.commands import DrawingCommand

CANVAS_SIZE = 280.0
PEN_RANGE = (2, 40)
DEFAULT_PEN = 14
EMIT_INTERVAL_MS = 50
MIN_STEP = 0.75          # logical units between recorded points
MAX_POINTS = 50_000      # all strokes together; further points are ignored
MAX_HISTORY = 200
INK = QColor(20, 24, 36)
PAPER = QColor(255, 255, 255)


def fit_strokes(strokes, source: tuple[float, float], margin: float = 0.0) -> list[np.ndarray]:
    """Scale strokes drawn on a ``source`` canvas onto this canvas, centred, aspect kept.

    Args:
        strokes: list of ``(k, 2)`` point arrays in ``source`` pixels.
        source: ``(width, height)`` of the canvas they were drawn on.
        margin: logical units left free on each side.

    Returns:
        The strokes in this canvas's logical units (points too large to scale become inf,
        which the drawing's input check refuses with a message).
    """
    width, height = float(source[0]), float(source[1])
    factor = (CANVAS_SIZE - 2 * margin) / max(width, height)
    offset = np.array([(CANVAS_SIZE - width * factor) / 2, (CANVAS_SIZE - height * factor) / 2])
    with np.errstate(over="ignore", invalid="ignore"):
        return [np.asarray(s, dtype=np.float64).reshape(-1, 2) * factor + offset
                for s in strokes]


class DrawingCanvas(QWidget):
    """A square drawing surface storing strokes as ``(k, 2)`` float arrays.

    Signals:
        strokes_changed(list, bool): the strokes (a copy, including the one being drawn) and
            whether the change is final (pen-up, undo, clear, loaded) or a throttled update.
        letter_pressed(str): a letter key was pressed while a drawing is on the canvas.
    """

    strokes_changed = Signal(object, bool)
    letter_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawing_canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw one letter. Ctrl+Z undoes the last stroke, Esc clears, "
                        "a letter key adds the drawing to your dataset.")
        self._strokes: list[np.ndarray] = []
        self._pressures: list[np.ndarray | None] = []
        self._current: list[tuple[float, float]] | None = None
        self._current_pressure: list[float] | None = None
        self.undo_stack = QUndoStack(self)  # the main window's QUndoGroup holds it
        self.undo_stack.setUndoLimit(MAX_HISTORY)
        self._pen = DEFAULT_PEN
        self._cache: QPixmap | None = None
        self._emit_timer = QTimer(self)
        self._emit_timer.setSingleShot(True)
        self._emit_timer.setInterval(EMIT_INTERVAL_MS)
        self._emit_timer.timeout.connect(lambda: self._emit(False))

    # --------------------------------------------------------------- public API
    @property
    def canvas_size(self) -> tuple[float, float]:
        """``(width, height)`` of the logical canvas the strokes are stored in."""
        return (CANVAS_SIZE, CANVAS_SIZE)

    @property
    def strokes(self) -> list[np.ndarray]:
        """Finished strokes (copies), oldest first."""
        return [s.copy() for s in self._strokes]

    def all_strokes(self) -> list[np.ndarray]:
        """Finished strokes plus the one being drawn."""
        strokes = self.strokes
        if self._current:
            strokes.append(np.array(self._current, dtype=np.float64))
        return strokes

    def is_empty(self) -> bool:
        """True when nothing is drawn."""
        return not self._strokes and not self._current

    @property
    def pen_width(self) -> int:
        """Pen width in logical units (``PEN_RANGE``); it changes only how the ink looks."""
        return self._pen

    def set_pen_width(self, width: int) -> None:
        """Set the on-screen pen width, clamped to ``PEN_RANGE``."""
        self._pen = int(min(max(int(width), PEN_RANGE[0]), PEN_RANGE[1]))
        self._invalidate()

    def can_undo(self) -> bool:
        """Whether there is a change to undo."""
        return self.undo_stack.canUndo()

    def can_redo(self) -> bool:
        """Whether there is an undone change to redo."""
        return self.undo_stack.canRedo()

    def undo_stroke(self) -> None:
        """Take back the last change (normally the last stroke; also a clear or a load)."""
        if self._current is None:
            self.undo_stack.undo()

    def redo_stroke(self) -> None:
        """Put back the last undone change."""
        if self._current is None:
            self.undo_stack.redo()

    def clear(self) -> None:
        """Remove every stroke (undoable)."""
        self._finish_stroke(emit=False)
        if not self._strokes:
            return
        before = self._snapshot()
        self._strokes, self._pressures = [], []
        self._record("Clear drawing", before)
        self._changed()

    def set_strokes(self, strokes, source: tuple[float, float] | None = None,
                    margin: float = 20.0) -> None:
        """Replace the drawing (undoable), e.g. with a sample read from a strokes-v1 file.

        Args:
            strokes: list of ``(k, 2)`` point arrays.
            source: canvas size they were drawn on; ``None`` when already in logical units.
            margin: free border (logical units) when scaling from ``source``.
        """
        self._finish_stroke(emit=False)
        arrays = (fit_strokes(strokes, source, margin) if source is not None
                  else [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes])
        before = self._snapshot()
        self._strokes = [a for a in arrays if len(a)]
        self._pressures = [None] * len(self._strokes)
        self._record("Load drawing", before)
        self._changed()

    # ------------------------------------------------------------ coordinates
    def _area(self) -> QRectF:
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _scale(self) -> float:
        return self._area().width() / CANVAS_SIZE

    def to_canvas(self, pos: QPointF) -> tuple[float, float]:
        """A widget position in logical canvas units, clamped to the canvas."""
        area, scale = self._area(), self._scale()
        x = (pos.x() - area.left()) / scale
        y = (pos.y() - area.top()) / scale
        return (min(max(x, 0.0), CANVAS_SIZE), min(max(y, 0.0), CANVAS_SIZE))

    def to_widget(self, x: float, y: float) -> QPointF:
        """The widget position of a logical canvas point."""
        area, scale = self._area(), self._scale()
        return QPointF(area.left() + x * scale, area.top() + y * scale)

    # ------------------------------------------------------------- pen input
    def _point_count(self) -> int:
        return sum(len(s) for s in self._strokes) + len(self._current or ())

    def begin_stroke(self, pos: QPointF, pressure: float | None = None) -> None:
        """Pen down at widget position ``pos``."""
        self._finish_stroke()
        self._current = [self.to_canvas(pos)]
        self._current_pressure = None if pressure is None else [float(pressure)]
        self.update()

    def extend_stroke(self, pos: QPointF, pressure: float | None = None) -> None:
        """Pen moved to widget position ``pos`` while down."""
        if self._current is None or self._point_count() >= MAX_POINTS:
            return
        point = self.to_canvas(pos)
        last = self._current[-1]
        if abs(point[0] - last[0]) + abs(point[1] - last[1]) < MIN_STEP:
            return
        self._current.append(point)
        if self._current_pressure is not None:
            self._current_pressure.append(float(pressure if pressure is not None else 1.0))
        self.update()
        if not self._emit_timer.isActive():
            self._emit_timer.start()

    def end_stroke(self, pos: QPointF | None = None) -> None:
        """Pen up: store the stroke and report the drawing at once."""
        if self._current is None:
            return
        if pos is not None:
            self.extend_stroke(pos)
        self._finish_stroke()

    def _finish_stroke(self, emit: bool = True) -> None:
        if self._current is None:
            return
        stroke = np.array(self._current, dtype=np.float64).reshape(-1, 2)
        pressure = (None if self._current_pressure is None
                    else np.array(self._current_pressure, dtype=np.float64))
        self._current, self._current_pressure = None, None
        before = self._snapshot()
        self._strokes.append(stroke)
        self._pressures.append(pressure)
        self._record("Stroke", before)
        self._changed(emit)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Left button starts a stroke."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.begin_stroke(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Extend the current stroke."""
        if self._current is not None:
            self.extend_stroke(event.position())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Left button up ends the stroke."""
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self.end_stroke(event.position())
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Pen tablets: the same strokes, with pressure shaping the ink on screen."""
        kind = event.type()
        pressure = float(event.pressure())
        if kind == event.Type.TabletPress:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.begin_stroke(event.position(), pressure)
        elif kind == event.Type.TabletMove and self._current is not None:
            self.extend_stroke(event.position(), pressure)
        elif kind == event.Type.TabletRelease:
            self.end_stroke()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Esc/Delete clear; a plain letter key offers to add the drawing to the dataset."""
        key = event.key()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            self.clear()
            event.accept()
            return
        text = event.text()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if (len(text) == 1 and text.isascii() and text.isalpha()
                and modifiers == Qt.KeyboardModifier.NoModifier and not self.is_empty()):
            shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.letter_pressed.emit(text.upper() if shifted else text)
            event.accept()
            return
        super().keyPressEvent(event)

    # ---------------------------------------------------------------- history
    def _snapshot(self) -> tuple[list, list]:
        return (list(self._strokes), list(self._pressures))

    def _record(self, text: str, before: tuple[list, list]) -> None:
        """Put the change just made on the undo stack as one named entry."""
        self.undo_stack.push(DrawingCommand(self, text, before, self._snapshot()))

    def restore(self, snapshot: tuple[list, list]) -> None:
        self._strokes, self._pressures = list(snapshot[0]), list(snapshot[1])
        self._changed()

    def _changed(self, emit: bool = True) -> None:
        self._invalidate()
        if emit:
            self._emit(True)

    def _emit(self, final: bool) -> None:
        if final:
            self._emit_timer.stop()
        self.strokes_changed.emit(self.all_strokes(), final)

    # --------------------------------------------------------------- painting
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """A comfortable drawing size."""
        return QSize(340, 340)

    def _invalidate(self) -> None:
        self._cache = None
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Re-render the ink at the new scale."""
        self._cache = None
        super().resizeEvent(event)

    def _ink_pen(self, width: float) -> QPen:
        pen = QPen(INK, max(1.0, width))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def _paint_stroke(self, painter: QPainter, stroke, pressure) -> None:
        area, scale = self._area(), self._scale()
        pts = [QPointF(area.left() + x * scale, area.top() + y * scale) for x, y in stroke]
        width = self._pen * scale
        if len(pts) == 1:
            painter.setPen(self._ink_pen(width))
            painter.drawPoint(pts[0])
        elif pressure is None:
            path = QPainterPath(pts[0])
            for point in pts[1:]:
                path.lineTo(point)
            painter.setPen(self._ink_pen(width))
            painter.drawPath(path)
        else:
            for i in range(1, len(pts)):
                level = 0.35 + 0.9 * float(pressure[min(i, len(pressure) - 1)])
                painter.setPen(self._ink_pen(width * level))
                painter.drawLine(pts[i - 1], pts[i])

    def _render_cache(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.palette().window().color())
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self._area()
        painter.fillRect(area, PAPER)
        painter.setPen(QPen(QColor(200, 204, 214), 1))
        painter.drawRect(area.adjusted(0, 0, -1, -1))
        for stroke, pressure in zip(self._strokes, self._pressures, strict=True):
            self._paint_stroke(painter, stroke, pressure)
        painter.end()
        return pixmap

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Finished strokes from a cached pixmap, the live stroke on top."""
        if self._cache is None or self._cache.size() != self.size() * self.devicePixelRatioF():
            self._cache = self._render_cache()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        if self.is_empty():
            painter.setPen(QColor(150, 155, 168))
            painter.drawText(self._area(), Qt.AlignmentFlag.AlignCenter, "Draw a letter here")
        if self._current:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_stroke(painter, self._current, self._current_pressure)
        painter.end()

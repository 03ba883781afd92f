"""A small drawing pad for the Teach flow: mouse or pen strokes, nothing more.

Panels never import each other, so the Teach dialog does not reuse the draw panel's canvas; this
pad only collects strokes (canvas coordinates, y down) and paints them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PAD_SIZE = 220
MAX_POINTS = 5000  # per drawing: more is no letter, and would only slow the rasterizer


class DrawingPad(QWidget):
    """Collects pen strokes; ``changed`` fires after each finished stroke and on clear."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teach_pad")
        self.setFixedSize(PAD_SIZE, PAD_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.strokes: list[list[tuple[float, float]]] = []
        self._current: list[tuple[float, float]] | None = None

    @property
    def canvas(self) -> tuple[float, float]:
        """``(width, height)`` of the drawing area the points live on."""
        return float(self.width()), float(self.height())

    def is_empty(self) -> bool:
        """Whether nothing is drawn."""
        return not self.strokes

    def stroke_arrays(self) -> list[np.ndarray]:
        """The finished strokes as ``(k, 2)`` float arrays."""
        return [np.array(stroke, np.float64) for stroke in self.strokes]

    def clear(self) -> None:
        """Forget the drawing."""
        self.strokes, self._current = [], None
        self.update()
        self.changed.emit()

    def _points(self) -> int:
        return sum(len(s) for s in self.strokes) + len(self._current or [])

    def _add(self, pos: QPointF) -> None:
        if self._current is not None and self._points() < MAX_POINTS:
            self._current.append((float(pos.x()), float(pos.y())))
            self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Left button starts a stroke."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._current = []
            self._add(event.position())
            event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Extend the stroke being drawn."""
        self._add(event.position())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Left button up ends the stroke."""
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._add(event.position())
            if self._current:
                self.strokes.append(self._current)
            self._current = None
            self.update()
            self.changed.emit()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """White paper, a grey border, black ink."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setPen(QPen(QColor("black"), 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        for stroke in [*self.strokes, *([self._current] if self._current else [])]:
            path = QPainterPath(QPointF(*stroke[0]))
            for point in stroke[1:]:
                path.lineTo(QPointF(*point))
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
            else:
                painter.drawPath(path)

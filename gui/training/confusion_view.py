"""Confusion matrix and per-class accuracy of a trained network on its validation data.

Click a cell to see the samples behind it: true letter on the row, predicted on the column.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from cnn_studio.gui.common import palette as colours
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.training.evaluation import confusion_matrix

MAX_THUMBNAILS = 60
THUMB = 42




def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Share of each true class predicted correctly (nan where a class has no sample)."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)


def thumbnail(image: np.ndarray, size: int = THUMB) -> QPixmap:
    """A 28x28 network input as a dark-ink-on-white pixmap."""
    gray = np.ascontiguousarray(255 - np.clip(np.asarray(image)[..., 0] if np.ndim(image) == 3
                                              else image, 0, 1) * 255).astype(np.uint8)
    qimage = QImage(gray.data, gray.shape[1], gray.shape[0], gray.shape[1],
                    QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)


class ConfusionGrid(QWidget):
    """The 26x26 matrix, each row coloured by its share of the true class; click a cell."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix: np.ndarray | None = None
        self.selected: tuple[int, int] | None = None
        self.setMinimumSize(260, 260)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, 360)

    def set_matrix(self, matrix: np.ndarray | None) -> None:
        """Show ``matrix`` (counts) or nothing."""
        self.matrix = matrix
        self.selected = None
        self.update()

    def _geometry(self) -> tuple[int, int, float]:
        margin = 16
        side = max(min(self.width(), self.height()) - margin, 26)
        return margin, margin, side / 26

    def cell_rect(self, row: int, col: int) -> QRect:
        """Where cell (true ``row``, predicted ``col``) is drawn."""
        left, top, cell = self._geometry()
        return QRect(int(left + col * cell), int(top + row * cell), max(int(cell), 1),
                     max(int(cell), 1))

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        """The (row, col) under a widget position, or None."""
        left, top, cell = self._geometry()
        col, row = int((point.x() - left) // cell), int((point.y() - top) // cell)
        return (row, col) if 0 <= row < 26 and 0 <= col < 26 else None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        hit = self.cell_at(event.position().toPoint())
        if hit is not None and self.matrix is not None:
            self.selected = hit
            self.update()
            self.cell_clicked.emit(*hit)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        hit = self.cell_at(event.position().toPoint())
        if hit is None or self.matrix is None:
            self.setToolTip("")
            return
        row, col = hit
        self.setToolTip(f"true {LETTERS[row]}, predicted {LETTERS[col]}: "
                        f"{int(self.matrix[row, col])} samples")

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        with QPainter(self) as painter:
            self._paint(painter)

    def _paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), colours.role(colours.Role.Base))
        left, top, cell = self._geometry()
        font = QFont(self.font())
        font.setPointSizeF(max(min(cell * 0.55, 9.0), 5.0))
        painter.setFont(font)
        painter.setPen(colours.role(colours.Role.Text))
        for i, letter in enumerate(LETTERS):
            painter.drawText(QRect(int(left + i * cell), 0, int(cell) + 1, int(top)),
                             Qt.AlignmentFlag.AlignCenter, letter)
            painter.drawText(QRect(0, int(top + i * cell), int(left), int(cell) + 1),
                             Qt.AlignmentFlag.AlignCenter, letter)
        if self.matrix is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Train a network to see its confusion matrix")
            return
        totals = np.maximum(self.matrix.sum(axis=1, keepdims=True), 1)
        shares = self.matrix / totals
        for row in range(26):
            for col in range(26):
                share = float(shares[row, col])
                base = (40, 120, 60) if row == col else (200, 40, 40)
                colour = colours.tint(QColor(*base), min(share * 1.5, 1.0), colours.Role.Base)
                rect = self.cell_rect(row, col)
                painter.fillRect(rect, colour)
                count = int(self.matrix[row, col])
                if count and cell >= 12:
                    painter.setPen(colours.text_on(colour))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(count))
        painter.setPen(colours.role(colours.Role.Mid))
        painter.drawRect(QRect(int(left), int(top), int(cell * 26), int(cell * 26)))
        if self.selected is not None:
            painter.setPen(colours.role(colours.Role.Text))
            painter.drawRect(self.cell_rect(*self.selected).adjusted(0, 0, -1, -1))


class ClassAccuracyBars(QWidget):
    """One bar per letter: its accuracy on the validation data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accuracy: np.ndarray | None = None
        self.setMinimumHeight(70)

    def set_accuracy(self, accuracy: np.ndarray | None) -> None:
        """Show per-class accuracies (26 values in 0..1, nan for absent classes)."""
        self.accuracy = accuracy
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        with QPainter(self) as painter:
            self._paint(painter)

    def _paint(self, painter: QPainter) -> None:
        if self.accuracy is None:
            return
        width = self.width() / 26
        label_h, bar_h = 14, self.height() - 28
        painter.setPen(colours.role(colours.Role.WindowText))
        for i, value in enumerate(self.accuracy):
            x = int(i * width)
            painter.drawText(QRect(x, self.height() - label_h, int(width), label_h),
                             Qt.AlignmentFlag.AlignCenter, LETTERS[i])
            if np.isnan(value):
                continue
            h = int(bar_h * float(value))
            hue = QColor.fromHsvF(0.33 * float(value), 0.65, 0.85)
            painter.fillRect(QRect(x + 1, 14 + bar_h - h, max(int(width) - 2, 1), h), hue)
        painter.drawText(QRect(0, 0, self.width(), 14), Qt.AlignmentFlag.AlignLeft,
                         "accuracy per letter (validation)")


class ConfusionPanel(QWidget):
    """Matrix, per-letter accuracy and thumbnails of the samples in the clicked cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = ConfusionGrid()
        self.grid.setObjectName("confusion_grid")
        self.bars = ClassAccuracyBars()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.cell_label = QLabel("Click a cell to see its samples.")
        self.thumbnails = QListWidget()
        self.thumbnails.setObjectName("confusion_samples")
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMB, THUMB))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMaximumHeight(2 * THUMB + 30)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.bars)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.thumbnails)
        self.grid.cell_clicked.connect(self.show_cell)
        self._true = self._pred = self._images = None

    def set_results(self, y_true: np.ndarray, y_pred: np.ndarray, images: np.ndarray) -> None:
        """Show the results of a network on labelled images.

        Args:
            y_true: true class indices (n,).
            y_pred: predicted class indices (n,).
            images: the (n, 28, 28, 1) images, for the thumbnails.
        """
        self._true, self._pred, self._images = np.asarray(y_true), np.asarray(y_pred), images
        matrix = confusion_matrix(self._true, self._pred)
        self.grid.set_matrix(matrix)
        self.bars.set_accuracy(per_class_accuracy(matrix))
        total = int(matrix.sum())
        correct = int(np.trace(matrix))
        self.summary.setText(f"Validation: {correct} of {total} correct "
                             f"({100.0 * correct / max(total, 1):.1f} %). Rows: true letter, "
                             "columns: predicted.")
        self.thumbnails.clear()
        self.cell_label.setText("Click a cell to see its samples.")

    def clear(self, text: str = "") -> None:
        """Show nothing (with an optional explanation)."""
        self._true = self._pred = self._images = None
        self.grid.set_matrix(None)
        self.bars.set_accuracy(None)
        self.thumbnails.clear()
        self.summary.setText(text)

    def show_cell(self, row: int, col: int) -> None:
        """List the samples of true class ``row`` predicted as ``col``."""
        self.thumbnails.clear()
        if self._true is None:
            return
        index = np.flatnonzero((self._true == row) & (self._pred == col))
        verdict = "correct" if row == col else "mistaken"
        self.cell_label.setText(f"True {LETTERS[row]}, predicted {LETTERS[col]} ({verdict}): "
                                f"{len(index)} samples"
                                + (f", first {MAX_THUMBNAILS} shown" if len(index) >
                                   MAX_THUMBNAILS else ""))
        for i in index[:MAX_THUMBNAILS]:
            item = QListWidgetItem(QIcon(thumbnail(self._images[i])), "")
            item.setToolTip(f"validation sample {int(i)}")
            self.thumbnails.addItem(item)

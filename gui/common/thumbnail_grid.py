"""Views of a set of letter images: a grid of 28x28 thumbnails and a per-letter count strip.

The grid shows exactly what the network receives (white ink on black, every pixel enlarged to a
square), so odd samples stand out. It is a ``QListView`` in icon mode over a list model that
renders a thumbnail only when Qt asks for it, so a source of thousands stays responsive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QToolTip, QWidget

from cnn_studio.gui.common import palette as colours
from cnn_studio.model.ink.strokes import LETTERS

THUMB_SCALE = 2
MISSING_COLOR = QColor("#c62828")
BAR_COLOR = QColor("#5b8fd9")
SELECTED_COLOR = QColor("#f0a030")
KEY_ROLE = Qt.ItemDataRole.UserRole


def to_pixmap(image: np.ndarray, scale: int = THUMB_SCALE) -> QPixmap:
    """A 28x28 image (float in [0, 1] or uint8) as a grey pixmap enlarged ``scale`` times."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.rint(np.clip(np.nan_to_num(array), 0.0, 1.0) * 255).astype(np.uint8)
    array = np.ascontiguousarray(array.reshape(array.shape[0], array.shape[1]))
    height, width = array.shape
    qimage = QImage(array.tobytes(), width, height, width, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.scaled(width * scale, height * scale,
                                           Qt.AspectRatioMode.IgnoreAspectRatio,
                                           Qt.TransformationMode.FastTransformation))


class ThumbnailModel(QAbstractListModel):
    """Rows are samples: thumbnail (decoration), label (display) and a key (``KEY_ROLE``).

    The key is whatever the owner uses to find the sample again (an index into its source).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._keys: list[int] = []
        self._labels: list[str | None] = []
        self._image_at: Callable[[int], np.ndarray] | None = None
        self._pixmaps: dict[int, QPixmap] = {}

    def set_items(self, keys: Sequence[int], labels: Sequence[str | None],
                  image_at: Callable[[int], np.ndarray]) -> None:
        """Replace the rows.

        Args:
            keys: one key per row.
            labels: the label shown under each thumbnail (None: unlabelled).
            image_at: ``image_at(key)`` returns the 28x28 image of a key; called lazily.
        """
        self.beginResetModel()
        self._keys = [int(k) for k in keys]
        self._labels = list(labels)
        self._image_at = image_at
        self._pixmaps.clear()
        self.endResetModel()

    def rowCount(  # noqa: N802 - Qt API
            self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of thumbnails (Qt API)."""
        return 0 if parent.isValid() else len(self._keys)

    def key(self, row: int) -> int:
        """The key of ``row``."""
        return self._keys[row]

    def label(self, row: int) -> str | None:
        """The label of ``row``."""
        return self._labels[row]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        """Thumbnail, label, tooltip or key of a row (Qt API)."""
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        row = index.row()
        label = self._labels[row]
        if role == Qt.ItemDataRole.DecorationRole:
            if row not in self._pixmaps:
                if len(self._pixmaps) > 4000:
                    self._pixmaps.clear()
                self._pixmaps[row] = to_pixmap(self._image_at(self._keys[row]))
            return self._pixmaps[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return label if label is not None else "?"
        if role == Qt.ItemDataRole.ToolTipRole:
            what = f"labelled {label!r} (class {label.upper()})" if label else "no label"
            return f"Sample {self._keys[row] + 1}: {what}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == KEY_ROLE:
            return self._keys[row]
        return None


class ThumbnailGrid(QListView):
    """The thumbnail grid: multi-selection, Delete key, a hint when empty.

    Signals:
        delete_requested(): Delete or Backspace was pressed with a selection.
    """

    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnail_grid")
        self.thumbs = ThumbnailModel(self)
        self.setModel(self.thumbs)
        side = 28 * THUMB_SCALE
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(side, side))
        self.setGridSize(QSize(side + 10, side + 22))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(False)
        self.empty_text = ""

    def set_empty_text(self, text: str) -> None:
        """The hint painted when there is no thumbnail."""
        self.empty_text = text
        self.viewport().update()

    def selected_keys(self) -> list[int]:
        """Keys of the selected thumbnails, in row order."""
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return [self.thumbs.key(row) for row in rows]

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Delete/Backspace ask to delete the selection; other keys as usual."""
        if (event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                and self.selectionModel().hasSelection()):
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Paint the thumbnails, or the empty hint."""
        super().paintEvent(event)
        if self.thumbs.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(colours.muted_text(colours.role(colours.Role.Base)))
            rect = self.viewport().rect().adjusted(20, 20, -20, -20)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.empty_text)
            painter.end()


class CountStrip(QWidget):
    """26 bars, one per letter: how many samples each class has. Empty classes are red.

    Clicking a bar selects that letter (clicking it again clears the choice).

    Signals:
        letter_clicked(str): the chosen letter, or '' for none.
    """

    letter_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("count_strip")
        self.counts = [0] * len(LETTERS)
        self.selected = ""
        self.setMinimumHeight(64)
        self.setMouseTracking(True)
        self.setToolTip("Samples per letter; red letters have none. Click a bar to show only "
                        "that letter.")

    def set_counts(self, counts: Sequence[int]) -> None:
        """Show ``counts`` (26 numbers, A..Z)."""
        self.counts = [int(c) for c in counts]
        self.update()

    def set_selected(self, letter: str) -> None:
        """Highlight ``letter`` ('' for none)."""
        self.selected = letter
        self.update()

    def missing(self) -> str:
        """Letters without samples."""
        return "".join(letter for letter, c in zip(LETTERS, self.counts, strict=True) if c == 0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Preferred size (Qt API)."""
        return QSize(26 * 18, 78)

    def bar_rect(self, index: int) -> QRect:
        """The column of letter ``index`` (bar, count and letter)."""
        width = self.width() / len(LETTERS)
        return QRect(round(index * width), 0, max(1, round(width)), self.height())

    def letter_at(self, x: float) -> str:
        """The letter whose column contains ``x`` ('' outside)."""
        index = int(x // (self.width() / len(LETTERS)))
        return LETTERS[index] if 0 <= index < len(LETTERS) else ""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Choose the letter under the mouse."""
        letter = self.letter_at(event.position().x())
        if letter:
            self.letter_clicked.emit("" if letter == self.selected else letter)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Show the count of the letter under the mouse."""
        letter = self.letter_at(event.position().x())
        if letter:
            count = self.counts[LETTERS.index(letter)]
            text = f"{letter}: {count} sample{'s' if count != 1 else ''}"
            if count == 0:
                text += " (none: this class cannot be learned from this source)"
            QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the bars, counts and letters."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        metrics = painter.fontMetrics()
        text_h = metrics.height()
        top, bottom = text_h + 2, self.height() - text_h - 2
        peak = max(self.counts) or 1
        for i, (letter, count) in enumerate(zip(LETTERS, self.counts, strict=True)):
            column = self.bar_rect(i)
            if letter == self.selected:
                painter.fillRect(column, colours.tint(SELECTED_COLOR, 0.35))
            if count == 0:
                painter.fillRect(column.adjusted(1, 0, -1, 0), colours.tint(MISSING_COLOR, 0.15))
            height = round((bottom - top) * count / peak)
            bar = QRect(column.x() + 3, bottom - height, max(1, column.width() - 6), height)
            painter.fillRect(bar, SELECTED_COLOR if letter == self.selected else BAR_COLOR)
            painter.setPen(colours.error_text() if count == 0 else colours.role(colours.Role.WindowText))
            number = str(count) if count < 1000 else f"{count // 1000}k"
            painter.drawText(QRect(column.x(), bottom - height - text_h, column.width(),
                                   text_h), Qt.AlignmentFlag.AlignCenter, number)
            font = painter.font()
            font.setBold(count == 0 or letter == self.selected)
            painter.setFont(font)
            painter.drawText(QRect(column.x(), bottom + 1, column.width(), text_h),
                             Qt.AlignmentFlag.AlignCenter, letter)
            font.setBold(False)
            painter.setFont(font)
        painter.end()

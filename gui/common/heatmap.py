"""Arrays as pictures: colour maps, clickable enlarged maps with overlays, coloured number grids.

Explain mode shows small arrays (drawings, feature maps, kernels, gradients, heat maps). These
widgets turn numpy arrays into enlarged pixel maps (nearest neighbour, one square per value) and
small tables of numbers with a colour behind each value. matplotlib is imported lazily (only for
its colour tables), so importing this module stays cheap.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

#: Short names of the colour maps the explain widgets use -> matplotlib colour map names.
COLOUR_MAPS = {
    "ink": "gray_r",        # drawings: ink 1.0 dark on a white background
    "signed": "RdBu_r",     # kernels, gradients, pre-activations: blue < 0 < red, white at 0
    "positive": "viridis",  # activations that are >= 0
    "heat": "inferno",      # heat maps
}


@lru_cache(maxsize=16)
def colour_table(name: str) -> np.ndarray:
    """256 colours of a colour map as (256, 3) uint8 RGB.

    Args:
        name: a key of COLOUR_MAPS or any matplotlib colour map name.
    """
    from matplotlib import colormaps

    cmap = colormaps[COLOUR_MAPS.get(name, name)]
    return (cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def value_range(values: np.ndarray, cmap: str, vmin=None, vmax=None) -> tuple[float, float]:
    """The (low, high) range to colour ``values`` with: symmetric about 0 for 'signed'."""
    finite = values[np.isfinite(values)] if values.size else values
    if cmap == "signed":
        peak = float(np.abs(finite).max()) if finite.size else 0.0
        peak = peak if peak > 0 else 1.0
        return (-peak if vmin is None else vmin), (peak if vmax is None else vmax)
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    low = low if vmin is None else float(vmin)
    high = high if vmax is None else float(vmax)
    if cmap == "ink" and vmin is None and vmax is None:
        low, high = min(low, 0.0), max(high, 1.0)
    if high <= low:
        high = low + 1.0
    return low, high


def to_rgb(values, cmap: str = "positive", vmin=None, vmax=None) -> np.ndarray:
    """Colour a 2-D array: (rows, cols, 3) uint8. NaN (e.g. padding) becomes light grey."""
    array = np.asarray(values, dtype=np.float64)
    low, high = value_range(array, cmap, vmin, vmax)
    scaled = np.clip((np.nan_to_num(array, nan=low) - low) / (high - low), 0.0, 1.0)
    rgb = colour_table(cmap)[(scaled * 255).round().astype(np.int64)]
    rgb[~np.isfinite(array)] = (225, 225, 225)
    return rgb


def overlay(drawing, heat, alpha: float = 0.65) -> np.ndarray:
    """A heat map laid over the drawing: (rows, cols, 3) uint8.

    Args:
        drawing: (rows, cols) ink in [0, 1].
        heat: (rows, cols) values in [0, 1]; 0 leaves the drawing visible.
        alpha: opacity of the strongest heat, 0..1.
    """
    base = to_rgb(drawing, "ink", 0.0, 1.0).astype(np.float64)
    heat = np.clip(np.asarray(heat, dtype=np.float64), 0.0, 1.0)
    colour = to_rgb(heat, "heat", 0.0, 1.0).astype(np.float64)
    weight = (alpha * heat)[..., None]
    return (base * (1 - weight) + colour * weight).round().astype(np.uint8)


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage (owning its pixels) from a (rows, cols, 3) uint8 array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


def text_colour(rgb) -> QColor:
    """Black or white, whichever reads better on the background colour ``rgb``."""
    r, g, b = (int(v) for v in rgb[:3])
    return QColor(Qt.GlobalColor.black if 0.299 * r + 0.587 * g + 0.114 * b > 140
                  else Qt.GlobalColor.white)


def format_number(value: float, digits: int = 3, small: bool = False) -> str:
    """A fixed-point number ('-' for NaN), scientific when huge, or tiny and ``small``.

    Args:
        value: the number.
        digits: decimals.
        small: write values that would round to 0 in scientific notation (e.g. 3.2e-09).
    """
    value = float(value) + 0.0  # no '-0.000'
    if not np.isfinite(value):
        return "-"
    tiny = small and value != 0 and abs(value) < 10 ** -digits / 2
    if abs(value) >= 1e5 or tiny:
        return f"{value:.{max(digits - 1, 1)}e}"
    return f"{value:.{digits}f}"


class MapView(QWidget):
    """An enlarged 2-D array, one square per value, with boxes, a marked cell and click picking.

    ``pad`` cells of (grey) padding may surround the map; boxes use map coordinates, so a
    window hanging over the border (negative top/left) is drawn over the padding.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, title: str = "", parent: QWidget | None = None, clickable: bool = False,
                 min_side: int = 120) -> None:
        super().__init__(parent)
        self.title = title
        self.clickable = clickable
        self.values: np.ndarray | None = None
        self.pad = 0
        self.boxes: list[tuple[tuple[int, int, int, int], QColor]] = []
        self.marked: tuple[int, int] | None = None
        self.hidden: np.ndarray | None = None
        self.show_numbers = False
        self._image: QImage | None = None
        self._rgb: np.ndarray | None = None
        self._min_side = min_side
        self.setMinimumSize(min_side, min_side + 18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if clickable:
            self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._min_side + 60, self._min_side + 78)

    # ----------------------------------------------------------------- content
    def set_array(self, values, cmap: str = "positive", vmin=None, vmax=None,
                  pad: int = 0) -> None:
        """Show a 2-D array coloured with ``cmap`` (see COLOUR_MAPS), surrounded by ``pad``."""
        self.values = np.asarray(values, dtype=np.float64)
        if self.values.ndim == 1:
            self.values = self.values[None, :]
        self.set_rgb(to_rgb(self.values, cmap, vmin, vmax), pad=pad, keep_values=True)

    def set_rgb(self, rgb: np.ndarray, pad: int = 0, keep_values: bool = False) -> None:
        """Show an RGB picture (rows, cols, 3) uint8, one square per pixel."""
        if not keep_values:
            self.values = None
        self.pad = max(int(pad), 0)
        self._rgb = np.asarray(rgb, dtype=np.uint8)
        self._image = rgb_to_qimage(self._rgb)
        self.update()

    def clear(self) -> None:
        """Show nothing."""
        self.values = self._image = self._rgb = None
        self.boxes, self.marked, self.hidden = [], None, None
        self.update()

    def set_boxes(self, boxes) -> None:
        """Outline boxes: a list of ((top, left, bottom, right), QColor), bottom/right exclusive."""
        self.boxes = [((int(top), int(left), int(bottom), int(right)), QColor(colour))
                      for (top, left, bottom, right), colour in boxes]
        self.update()

    def set_marked(self, cell: tuple[int, int] | None) -> None:
        """Outline one cell (row, col) as the selected one."""
        self.marked = None if cell is None else (int(cell[0]), int(cell[1]))
        self.update()

    def set_hidden(self, hidden: np.ndarray | None) -> None:
        """Blank out the cells where ``hidden`` is True (for the sliding animation)."""
        self.hidden = None if hidden is None else np.asarray(hidden, dtype=bool)
        self.update()

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the map shown, or (0, 0)."""
        return (0, 0) if self._rgb is None else tuple(self._rgb.shape[:2])

    # --------------------------------------------------------------- geometry
    def _area(self) -> tuple[float, float, float]:
        """(x0, y0, cell size) of the map's top-left cell (padding included) in the widget."""
        rows, cols = self.shape
        rows, cols = rows + 2 * self.pad, cols + 2 * self.pad
        top_space = 18 if self.title else 2
        side = max(min((self.width() - 4) / max(cols, 1),
                       (self.height() - top_space - 2) / max(rows, 1)), 1.0)
        x0 = (self.width() - side * cols) / 2
        y0 = top_space + (self.height() - top_space - side * rows) / 2
        return x0 + self.pad * side, y0 + self.pad * side, side

    def cell_rect(self, row: int, col: int) -> QRectF:
        """The widget rectangle of cell (row, col) (negative indices reach into padding)."""
        x0, y0, side = self._area()
        return QRectF(x0 + col * side, y0 + row * side, side, side)

    def cell_center(self, row: int, col: int) -> QPoint:
        """The widget point at the centre of cell (row, col) (for clicks in tests)."""
        return self.cell_rect(row, col).center().toPoint()

    def cell_at(self, point) -> tuple[int, int] | None:
        """The (row, col) under a widget point, or None outside the map."""
        rows, cols = self.shape
        x0, y0, side = self._area()
        col = int((point.x() - x0) // side)
        row = int((point.y() - y0) // side)
        if 0 <= row < rows and 0 <= col < cols:
            return row, col
        return None

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        cell = self.cell_at(event.position()) if self.clickable else None
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(*cell)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        cell = self.cell_at(event.position())
        if cell is not None and self.values is not None:
            value = self.values[cell]
            self.setToolTip(f"row {cell[0]}, col {cell[1]}: {format_number(value, 4)}")
        super().mouseMoveEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        if self.title:
            painter.drawText(QRect(0, 0, self.width(), 16), Qt.AlignmentFlag.AlignCenter,
                             self.title)
        if self._image is None:
            painter.end()
            return
        rows, cols = self.shape
        x0, y0, side = self._area()
        if self.pad:
            outer = QRectF(x0 - self.pad * side, y0 - self.pad * side,
                           (cols + 2 * self.pad) * side, (rows + 2 * self.pad) * side)
            painter.fillRect(outer, QColor(236, 236, 236))
            painter.fillRect(outer, QBrush(QColor(190, 190, 190), Qt.BrushStyle.BDiagPattern))
        painter.drawImage(QRectF(x0, y0, cols * side, rows * side), self._image)
        if self.hidden is not None and self.hidden.shape == (rows, cols):
            for row, col in zip(*np.nonzero(self.hidden), strict=True):
                painter.fillRect(self.cell_rect(row, col), QColor(245, 245, 245))
        if side >= 9 and max(rows, cols) <= 40:
            painter.setPen(QPen(QColor(0, 0, 0, 30), 1))
            for row in range(rows + 1):
                painter.drawLine(int(x0), int(y0 + row * side), int(x0 + cols * side),
                                 int(y0 + row * side))
            for col in range(cols + 1):
                painter.drawLine(int(x0 + col * side), int(y0), int(x0 + col * side),
                                 int(y0 + rows * side))
        if self.show_numbers and self.values is not None and side >= 26:
            self._paint_numbers(painter, side)
        for (top, left, bottom, right), colour in self.boxes:
            painter.setPen(QPen(colour, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(x0 + left * side, y0 + top * side, (right - left) * side,
                                    (bottom - top) * side))
        if self.marked is not None:
            painter.setPen(QPen(QColor(255, 140, 0), 3))
            painter.drawRect(self.cell_rect(*self.marked))
        painter.end()

    def _paint_numbers(self, painter: QPainter, side: float) -> None:
        if self.values is None or self._rgb is None:  # nothing shown
            return
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(9.0, side / 5)))
        painter.setFont(font)
        for (row, col), value in np.ndenumerate(self.values):
            painter.setPen(text_colour(self._rgb[row, col]))
            painter.drawText(self.cell_rect(row, col), Qt.AlignmentFlag.AlignCenter,
                             format_number(value, 2))


class NumberGrid(QTableWidget):
    """A small table of numbers with a colour behind each, e.g. a patch or a kernel.

    Each item keeps its exact value under ``Qt.UserRole``. When ``editable``, typed numbers
    are parsed back by :meth:`values` (NaN where the text is not a number).
    """

    def __init__(self, parent: QWidget | None = None, editable: bool = False,
                 cell_width: int = 48) -> None:
        super().__init__(parent)
        self.editable = editable
        self.cell_width = cell_width
        self.horizontalHeader().setVisible(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setMinimumSectionSize(20)
        self.verticalHeader().setMinimumSectionSize(16)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection if not editable
                              else QAbstractItemView.SelectionMode.SingleSelection)
        if not editable:
            self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        self.setFont(font)
        frame = 2 * self.frameWidth()  # a 3x3 kernel's size until numbers arrive
        self.setFixedSize(3 * cell_width + frame, 3 * 22 + frame)

    def set_values(self, values, cmap: str = "signed", digits: int = 3, marks=None,
                   vmin=None, vmax=None) -> None:
        """Fill the table from a 2-D array.

        Args:
            values: (rows, cols) numbers (a 1-D array becomes one row).
            cmap: colour map key (see COLOUR_MAPS).
            digits: decimals shown.
            marks: optional (rows, cols) bool array; marked cells are shown in italics
                (e.g. zeros that come from padding).
            vmin: colour range low end (default from the data).
            vmax: colour range high end.
        """
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 1:
            array = array[None, :]
        rgb = to_rgb(array, cmap, vmin, vmax)
        blocked = self.blockSignals(True)
        self.clear()
        self.setRowCount(array.shape[0])
        self.setColumnCount(array.shape[1])
        for (row, col), value in np.ndenumerate(array):
            item = QTableWidgetItem(format_number(value, digits))
            item.setData(Qt.ItemDataRole.UserRole, float(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setBackground(QColor(*(int(v) for v in rgb[row, col])))
            item.setForeground(text_colour(rgb[row, col]))
            if marks is not None and marks[row, col]:
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
                item.setToolTip("padding (zero)")
            self.setItem(row, col, item)
        self.blockSignals(blocked)
        self._fit()

    def _fit(self) -> None:
        for col in range(self.columnCount()):
            self.setColumnWidth(col, self.cell_width)
        for row in range(self.rowCount()):
            self.setRowHeight(row, 22)
        frame = 2 * self.frameWidth()
        self.setFixedSize(self.cell_width * self.columnCount() + frame,
                          22 * self.rowCount() + frame)

    def values(self) -> np.ndarray:
        """The numbers in the table as a (rows, cols) array (typed text when editable)."""
        out = np.full((self.rowCount(), self.columnCount()), np.nan)
        for row in range(self.rowCount()):
            for col in range(self.columnCount()):
                item = self.item(row, col)
                if item is None:
                    continue
                try:
                    out[row, col] = float(item.text().replace(",", "."))
                except ValueError:
                    out[row, col] = np.nan
        return out

    def exact_values(self) -> np.ndarray:
        """The exact numbers the table was filled with (kept under Qt.UserRole)."""
        out = np.full((self.rowCount(), self.columnCount()), np.nan)
        for row in range(self.rowCount()):
            for col in range(self.columnCount()):
                item = self.item(row, col)
                value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
                if value is not None:
                    out[row, col] = float(value)
        return out

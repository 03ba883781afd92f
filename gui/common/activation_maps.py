"""Layer outputs as pictures: colour tables, enlarged pixel images, feature-map grids, bars.

numpy arrays become 8-bit indexed-colour ``QImage`` s (one per layer, one colour table), which
Qt scales with nearest-neighbour sampling, so a redraw costs well under a millisecond.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QLine, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_studio.gui.common import palette as colours

MAP_SIZE_RANGE = (20, 160)
DEFAULT_MAP_SIZE = 52
GAP = 6
MAX_BARS = 160
STRIP_CELL = 6
POSITIVE_MAP = "viridis"   # outputs >= 0 (ReLU, pooling): dark = 0, yellow = strongest
SIGNED_MAP = "RdBu_r"      # outputs with negative values: blue < 0 < red, white at 0
POSITIVE_BAR = QColor(96, 122, 170)
NEGATIVE_BAR = QColor(190, 80, 80)
BEST_BAR = QColor(230, 120, 40)  # the most probable letter of an output row



def _qrgb(rgb: np.ndarray) -> list[int]:
    rgb = np.asarray(rgb, dtype=np.uint32)
    return [int(0xFF000000 | (r << 16) | (g << 8) | b) for r, g, b in rgb]


GRAY_TABLE = _qrgb(np.repeat(np.arange(256)[:, None], 3, axis=1))


@lru_cache(maxsize=4)
def colour_table(signed: bool) -> list[int]:
    """The 256-entry colour table (QRgb values) for signed or non-negative layer outputs."""
    from matplotlib import colormaps  # imported lazily: TensorFlow has loaded it by now

    cmap = colormaps[SIGNED_MAP if signed else POSITIVE_MAP]
    return _qrgb(np.round(cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255))


def scale_for(values: np.ndarray) -> tuple[bool, float]:
    """``(signed, scale)`` to map a layer's values into a colour table."""
    lo, hi = float(np.min(values)), float(np.max(values))
    signed = lo < 0.0
    scale = max(abs(lo), abs(hi)) if signed else hi
    return signed, (scale if scale > 1e-12 else 1.0)


def to_levels(values: np.ndarray, signed: bool, scale: float) -> np.ndarray:
    """Values as uint8 colour indices: 0..scale, or -scale..scale with 0 in the middle."""
    factor = 255.0 / (2.0 * scale if signed else scale)
    scaled = values * factor + (128.0 if signed else 0.5)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    scaled[np.isnan(scaled)] = 0.0
    return scaled.astype(np.uint8)


def array_to_qimage(levels: np.ndarray, table: list[int]) -> QImage:
    """A 2-D uint8 array as an indexed-colour QImage (owning its data)."""
    levels = np.ascontiguousarray(levels, dtype=np.uint8)
    h, w = levels.shape
    image = QImage(levels.data, w, h, w, QImage.Format.Format_Indexed8)
    image.setColorTable(table)
    return image.copy()


class PixelImage(QWidget):
    """A small 2-D array shown enlarged, pixel for pixel, with an optional pixel grid."""

    def __init__(self, table: list[int] | None = None, grid: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table or GRAY_TABLE
        self.grid = grid
        self.array: np.ndarray | None = None
        self._image: QImage | None = None
        self._grid_key: tuple | None = None
        self._grid_pixmap: QPixmap | None = None
        self.setMinimumSize(84, 84)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_array(self, array: np.ndarray | None, signed: bool = False,
                  scale: float | None = None, table: list[int] | None = None) -> None:
        """Show ``array`` (2-D); values 0..scale (or -scale..scale when ``signed``)."""
        self.array = None if array is None else np.asarray(array, dtype=np.float32)
        if table is not None:
            self.table = table
        if self.array is None:
            self._image = None
        else:
            if scale is None:
                signed, scale = scale_for(self.array)
            self._image = array_to_qimage(to_levels(self.array, signed, scale), self.table)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Square."""
        return QSize(168, 168)

    def image_rect(self) -> QRectF:
        """Where the image is drawn: the largest centred square of whole pixels."""
        if self.array is None:
            return QRectF()
        h, w = self.array.shape
        cell = max(1, int(min(self.width() / w, self.height() / h)))
        return QRectF((self.width() - cell * w) // 2, (self.height() - cell * h) // 2,
                      cell * w, cell * h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """The image, nearest-neighbour scaled, and grid lines between pixels."""
        painter = QPainter(self)
        if self._image is None or self.array is None:
            painter.fillRect(self.rect(), colours.role(colours.Role.AlternateBase))
            painter.end()
            return
        rect = self.image_rect()
        painter.drawImage(rect, self._image)
        h, w = self.array.shape
        if self.grid and rect.width() / w >= 4:
            painter.drawPixmap(rect.topLeft(), self._grid_overlay(rect.size().toSize(), w, h))
        painter.end()

    def _grid_overlay(self, size: QSize, w: int, h: int) -> QPixmap:
        """The pixel grid lines as a transparent pixmap, drawn once per size (cached)."""
        key = (size.width(), size.height(), w, h)
        if self._grid_key != key or self._grid_pixmap is None:
            overlay = QPixmap(size.width() + 1, size.height() + 1)
            overlay.fill(Qt.GlobalColor.transparent)
            painter = QPainter(overlay)
            painter.setPen(QPen(QColor(90, 90, 100, 110), 1))
            cell = size.width() / w
            lines = [QLine(int(i * cell), 0, int(i * cell), size.height()) for i in range(w + 1)]
            lines += [QLine(0, int(j * cell), size.width(), int(j * cell)) for j in range(h + 1)]
            painter.drawLines(lines)
            painter.end()
            self._grid_key, self._grid_pixmap = key, overlay
        return self._grid_pixmap


class FeatureMapGrid(QWidget):
    """All feature maps of one layer in a grid that reflows with the width; click to enlarge."""

    map_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = DEFAULT_MAP_SIZE
        self._strip: QImage | None = None  # all maps side by side: one image, one colour table
        self.count = 0
        self.values: np.ndarray | None = None
        self.signed = False
        self.scale = 1.0
        self.painted_serial = -1
        self.serial = -1
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMouseTracking(True)

    def set_values(self, values: np.ndarray, serial: int = 0) -> None:
        """Show the maps of ``values`` (height, width, channels).

        The picture is made when the grid next paints, so rows scrolled out of sight cost
        nothing while the user draws.
        """
        count_changed = self.values is None or self.values.shape != values.shape
        self.values = values
        self.serial = serial
        self.count = values.shape[-1]
        self._strip = None
        if count_changed:
            self.updateGeometry()
        self.update()

    def _make_strip(self, values: np.ndarray) -> QImage:
        """All maps of ``values`` side by side in one image, in the painter's own format."""
        self.signed, self.scale = scale_for(values)
        h, w, count = values.shape
        levels = to_levels(values, self.signed, self.scale)            # (h, w, c)
        strip = array_to_qimage(levels.transpose(0, 2, 1).reshape(h, count * w),
                                colour_table(self.signed))
        # in the painter's own format: drawImage would convert the whole strip once per map
        return strip.convertToFormat(QImage.Format.Format_RGB32)

    def set_cell(self, cell: int) -> None:
        """Size of one map on screen in pixels."""
        self.cell = int(np.clip(cell, *MAP_SIZE_RANGE))
        self.updateGeometry()
        self.update()

    def _label_h(self) -> int:
        return self.fontMetrics().height()

    def _columns(self, width: int) -> int:
        return max(1, (width + GAP) // (self.cell + GAP))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        """Rows depend on the width."""
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        """Height for all maps at ``width``."""
        rows = -(-self.count // self._columns(width)) if self.count else 0
        return rows * (self.cell + self._label_h() + GAP)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Eight maps a row."""
        width = 8 * (self.cell + GAP)
        return QSize(width, self.heightForWidth(width))

    def map_rect(self, index: int) -> QRectF:
        """Screen rectangle of map ``index``."""
        cols = self._columns(self.width())
        row, col = divmod(index, cols)
        return QRectF(col * (self.cell + GAP), row * (self.cell + self._label_h() + GAP),
                      self.cell, self.cell)

    def map_at(self, x: float, y: float) -> int | None:
        """The map under a widget position, or None."""
        for index in range(self.count):
            if self.map_rect(index).contains(x, y):
                return index
        return None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Clicking a map asks the view to enlarge it."""
        index = self.map_at(event.position().x(), event.position().y())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.map_clicked.emit(index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Tooltip: which map and its value range."""
        index = self.map_at(event.position().x(), event.position().y())
        if index is None or self.values is None:
            self.setToolTip("")
        else:
            channel = self.values[..., index]
            self.setToolTip(f"Feature map {index}: values {channel.min():.3g} .. "
                            f"{channel.max():.3g}. Click to enlarge.")
        super().mouseMoveEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Each map with its number under it (only the maps in the exposed rectangle)."""
        painter = QPainter(self)
        label_h = self._label_h()
        painter.setPen(colours.muted_text())
        exposed = QRectF(event.rect())
        h, w = (self.values.shape[:2]) if self.values is not None else (0, 0)
        if self._strip is None and self.values is not None:
            self._strip = self._make_strip(self.values)
        strip = self._strip
        cols, cell = self._columns(self.width()), self.cell
        step_x, step_y = cell + GAP, cell + label_h + GAP
        for index in range(self.count if strip is not None else 0):
            row, col = divmod(index, cols)
            rect = QRectF(col * step_x, row * step_y, cell, cell)
            if strip is None or not rect.adjusted(0, 0, 0, label_h).intersects(exposed):
                continue
            painter.drawImage(rect, strip, QRectF(index * w, 0, w, h))
            painter.drawText(QRectF(rect.left(), rect.bottom(), cell, label_h),
                             Qt.AlignmentFlag.AlignCenter, str(index))
        painter.end()
        self.painted_serial = self.serial


class VectorBars(QWidget):
    """A 1-D activation: bars (up to ``MAX_BARS`` values) or a wrapped heat strip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: np.ndarray | None = None
        self.labels: str | list[str] | None = None
        self.painted_serial = -1
        self.serial = -1
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_values(self, values: np.ndarray, labels=None, serial: int = 0) -> None:
        """Show ``values``; ``labels`` names each value (e.g. the letters of the output)."""
        count_changed = self.values is None or self.values.shape != values.shape
        self.values = np.asarray(values, dtype=np.float32).reshape(-1)
        self.labels = labels
        self.serial = serial
        if count_changed:
            self.updateGeometry()
        self.update()

    @property
    def as_strip(self) -> bool:
        """Whether the vector is too long for bars."""
        return self.values is not None and len(self.values) > MAX_BARS

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        """A strip wraps with the width."""
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        """Bars are a fixed height; a strip needs one row of cells per width."""
        if self.values is None:
            return 0
        if self.as_strip:
            per_row = max(1, width // STRIP_CELL)
            return -(-len(self.values) // per_row) * STRIP_CELL
        return 90 + (self.fontMetrics().height() if self.labels is not None else 0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Wide."""
        return QSize(400, self.heightForWidth(400))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Bars around a zero line, or coloured cells."""
        painter = QPainter(self)
        values = self.values
        if values is not None and len(values):
            if self.as_strip:
                self._paint_strip(painter, values)
            else:
                self._paint_bars(painter, values)
        painter.end()
        self.painted_serial = self.serial

    def _paint_strip(self, painter: QPainter, values: np.ndarray) -> None:
        signed, scale = scale_for(values)
        table = colour_table(signed)
        per_row = max(1, self.width() // STRIP_CELL)
        levels = to_levels(values, signed, scale)
        pad = (-len(levels)) % per_row
        grid = np.concatenate([levels, np.full(pad, 0 if not signed else 128, np.uint8)])
        image = array_to_qimage(grid.reshape(-1, per_row), table)
        painter.drawImage(QRectF(0, 0, per_row * STRIP_CELL, image.height() * STRIP_CELL), image)

    def _paint_bars(self, painter: QPainter, values: np.ndarray) -> None:
        label_h = self.fontMetrics().height() if self.labels is not None else 0
        height = self.height() - label_h
        lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
        span = (hi - lo) or 1.0
        zero = height * hi / span
        slot = self.width() / len(values)
        best = int(np.argmax(values)) if self.labels is not None else -1
        painter.setPen(QPen(colours.role(colours.Role.Mid), 1))
        painter.drawLine(0, int(zero), self.width(), int(zero))
        tops = zero - height * np.maximum(values, 0.0) / span
        bottoms = zero - height * np.minimum(values, 0.0) / span
        width = max(1.0, slot * 0.8)
        for i, (top, bottom) in enumerate(zip(tops.tolist(), bottoms.tolist(), strict=True)):
            colour = BEST_BAR if i == best else (POSITIVE_BAR if values[i] >= 0 else NEGATIVE_BAR)
            painter.fillRect(QRectF(i * slot + slot * 0.1, top, width, max(bottom - top, 0.5)),
                             colour)
        if self.labels is not None:
            painter.setPen(colours.role(colours.Role.WindowText))
            for i in range(len(values)):
                painter.drawText(QRectF(i * slot, height, slot, label_h),
                                 Qt.AlignmentFlag.AlignCenter, str(self.labels[i]))

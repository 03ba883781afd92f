"""Every layer's output for one image: feature-map grids, bars for vectors, the softmax.

:class:`ActivationView` is a standalone widget: give it anything with ``activations`` (one
array per layer, batch dimension removed), ``layer_names`` and optionally ``layer_kinds`` and
``probs`` (e.g. ``model.inference.Prediction``). Arrays become ``QImage`` s directly (8-bit
indexed colour), so an update costs well under a millisecond per layer.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from model.strokes import LETTERS

MAP_SIZE_RANGE = (20, 160)
DEFAULT_MAP_SIZE = 52
GAP = 6
MAX_BARS = 160
STRIP_CELL = 6
_SEQUENTIAL = [(0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99), (212, 72, 66),
               (245, 125, 21), (250, 193, 39), (252, 255, 164)]
_DIVERGING = [(33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247),
              (253, 219, 199), (239, 138, 98), (178, 24, 43)]
KIND_LABELS = {"conv2d": "convolution", "activation": "activation", "maxpool2d": "max pooling",
               "avgpool2d": "average pooling", "sumpool2d": "sum pooling", "flatten": "flatten",
               "globalavgpool2d": "global average pooling", "dense": "dense",
               "dropout": "dropout (off when predicting)", "batchnorm": "batch normalisation"}


def _table(anchors: list[tuple[int, int, int]]) -> list[int]:
    stops = np.linspace(0.0, 1.0, len(anchors))
    levels = np.linspace(0.0, 1.0, 256)
    rgb = np.stack([np.interp(levels, stops, [a[c] for a in anchors]) for c in range(3)], axis=1)
    rgb = np.round(rgb).astype(np.uint32)
    return [int(0xFF000000 | (r << 16) | (g << 8) | b) for r, g, b in rgb]


SEQUENTIAL_TABLE = _table(_SEQUENTIAL)
DIVERGING_TABLE = _table(_DIVERGING)
GRAY_TABLE = _table([(0, 0, 0), (255, 255, 255)])


def color_at(table: list[int], level: float) -> QColor:
    """The colour of ``level`` (0..1) in a colour table."""
    return QColor.fromRgb(table[int(np.clip(level, 0.0, 1.0) * 255)])


def scale_for(values: np.ndarray) -> tuple[bool, float]:
    """``(signed, scale)`` to map a layer's values into a colour table."""
    lo, hi = float(np.min(values)), float(np.max(values))
    signed = lo < 0.0
    scale = max(abs(lo), abs(hi)) if signed else hi
    return signed, (scale if scale > 1e-12 else 1.0)


def to_levels(values: np.ndarray, signed: bool, scale: float) -> np.ndarray:
    """Values as uint8 colour indices: 0..scale, or -scale..scale with 0 in the middle."""
    scaled = (values / (2.0 * scale) + 0.5) if signed else values / scale
    return np.clip(np.nan_to_num(scaled) * 255.0 + 0.5, 0, 255).astype(np.uint8)


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
        if self._image is None:
            painter.fillRect(self.rect(), QColor(235, 236, 240))
            painter.end()
            return
        rect = self.image_rect()
        painter.drawImage(rect, self._image)
        h, w = self.array.shape
        cell = rect.width() / w
        if self.grid and cell >= 4:
            painter.setPen(QPen(QColor(90, 90, 100, 110), 1))
            for i in range(w + 1):
                x = int(rect.left() + i * cell)
                painter.drawLine(x, int(rect.top()), x, int(rect.bottom()))
            for j in range(h + 1):
                y = int(rect.top() + j * cell)
                painter.drawLine(int(rect.left()), y, int(rect.right()), y)
        painter.end()


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
        """Show the maps of ``values`` (height, width, channels)."""
        count_changed = self.values is None or self.values.shape != values.shape
        self.values = values
        self.serial = serial
        self.signed, self.scale = scale_for(values)
        table = DIVERGING_TABLE if self.signed else SEQUENTIAL_TABLE
        h, w, count = values.shape
        levels = to_levels(values, self.signed, self.scale)            # (h, w, c)
        self._strip = array_to_qimage(levels.transpose(0, 2, 1).reshape(h, count * w), table)
        self.count = count
        if count_changed:
            self.updateGeometry()
        self.update()

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
        """Each map with its number under it."""
        painter = QPainter(self)
        label_h = self._label_h()
        painter.setPen(QColor(90, 90, 90))
        exposed = QRectF(event.rect())
        h, w = (self.values.shape[:2]) if self.values is not None else (0, 0)
        for index in range(self.count if self._strip is not None else 0):
            rect = self.map_rect(index)
            if not rect.adjusted(0, 0, 0, label_h).intersects(exposed):
                continue
            painter.drawImage(rect, self._strip, QRectF(index * w, 0, w, h))
            painter.drawText(QRectF(rect.left(), rect.bottom(), rect.width(), label_h),
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
        table = DIVERGING_TABLE if signed else SEQUENTIAL_TABLE
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
        best = int(np.argmax(values))
        painter.setPen(QPen(QColor(200, 200, 210), 1))
        painter.drawLine(0, int(zero), self.width(), int(zero))
        for i, value in enumerate(values):
            top = zero - height * max(value, 0.0) / span
            bottom = zero - height * min(value, 0.0) / span
            color = QColor(230, 120, 40) if (self.labels is not None and i == best) else (
                QColor(96, 122, 170) if value >= 0 else QColor(190, 80, 80))
            painter.fillRect(QRectF(i * slot + slot * 0.1, top, max(1.0, slot * 0.8),
                                    max(bottom - top, 0.5)), color)
            if self.labels is not None:
                painter.setPen(QColor(60, 60, 60))
                painter.drawText(QRectF(i * slot, height, slot, label_h),
                                 Qt.AlignmentFlag.AlignCenter, str(self.labels[i]))


class LayerRow(QFrame):
    """One layer: a title line and its output drawn as maps or bars."""

    def __init__(self, index: int, name: str, kind: str, shape: tuple[int, ...],
                 output: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index, self.name, self.kind = index, name, kind
        self.title = QLabel()
        self.title.setObjectName("layer_title")
        self.stats = QLabel()
        self.stats.setStyleSheet("color: #666;")
        self.stats.setMinimumWidth(self.stats.fontMetrics().horizontalAdvance("min -0.000  max -0.000") + 8)
        self.stats.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.stats)
        self.body: FeatureMapGrid | VectorBars
        self.body = FeatureMapGrid() if len(shape) == 3 else VectorBars()
        self.output = output
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 6, 2, 2)
        layout.addLayout(head)
        layout.addWidget(self.body)
        shape_text = "x".join(str(n) for n in shape)
        what = KIND_LABELS.get(kind, kind)
        if output:
            what = "output: softmax probabilities"
        elif len(shape) == 3:
            what += f", {shape[-1]} feature maps of {shape[0]}x{shape[1]}"
        self.title.setText(f"<b>{index + 1}. {name}</b> &nbsp;{what} &nbsp;"
                           f"<span style='color:#777'>({shape_text})</span>")

    def set_values(self, values: np.ndarray, serial: int) -> None:
        """New output of the layer."""
        if isinstance(self.body, FeatureMapGrid):
            self.body.set_values(values, serial)
        else:
            labels = LETTERS if self.output and values.size == len(LETTERS) else None
            self.body.set_values(values.reshape(-1), labels, serial)
        self.stats.setText(f"min {float(values.min()):.3g}  max {float(values.max()):.3g}")


class ActivationView(QWidget):
    """Each layer's output for the current image; click a feature map to enlarge it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activation_view")
        self.rows: list[LayerRow] = []
        self.serial = 0
        self._signature: tuple | None = None
        self._values: list[np.ndarray] = []
        self._detail_at: tuple[int, int] | None = None

        self.heading = QLabel("<b>Inside the network</b>")
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setObjectName("map_zoom")
        self.zoom.setRange(*MAP_SIZE_RANGE)
        self.zoom.setValue(DEFAULT_MAP_SIZE)
        self.zoom.setMaximumWidth(160)
        self.zoom.setToolTip("Size of each feature map on screen")
        self.zoom.valueChanged.connect(self._set_cell)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(QLabel("Map size"))
        top.addWidget(self.zoom)

        self.detail = PixelImage(SEQUENTIAL_TABLE)
        self.detail.setFixedSize(168, 168)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        close = QToolButton()
        close.setText("Close")
        close.clicked.connect(self.close_detail)
        detail_text = QVBoxLayout()
        detail_text.addWidget(self.detail_label)
        detail_text.addWidget(close, 0, Qt.AlignmentFlag.AlignLeft)
        detail_text.addStretch(1)
        self.detail_box = QFrame()
        self.detail_box.setFrameShape(QFrame.Shape.StyledPanel)
        detail_layout = QHBoxLayout(self.detail_box)
        detail_layout.addWidget(self.detail)
        detail_layout.addLayout(detail_text, 1)
        self.detail_box.hide()

        self.message = QLabel("Draw a letter to see what each layer makes of it.")
        self.message.setObjectName("activation_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #666;")
        self._rows_widget = QWidget()
        self._rows_layout = QVBoxLayout(self._rows_widget)
        self._rows_layout.setContentsMargins(4, 0, 4, 4)
        self._rows_layout.addWidget(self.message)
        self._rows_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self._rows_widget)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.detail_box)
        layout.addWidget(self.scroll, 1)

    # ------------------------------------------------------------------ data
    def set_prediction(self, prediction) -> None:
        """Show a Prediction-like object (``activations``, ``layer_names``, ``layer_kinds``)."""
        names = list(prediction.layer_names)
        kinds = list(getattr(prediction, "layer_kinds", None) or ["layer"] * len(names))
        probs = getattr(prediction, "probs", None)
        self.set_activations(list(prediction.activations), names, kinds, probs)

    def set_activations(self, activations: list[np.ndarray], names: list[str],
                        kinds: list[str] | None = None, probs: np.ndarray | None = None) -> None:
        """Show one array per layer; ``probs`` adds a softmax row when the net outputs logits.

        Args:
            activations: layer outputs without the batch dimension.
            names: layer names, one per activation.
            kinds: spec kinds (``conv2d``, ``dense``...), one per activation.
            probs: class probabilities; shown as the output row if they are not the last layer.
        """
        values = [np.asarray(a, dtype=np.float32) for a in activations]
        names = list(names)
        kinds = list(kinds or ["layer"] * len(values))
        output_last = probs is not None and values and values[-1].shape == np.shape(probs) and \
            np.allclose(values[-1], probs, atol=1e-5)
        if probs is not None and not output_last:
            values.append(np.asarray(probs, dtype=np.float32))
            names.append("softmax")
            kinds.append("softmax")
        signature = tuple((n, k, v.shape) for n, k, v in zip(names, kinds, values, strict=True))
        if signature != self._signature:
            self._rebuild(signature, output=probs is not None)
        self.serial += 1
        self._values = values
        for row, value in zip(self.rows, values, strict=True):
            row.set_values(value, self.serial)
        self.message.hide()
        self._refresh_detail()

    def clear(self, message: str = "Draw a letter to see what each layer makes of it.") -> None:
        """Remove the layers and show ``message``."""
        self._rebuild((), output=False)
        self._values = []
        self.message.setText(message)
        self.message.show()
        self.close_detail()

    def _rebuild(self, signature: tuple, output: bool) -> None:
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        self._signature = signature
        for index, (name, kind, shape) in enumerate(signature):
            is_output = output and index == len(signature) - 1
            row = LayerRow(index, name, kind, shape, output=is_output)
            if isinstance(row.body, FeatureMapGrid):
                row.body.set_cell(self.zoom.value())
                row.body.map_clicked.connect(lambda channel, i=index: self.show_map(i, channel))
            self.rows.append(row)
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
        if self._detail_at and self._detail_at[0] >= len(self.rows):
            self.close_detail()

    def painted(self) -> bool:
        """Whether every row visible on screen has painted the latest data."""
        for row in self.rows:
            if not row.body.isVisible():
                if self.isVisible():
                    return False  # just added: shown (and painted) on the next event loop turn
                continue
            if not row.body.visibleRegion().isEmpty() and row.body.painted_serial != self.serial:
                return False
        return True

    # ------------------------------------------------------------------ zoom
    def _set_cell(self, cell: int) -> None:
        for row in self.rows:
            if isinstance(row.body, FeatureMapGrid):
                row.body.set_cell(cell)

    def show_map(self, layer: int, channel: int) -> None:
        """Enlarge feature map ``channel`` of layer ``layer`` above the layer list."""
        self._detail_at = (layer, channel)
        self.detail_box.show()
        self._refresh_detail()

    def close_detail(self) -> None:
        """Hide the enlarged map."""
        self._detail_at = None
        self.detail_box.hide()

    def _refresh_detail(self) -> None:
        if self._detail_at is None or not self._values:
            return
        layer, channel = self._detail_at
        if layer >= len(self._values) or self._values[layer].ndim != 3 or \
                channel >= self._values[layer].shape[-1]:
            self.close_detail()
            return
        values = self._values[layer]
        signed, scale = scale_for(values)
        self.detail.set_array(values[..., channel], signed, scale,
                              DIVERGING_TABLE if signed else SEQUENTIAL_TABLE)
        one = values[..., channel]
        self.detail_label.setText(
            f"<b>{self.rows[layer].name}</b>, feature map {channel}<br>"
            f"{one.shape[0]}x{one.shape[1]} values from {one.min():.3g} to {one.max():.3g}"
            f"<br>Colours use the whole layer's range ({'-' if signed else '0 to '}"
            f"{scale:.3g}{' to ' + format(scale, '.3g') if signed else ''}), so weak maps "
            "look dark.")

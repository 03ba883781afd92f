"""The convolution kernels of a network as small images, updated live while it trains.

The first conv layer shows one tile per filter; a deeper layer shows a grid with one row per
filter and one column per input channel. Colours are diverging: red positive, blue negative,
white zero, scaled to the layer's largest absolute weight.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.heatmap import rgb_to_qimage

#: At most this many filters (rows) and input channels (columns) are drawn for one layer.
MAX_ROWS = 32
MAX_COLS = 32
GAP = 1


def diverging_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """Map values to RGB: blue (-scale) through white (0) to red (+scale).

    Args:
        values: any-shaped float array.
        scale: the absolute value that gets the full colour (> 0).

    Returns:
        uint8 array of shape ``values.shape + (3,)``.
    """
    t = np.clip(np.nan_to_num(values / max(scale, 1e-12)), -1.0, 1.0)
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    red = 1.0 - 0.75 * neg
    green = 1.0 - 0.8 * pos - 0.65 * neg
    blue = 1.0 - 0.8 * pos
    return (np.stack([red, green, blue], axis=-1) * 255).astype(np.uint8)


def kernel_mosaic(kernel: np.ndarray, first: bool) -> np.ndarray:
    """Arrange a conv kernel's taps as one RGB image with gaps between tiles.

    Args:
        kernel: Keras conv kernel ``(kh, kw, c_in, c_out)``.
        first: lay the filters out in a near-square grid (first layer) instead of one row per
            filter and one column per input channel.

    Returns:
        uint8 RGB image ``(height, width, 3)``.
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw, c_in, c_out = kernel.shape
    scale = float(np.abs(kernel).max()) if kernel.size else 1.0
    if first:
        tiles = kernel.mean(axis=2).transpose(2, 0, 1)  # (c_out, kh, kw)
        cols = int(np.ceil(np.sqrt(c_out * 2)))  # wider than tall, like the dock
        rows = int(np.ceil(c_out / cols))
        grid = np.full((rows, cols, kh, kw), np.nan, np.float32)
        grid.reshape(rows * cols, kh, kw)[:c_out] = tiles
    else:
        rows, cols = min(c_out, MAX_ROWS), min(c_in, MAX_COLS)
        grid = kernel[:, :, :cols, :rows].transpose(3, 2, 0, 1)  # (rows, cols, kh, kw)
    height, width = rows * (kh + GAP) - GAP, cols * (kw + GAP) - GAP
    image = np.full((height, width, 3), 235, np.uint8)
    colours = diverging_rgb(grid, scale)
    empty = np.isnan(grid)
    for r in range(rows):
        for c in range(cols):
            if empty[r, c].all():
                continue
            top, left = r * (kh + GAP), c * (kw + GAP)
            image[top:top + kh, left:left + kw] = colours[r, c]
    return image


def shape_text(kernel: np.ndarray) -> str:
    """``16 x 5x5x1``: filters x height x width x input channels of a conv kernel."""
    kh, kw, c_in, c_out = kernel.shape
    return f"{c_out} x {kh}x{kw}x{c_in}"


class MosaicCanvas(QWidget):
    """Paints an RGB image scaled up with sharp pixels, centred, keeping its aspect ratio."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self.setMinimumSize(60, 60)

    def set_rgb(self, rgb: np.ndarray | None) -> None:
        """Show ``rgb`` (uint8 (h, w, 3)) or nothing."""
        self._image = None if rgb is None else rgb_to_qimage(rgb)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, 120)

    def target_rect(self) -> QRect:
        """Where the image is drawn inside the widget."""
        if self._image is None:
            return QRect()
        w, h = self._image.width(), self._image.height()
        zoom = max(min(self.width() / w, self.height() / h), 0.01)
        dw, dh = int(w * zoom), int(h * zoom)
        return QRect((self.width() - dw) // 2, (self.height() - dh) // 2, dw, dh)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        with QPainter(self) as painter:
            self._paint(painter)

    def _paint(self, painter: QPainter) -> None:
        if self._image is None:
            painter.setPen(colours.muted_text())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No kernels yet")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self.target_rect(), self._image)


class KernelView(QWidget):
    """A layer chooser and the chosen conv layer's kernels as images."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kernels: list[np.ndarray] = []
        self._names: list[str] = []
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("kernel_layer")
        self.layer_combo.setToolTip("Which convolution layer's kernels to show")
        self.layer_combo.currentIndexChanged.connect(self._redraw)
        # Neither the combo nor the label may widen the dock when their text changes mid-run
        # (a wider dock resizes the curves, which then need a full matplotlib redraw).
        self.layer_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(8)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setStyleSheet(f"color: {colours.css(colours.muted_text())}")
        self.canvas = MosaicCanvas()
        top = QHBoxLayout()
        top.addWidget(QLabel("Kernels of"))
        top.addWidget(self.layer_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.info)
        self.updates = 0

    def set_kernels(self, kernels: list[np.ndarray], names: list[str] | None = None) -> None:
        """Show new kernel values (one ``(kh, kw, c_in, c_out)`` array per conv layer).

        Args:
            kernels: the conv kernels, first layer first.
            names: the layers' names (kept from the previous call when None).
        """
        self._kernels = [np.asarray(k) for k in kernels if np.ndim(k) == 4]
        if names is not None or len(self._names) != len(self._kernels):
            names = names or [f"conv layer {i + 1}" for i in range(len(self._kernels))]
            self._names = list(names)[:len(self._kernels)]
            current = self.layer_combo.currentIndex()
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            for name, kernel in zip(self._names, self._kernels, strict=True):
                # the name alone: a narrow dock cut "01_conv2d  (16 x 5x5x1)" short; the shape
                # is in the item's tooltip and the caption
                self.layer_combo.addItem(name)
                self.layer_combo.setItemData(self.layer_combo.count() - 1,
                                             f"{name}: {shape_text(kernel)}",
                                             Qt.ItemDataRole.ToolTipRole)
            self.layer_combo.setCurrentIndex(min(max(current, 0), len(self._names) - 1))
            self.layer_combo.blockSignals(False)
        self._redraw()

    def clear(self) -> None:
        """Show nothing."""
        self._kernels, self._names = [], []
        self.layer_combo.clear()
        self.canvas.set_rgb(None)
        self.info.setText("")

    def _redraw(self, *_args) -> None:
        index = self.layer_combo.currentIndex()
        if not 0 <= index < len(self._kernels):
            self.canvas.set_rgb(None)
            self.info.setText("This network has no convolution layer." if not self._kernels
                              else "")
            return
        kernel = self._kernels[index]
        self.canvas.set_rgb(kernel_mosaic(kernel, first=index == 0))
        peak = float(np.abs(kernel).max()) if kernel.size else 0.0
        _, _, c_in, c_out = kernel.shape
        shown = "" if index == 0 or (c_out <= MAX_ROWS and c_in <= MAX_COLS) else (
            f" (first {min(c_out, MAX_ROWS)} filters x {min(c_in, MAX_COLS)} channels)")
        layout = "one tile per filter" if index == 0 else "rows: filters, columns: inputs"
        self.info.setText(f"{shape_text(kernel)}, {layout}{shown}; red +, blue -, full colour "
                          f"at |w| = {peak:.3g}")
        self.updates += 1

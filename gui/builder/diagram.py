"""The network drawn like the textbook CNN picture, one block per layer, redrawn on every edit.

A feature map of ``h x w x c`` is a box: its height follows ``h``, its slanted side follows
``w`` and its thickness grows with the number of channels ``c``, so boxes shrink through
pooling and thicken with more filters. Vectors (Flatten, Dense) are flat bars whose height grows
with their length. Layers that keep the shape (activation, dropout, batch norm) are thin slabs.
Blocks wrap onto several rows and scale down so that the whole network is always visible.
Painting is plain ``QPainter`` work and takes well under a millisecond per block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cnn_studio.gui.common import palette as colours
from cnn_studio.model.spec.analysis import NetworkReport
from cnn_studio.model.spec.network import (
    INPUT_SHAPE,
    LAYER_TYPES,
    NetworkSpec,
    is_output_layer,
    resolve_params,
)

COLORS = {"input": "#c9ced6", "conv2d": "#5b8fd0", "maxpool2d": "#e8a33d",
          "avgpool2d": "#e8a33d", "sumpool2d": "#e8a33d", "flatten": "#8a94a6",
          "globalavgpool2d": "#9b6fc7", "dense": "#5aa469", "output": "#2e7d32",
          "activation": "#f2d45c", "dropout": "#b9b9b9", "batchnorm": "#4fb3b3"}
THIN_KINDS = ("activation", "dropout", "batchnorm")
ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "tanh", "softmax": "Softmax",
                    "leaky_relu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "linear": "Linear"}
SCALES = (1.6, 1.35, 1.15, 1.0, 0.85, 0.72, 0.6, 0.5, 0.42, 0.35)
GAP, MARGIN = 10.0, 8.0
ROW_PENALTY = 0.25


@dataclass
class Block:
    """One drawn layer: ``index`` -1 is the input image."""

    index: int
    kind: str
    name: str
    shape: tuple[int, ...] | None
    error: bool = False
    tooltip: str = ""

    @property
    def thin(self) -> bool:
        """Shape-keeping layers are drawn as thin slabs."""
        return self.kind in THIN_KINDS


def block_name(layer, kind: str) -> str:
    """The short label above a block: ``Conv 5x5``, ``MaxPool 2``, ``Dense 128``, ``ReLU``."""
    if kind not in LAYER_TYPES:
        return "Unknown"
    p, _ = resolve_params(layer)
    if kind == "conv2d":
        return f"Conv {p['kernel_h']}x{p['kernel_w']}"
    if kind.endswith("pool2d") and kind != "globalavgpool2d":
        return f"{kind[:3].capitalize()}Pool {p['pool_size']}"
    if kind == "dense":
        return "Output 26" if is_output_layer(layer) else f"Dense {p['units']}"
    if kind == "activation":
        return ACTIVATION_NAMES.get(p["activation"], p["activation"])
    if kind == "dropout":
        return f"Drop {p['rate']:g}"
    return {"flatten": "Flatten", "globalavgpool2d": "GlobalAvg", "batchnorm": "BN"}[kind]


def blocks_for(spec: NetworkSpec, report: NetworkReport) -> list[Block]:
    """The blocks to draw: the input image, then one per layer."""
    shape_of = lambda s: "x".join(map(str, s)) if s else "?"  # noqa: E731
    blocks = [Block(-1, "input", "Input", INPUT_SHAPE, tooltip="Input image: 28x28 pixels, "
                    "1 channel (grey level)")]
    for layer, r in zip(spec.layers, report.layers, strict=False):
        kind = "output" if is_output_layer(layer) and r.kind == "dense" else r.kind
        tip = r.error or (f"{r.title}\n{shape_of(r.input_shape)} -> {shape_of(r.output_shape)}"
                          f"\n{r.params:,} parameters, {r.macs:,} multiply-adds")
        blocks.append(Block(r.index, kind, block_name(layer, r.kind), r.output_shape,
                            bool(r.error), f"Layer {r.number}: {tip}"))
    return blocks


def box_size(block: Block, s: float) -> tuple[float, float, float, float]:
    """``(front width, front height, slant, total width)`` of a block at scale ``s``."""
    shape = block.shape
    if shape is None or block.error:
        depth, height, slant = 14 * s, 40 * s, 6 * s
    elif len(shape) == 3:
        h, w, c = shape
        depth = (5 if block.thin else 4 + 5 * math.log2(max(c, 1))) * s
        height = (4 + 3.3 * h) * s
        slant = (2 + 0.75 * w) * s
    else:
        depth = (5 if block.thin else 10) * s
        height = min(170.0, 12 + 12 * math.log2(max(shape[0], 1))) * s
        slant = 4 * s
    return depth, height, slant, depth + slant


class NetworkDiagram(QWidget):
    """Paints the network; click a block to select its layer.

    Signals:
        layer_clicked(index): the user clicked the block of the layer at ``index``.
    """

    layer_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("network_diagram")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAutoFillBackground(True)
        self.blocks: list[Block] = blocks_for(NetworkSpec([]), _empty_report())
        self.selected = -1
        self.slots: list[tuple[QRectF, Block]] = []
        self.label_font = QFont(self.font())
        self.label_font.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        self.scale = 1.0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(520, 260)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, 150)

    def set_network(self, spec: NetworkSpec, report: NetworkReport, selected: int = -1) -> None:
        """Draw ``spec`` (analysed as ``report``) with layer ``selected`` highlighted."""
        self.blocks = blocks_for(spec, report)
        self.selected = selected
        self.update()

    def set_selected(self, index: int) -> None:
        """Highlight the block of layer ``index`` (-1: none)."""
        if index != self.selected:
            self.selected = index
            self.update()

    # --------------------------------------------------------------- layout
    def _slot_width(self, block: Block, s: float, metrics: QFontMetrics) -> float:
        text = max(metrics.horizontalAdvance(block.name), metrics.horizontalAdvance(
            self._shape_label(block)))
        return max(box_size(block, s)[3], text) + GAP

    @staticmethod
    def _shape_label(block: Block) -> str:
        if block.thin or block.shape is None or block.error:
            return "!" if block.error else ""
        return "\u00d7".join(map(str, block.shape))

    def layout_blocks(self, width: float, height: float) -> tuple[float, list[list[Block]]]:
        """The scale and rows to draw with: the largest scale at which everything fits, where
        each extra row counts as losing a fifth of the scale (one row reads best)."""
        metrics = QFontMetrics(self.label_font)
        text_h = metrics.height()
        best, best_score = None, -1.0
        for s in SCALES:
            rows, row, used = [], [], 0.0
            for block in self.blocks:
                w = self._slot_width(block, s, metrics)
                if row and used + w > width - 2 * MARGIN:
                    rows.append(row)
                    row, used = [], 0.0
                row.append(block)
                used += w
            rows.append(row)
            total = sum(self._row_height(r, s, text_h) for r in rows) + 2 * MARGIN
            score = s / (1 + ROW_PENALTY * (len(rows) - 1)) if total <= height else 0.0
            if best is None or score > best_score:
                best, best_score = (s, rows), score
        return best

    @staticmethod
    def _row_height(row: list[Block], s: float, text_h: float) -> float:
        tallest = max(box_size(b, s)[1] + box_size(b, s)[2] for b in row)
        return tallest + 2 * text_h + 14

    # ------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Draw every block with its name above and its output shape below."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.label_font)
        metrics = QFontMetrics(self.label_font)
        text_h = metrics.height()
        self.scale, rows = self.layout_blocks(self.width(), self.height())
        s = self.scale
        self.slots = []
        y = MARGIN
        for row in rows:
            row_h = self._row_height(row, s, text_h)
            x = MARGIN
            middle = y + text_h + 6 + (row_h - 2 * text_h - 14) / 2
            for block in row:
                w = self._slot_width(block, s, metrics)
                slot = QRectF(x, y, w - GAP / 2, row_h)
                self.slots.append((slot, block))
                self._paint_block(painter, block, slot, middle, s, text_h)
                x += w
            y += row_h
        if len(self.blocks) == 1:
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            painter.drawText(QRectF(x, MARGIN, self.width() - x, y - MARGIN),
                             Qt.AlignmentFlag.AlignCenter,
                             "Add layers from the palette to see the network grow here.")
        painter.end()

    def _paint_block(self, painter: QPainter, block: Block, slot: QRectF, middle: float,
                     s: float, text_h: float) -> None:
        selected = block.index == self.selected and block.index >= 0
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(70, 130, 220, 45))
            painter.drawRoundedRect(slot, 6, 6)
        depth, height, slant, total = box_size(block, s)
        left = slot.center().x() - total / 2
        top = middle - (height + slant) / 2
        color = QColor(COLORS.get(block.kind, "#999999"))
        if block.error or block.shape is None:
            color = QColor("#f6c9c9") if block.error else QColor("#e6e6e6")
        outline = QPen(QColor("#8b0000") if block.error else QColor(40, 40, 40, 160),
                       2.0 if selected else 1.0)
        if block.error or block.shape is None:
            outline.setStyle(Qt.PenStyle.DashLine)
        if selected:
            outline.setColor(QColor("#1f5fbf"))
        painter.setPen(outline)
        front = QRectF(left, top + slant, depth, height)
        top_face = QPolygonF([QPointF(left, top + slant), QPointF(left + slant, top),
                              QPointF(left + slant + depth, top),
                              QPointF(left + depth, top + slant)])
        side = QPolygonF([QPointF(left + depth, top + slant), QPointF(left + depth + slant, top),
                          QPointF(left + depth + slant, top + height),
                          QPointF(left + depth, top + slant + height)])
        painter.setBrush(color.lighter(125))
        painter.drawPolygon(top_face)
        painter.setBrush(color.darker(118))
        painter.drawPolygon(side)
        painter.setBrush(color)
        painter.drawRect(front)
        font = painter.font()
        font.setBold(selected)
        painter.setFont(font)
        painter.setPen(colours.error_text() if block.error else self.palette().color(
            self.palette().ColorRole.WindowText))
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(slot.left(), slot.top() + 2, slot.width(), text_h), align,
                         block.name)
        painter.drawText(QRectF(slot.left(), slot.bottom() - text_h - 4, slot.width(), text_h),
                         align, self._shape_label(block))

    # ---------------------------------------------------------- interaction
    def block_at(self, x: float, y: float) -> Block | None:
        """The block whose slot contains the point, or None."""
        for slot, block in self.slots:
            if slot.contains(QPointF(x, y)):
                return block
        return None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Clicking a layer's block selects that layer."""
        block = self.block_at(event.position().x(), event.position().y())
        if block is not None and block.index >= 0:
            self.layer_clicked.emit(block.index)
        super().mousePressEvent(event)

    def event(self, event) -> bool:
        """Show the layer's shapes, parameters or problem as a tooltip."""
        if event.type() == QEvent.Type.ToolTip:
            block = self.block_at(event.pos().x(), event.pos().y())
            if block is not None:
                QToolTip.showText(event.globalPos(), block.tooltip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


def _empty_report() -> NetworkReport:
    return NetworkReport([], 0, 0, [], False, 0)

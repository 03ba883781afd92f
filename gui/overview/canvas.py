"""The painted picture of the overview: columns of maps, bars and strips, connections, the zoom.

:class:`OverviewCanvas` paints from the columns' cached images with plain ``QPainter`` calls,
only inside the rectangle Qt asks for, and answers "what is under this point" for hover and
clicks. It holds no data of its own beyond what the overview widget hands it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.activation_maps import (
    GRAY_TABLE,
    array_to_qimage,
    colour_table,
    to_levels,
)
from cnn_studio.gui.common.heatmap import format_number
from cnn_studio.gui.overview.columns import (
    BARS,
    IMAGE,
    INPUT_INDEX,
    MAPS,
    OUTPUT,
    SHORT_KINDS,
    STRIP,
    Column,
    pixels,
)
from cnn_studio.gui.overview.connections import Selection
from cnn_studio.gui.overview.geometry import ColumnBox, ColumnNeed, Layout, layout

SELECTED = QColor(255, 140, 0)
EDGE = QColor(230, 120, 30)
POSITIVE_BAR, NEGATIVE_BAR = QColor(96, 122, 170), QColor(190, 80, 80)
HINT_MAPS = "Click a feature map to see the map that feeds it."
HINT_CONV = ("Click a feature map to see the maps and the kernel that feed it, and a pixel of "
             "the selected convolution map to see how that number is computed.")
HINT_DENSE = "Click a dense unit to see its weights on every value before it."
HINT_VALUES = "Point at anything to read its value."
WEIGHTS_LEFT = 136  # the weights' pictures start this far right of their legend
#: Layers whose single values (units) can be selected in a vector column.
VECTOR_SELECTABLE = ("dense", "dropout", "activation", "batchnorm")


@dataclass(frozen=True)
class Hit:
    """What is under a point: ``what`` is ``map`` (row and col set), ``value`` (a strip cell,
    a bar or a probability; ``item`` is its index), ``title`` or ``toggle``."""

    what: str
    layer: int
    item: int = 0
    row: int = 0
    col: int = 0


@dataclass
class Zoom:
    """The zoom into one pixel: where the map started, the pixel, and how far it has grown."""

    start: QRectF
    layer: int
    map: int
    row: int
    col: int
    progress: float = 0.0


@dataclass(frozen=True)
class _Ink:
    """The palette's colours one paint uses (looked up once per paint, not per item)."""

    base: QColor
    text: QColor
    muted: QColor
    link: QColor
    mid: QColor
    highlight: QColor

    @classmethod
    def of_palette(cls) -> _Ink:
        base = colours.role(colours.Role.Base)
        return cls(base, colours.role(colours.Role.Text), colours.muted_text(base),
                   colours.readable(colours.role(colours.Role.Link), base),
                   colours.role(colours.Role.Mid), colours.tint(SELECTED, 0.35, colours.Role.Base))


def _lerp(a: QRectF, b: QRectF, t: float) -> QRectF:
    return QRectF(a.left() + (b.left() - a.left()) * t, a.top() + (b.top() - a.top()) * t,
                  a.width() + (b.width() - a.width()) * t,
                  a.height() + (b.height() - a.height()) * t)


@lru_cache(maxsize=4)
def _ramp(table: str | bool) -> QImage:
    """A legend's colour ramp, 256 x 1: the drawing's ink (``"ink"``), or signed or
    non-negative layer outputs."""
    colours_ = GRAY_TABLE[::-1] if table == "ink" else colour_table(bool(table))
    return array_to_qimage(np.arange(256, dtype=np.uint8)[None, :], colours_).convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied)


def _titles(column: Column) -> list[str]:
    """A column's title, long first, then shorter ones for narrow columns."""
    if column.style == IMAGE:
        return ["input"]
    if column.style == OUTPUT:
        return ["output", "out"]
    number = "" if column.info.kind == "softmax" else f"{column.index + 1} "
    kind = column.info.kind
    return [number + name for name in SHORT_KINDS.get(kind, (kind,))] + [number.strip()]


def _fitted(painter: QPainter, texts: list[str], width: float) -> str:
    """The first of ``texts`` that fits ``width`` in the painter's font (else the last, cut)."""
    metrics = painter.fontMetrics()
    for text in texts:
        if metrics.horizontalAdvance(text) <= width:
            return text
    return metrics.elidedText(texts[-1], Qt.TextElideMode.ElideRight, int(width))


def _short(value: float) -> str:
    """A legend number in at most about four characters: ``0``, ``0.43``, ``3.6``, ``-13``."""
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "\u00d7".join(str(n) for n in shape)


class OverviewCanvas(QWidget):
    """The picture inside the overview's scroll area.

    Signals:
        map_clicked(int, int): layer and map of a clicked map (not the selected one).
        pixel_clicked(int, int, int, int): layer, map, row and col clicked in the selected
            convolution map.
        toggle_clicked(int): the "show all" switch of a layer.
        background_clicked(): a click on nothing.
        hovered(str): what is under the pointer ("" when nothing).
    """

    map_clicked = Signal(int, int)
    pixel_clicked = Signal(int, int, int, int)
    toggle_clicked = Signal(int)
    background_clicked = Signal()
    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = []
        self.plan = Layout(self.size())
        self.show_all: set[int] = set()
        self.selection: Selection | None = None
        self.zoom: Zoom | None = None
        self.paint_count = 0
        self.paint_seconds = 0.0  # how long the last paint took (wall clock)
        self._kernel_image: tuple[int, QImage, int] | None = None  # (weights' id, picture, cell)
        self._static: QImage | None = None
        self._numbers: dict[str, QStaticText] = {}
        self._last_paragraph: tuple[tuple, QStaticText] | None = None
        self._visible: dict[int, tuple] = {}
        self._ink = _Ink.of_palette()
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        self._bold = QFont(self._small)
        self._bold.setBold(True)

    # ---------------------------------------------------------------- geometry
    def position(self, layer: int) -> int | None:
        """The column position of ``layer`` (``INPUT_INDEX`` is the drawing), or None."""
        position = layer - INPUT_INDEX
        return position if 0 <= position < len(self.columns) else None

    def set_columns(self, columns: list[Column]) -> None:
        """Show ``columns`` (another network, or the first data): call :meth:`relayout` next."""
        self.columns = columns
        self._visible.clear()
        self._static = None

    def relayout(self, width: int, height: int) -> None:
        """Place the columns for a ``width`` x ``height`` view and take the size they need."""
        needs = [ColumnNeed(c.style, c.count, tuple(c.shape[:2]) if c.style in (MAPS, IMAGE)
                            else (0, 0), c.index in self.show_all) for c in self.columns]
        line_h = max(12, self.fontMetrics().height())
        self.plan = layout(needs, width, height, line_h)
        self._static = None
        if self.size() != self.plan.size:
            self.resize(self.plan.size)
        self.update()

    def box(self, layer: int) -> ColumnBox | None:
        """The rectangles of ``layer``'s column (None when it has none)."""
        position = self.position(layer)
        return None if position is None or position >= len(self.plan.columns) \
            else self.plan.columns[position]

    def pinned(self, layer: int) -> list[int]:
        """Maps of ``layer`` that stay in sight whatever their strength: the selected map, and
        the one map feeding it when it comes from exactly one."""
        selection = self.selection
        if selection is None:
            return []
        pins = [selection.map] if selection.layer == layer else []
        if selection.layer - 1 == layer and len(selection.sources) == 1:
            pins.append(selection.sources[0])
        return pins

    def visible_maps(self, layer: int) -> list[int]:
        """The maps of ``layer`` shown, in their places (strongest first)."""
        position, box = self.position(layer), self.box(layer)
        if position is None or box is None:
            return []
        column = self.columns[position]
        if column.style == IMAGE:
            return [0]
        if column.style != MAPS:
            return []
        pins = self.pinned(layer)
        key = (column.version, box.shown, tuple(pins))
        known = self._visible.get(layer)
        if known is not None and known[0] == key:
            return known[1]
        shown = [int(i) for i in column.order[:box.shown]]
        for pin in pins:
            if pin not in shown and pin < column.count and shown:
                shown[-1] = pin
        self._visible[layer] = (key, shown)
        return shown

    def map_rect(self, layer: int, map_index: int) -> QRectF | None:
        """Where map ``map_index`` of ``layer`` is drawn (None when it is not shown)."""
        shown = self.visible_maps(layer)
        if map_index not in shown:
            return None
        return self.box(layer).slot(shown.index(map_index))

    def pixel_rect(self, layer: int, map_index: int, row: int, col: int) -> QRectF | None:
        """Where one value of a shown map is drawn."""
        rect = self.map_rect(layer, map_index)
        if rect is None:
            return None
        h, w = self.columns[self.position(layer)].shape[:2]
        return QRectF(rect.left() + col * rect.width() / w, rect.top() + row * rect.height() / h,
                      rect.width() / w, rect.height() / h)

    def value_rect(self, layer: int, item: int) -> QRectF | None:
        """Where value ``item`` of a strip, bars or output column is drawn (None elsewhere)."""
        position, box = self.position(layer), self.box(layer)
        if position is None or box is None:
            return None
        column = self.columns[position]
        if column.style == STRIP and 0 <= item < column.count:
            col, row = divmod(item, box.strip_rows)
            return QRectF(box.body.left() + col * box.cell, box.body.top() + row * box.cell,
                          box.cell, box.cell)
        if column.style in (BARS, OUTPUT) and 0 <= item < column.count:
            top, step = self._rows(column, box)
            return QRectF(box.body.left(), top + item * step, box.body.width(), step)
        return None

    def hit(self, point: QPointF) -> Hit | None:
        """What is under ``point`` (canvas coordinates), or None."""
        for column, box in zip(self.columns, self.plan.columns, strict=False):
            if box.toggle is not None and box.toggle.contains(point):
                return Hit("toggle", column.index)
            if box.title.contains(point):
                return Hit("title", column.index)
            if not box.body.adjusted(0, 0, 0, 1).contains(point):
                continue
            if column.style in (MAPS, IMAGE):
                for map_index in self.visible_maps(column.index):
                    rect = self.map_rect(column.index, map_index)
                    if rect.contains(point):
                        h, w = column.shape[:2]
                        row = min(h - 1, int((point.y() - rect.top()) * h / rect.height()))
                        col = min(w - 1, int((point.x() - rect.left()) * w / rect.width()))
                        return Hit("map", column.index, map_index, row, col)
                return None
            item = self._value_at(column, box, point)
            return None if item is None else Hit("value", column.index, item)
        return None

    def _value_at(self, column: Column, box: ColumnBox, point: QPointF) -> int | None:
        if column.style == STRIP:
            col = int((point.x() - box.body.left()) // box.cell)
            row = int((point.y() - box.body.top()) // box.cell)
            item = col * box.strip_rows + row
        else:
            top, step = self._rows(column, box)
            item = int((point.y() - top) // step) if point.y() >= top else -1
        return item if 0 <= item < column.count else None

    def _rows(self, column: Column, box: ColumnBox) -> tuple[float, float]:
        """(top, height) of the rows of a bars or output column, centred in the body."""
        limit = 18.0 if column.style == OUTPUT else 10.0
        step = min(limit, box.body.height() / max(column.count, 1))
        return box.body.top() + (box.body.height() - step * column.count) / 2, step

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Clicks select a map, open a pixel of the selected map, or switch "show all"."""
        if event.button() != Qt.MouseButton.LeftButton or self.zoom is not None:
            super().mousePressEvent(event)
            return
        hit = self.hit(event.position())
        selection = self.selection
        if hit is not None and hit.what == "value" and \
                self.columns[self.position(hit.layer)].info.kind in VECTOR_SELECTABLE:
            self.map_clicked.emit(hit.layer, hit.item)
        elif hit is None or hit.what in ("value", "title"):
            self.background_clicked.emit()
        elif hit.what == "toggle":
            self.toggle_clicked.emit(hit.layer)
        elif (selection is not None and (selection.layer, selection.map) == (hit.layer, hit.item)
              and self.columns[self.position(hit.layer)].info.kind == "conv2d"):
            self.pixel_clicked.emit(hit.layer, hit.item, hit.row, hit.col)
        elif hit.layer != INPUT_INDEX:
            self.map_clicked.emit(hit.layer, hit.item)
        else:
            self.background_clicked.emit()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Say what is under the pointer."""
        hit = None if self.zoom is not None else self.hit(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if hit is not None and hit.what in (
            "map", "toggle") else Qt.CursorShape.ArrowCursor)
        self.hovered.emit(self.describe(hit))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Nothing is under the pointer any more."""
        self.hovered.emit("")
        super().leaveEvent(event)

    def describe(self, hit: Hit | None) -> str:
        """The status line for ``hit``: which value it is and the value."""
        if hit is None:
            return ""
        column = self.columns[self.position(hit.layer)]
        name = column.info.name
        if hit.what == "title":
            shape = _shape_text(column.shape)
            if column.style == IMAGE:
                return f"the drawing: {_shape_text(column.shape[:2])} pixels, ink from 0 to 1"
            if column.style == OUTPUT:
                return f"{name}: the probability of each of the {column.count} classes"
            return f"{name}: {column.info.title}, output {shape}"
        if hit.what == "toggle":
            box = self.box(hit.layer)
            if hit.layer in self.show_all:
                return f"{name}: all {column.count} maps shown; click to show the strongest only"
            return (f"{name}: the {box.shown} of {column.count} maps with the largest values "
                    "for this drawing; click to show all")
        if hit.what == "map":
            value = format_number(column.map_value(hit.item, hit.row, hit.col), 4)
            if column.style == IMAGE:
                return f"input pixel (row {hit.row}, col {hit.col}): {value}"
            return f"{name}, map {hit.item}, row {hit.row}, col {hit.col}: {value}"
        value = format_number(float(column.values.reshape(-1)[hit.item]), 4)
        if column.style == OUTPUT and column.labels:
            return f"probability of {column.labels[hit.item]}: {value}"
        noun = "unit" if column.info.kind == "dense" else "value"
        return f"{name}, {noun} {hit.item}: {value}"

    def prepare(self) -> None:
        """Make the pictures the next paint needs now, so that a redraw's work is split
        between this event-loop turn and the paint's (each blocks the GUI for less time): the
        maps, strips and bars of the data, and the titles after a relayout."""
        self._static_layer()
        for column, box in zip(self.columns, self.plan.columns, strict=False):
            if column.style in (MAPS, IMAGE):
                column.maps_image(self.visible_maps(column.index))
            elif column.style == STRIP:
                column.strip_image(box.strip_rows)
            elif column.style == BARS:
                column.bars_image(int(box.body.width()), self._rows_per_bar(column, box))

    def _rows_per_bar(self, column: Column, box: ColumnBox) -> int:
        """Pixel rows per bar: up to 4, the last one a gap (see ``Column.bars_image``)."""
        return max(1, min(4, int(self._rows(column, box)[1])))

    # ---------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """The columns, the connections, the detail band, and the zoom on top."""
        self.paint_count += 1
        started = time.perf_counter()
        painter = QPainter(self)
        exposed = QRectF(event.rect())
        self._ink = _Ink.of_palette()
        painter.fillRect(exposed, self._ink.base)
        zoom = self.zoom
        if zoom is None or zoom.progress < 1.0:
            painter.drawImage(exposed, self._static_layer(), exposed)
            self._paint_edges(painter)
            for column, box in zip(self.columns, self.plan.columns, strict=False):
                if box.body.united(box.legend).adjusted(-2, -2, 2, 2).intersects(exposed):
                    self._paint_values(painter, column, box)
            if self.plan.detail.intersects(exposed):
                self._paint_detail(painter, self.plan.detail)
        if zoom is not None:
            self._paint_zoom(painter, zoom)
        painter.end()
        self.paint_seconds = time.perf_counter() - started

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """A new palette or font: the titles are drawn again."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._static = None
        super().changeEvent(event)

    def _static_layer(self) -> QImage:
        """What changes only with the layout: titles, letters, "show all" switches, zero lines
        (one transparent picture, drawn again only after a relayout or a palette change)."""
        if self._static is not None and self._static.size() == self.size():
            return self._static
        image = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        ink = _Ink.of_palette()
        for column, box in zip(self.columns, self.plan.columns, strict=False):
            self._paint_titles(painter, column, box, ink)
        painter.end()
        self._static = image
        return image

    def _paint_titles(self, painter: QPainter, column: Column, box: ColumnBox, ink) -> None:
        line = box.title.height() / 2
        first = QRectF(box.title.left(), box.title.top(), box.title.width(), line)
        second = QRectF(box.title.left(), box.title.top() + line, box.title.width(), line)
        centre = Qt.AlignmentFlag.AlignCenter
        painter.setFont(self._bold)
        painter.setPen(ink.text)
        painter.drawText(first, centre, _fitted(painter, _titles(column), first.width()))
        painter.setFont(self._small)
        painter.setPen(ink.muted)
        shape = _shape_text(column.shape[:2] if column.style == IMAGE else column.shape)
        painter.drawText(second, centre, painter.fontMetrics().elidedText(
            shape, Qt.TextElideMode.ElideRight, int(second.width())))
        if box.toggle is not None:
            hidden = column.count - box.shown
            labels = ["fewer", "\u2212"] if column.index in self.show_all else \
                [f"+{hidden} more", f"+{hidden}"]
            painter.setPen(ink.link)
            painter.drawText(box.toggle, centre, _fitted(painter, labels, box.toggle.width() - 4))
        if column.style in (BARS, OUTPUT):
            top, step = self._rows(column, box)
            zero = box.body.left() + (14.0 if column.style == OUTPUT else 0.0)
            painter.setPen(QPen(ink.mid, 1))
            painter.drawLine(QPointF(zero, top), QPointF(zero, top + step * column.count))
        if column.style == OUTPUT and column.labels:
            top, step = self._rows(column, box)
            if step >= 8:
                painter.setPen(ink.text)
                for i, letter in enumerate(column.labels):
                    painter.drawText(QRectF(box.body.left(), top + i * step, 14.0, step),
                                     centre, letter)

    def _paint_values(self, painter: QPainter, column: Column, box: ColumnBox) -> None:
        """What changes with the data: the maps, strip, bars or probabilities, and the legend."""
        if column.style in (MAPS, IMAGE):
            self._paint_maps(painter, column, box)
        elif column.style == STRIP:
            image = column.strip_image(box.strip_rows)
            painter.drawImage(QRectF(box.body.left(), box.body.top(), image.width() * box.cell,
                                     image.height() * box.cell), image)
        elif column.style == BARS:
            top, step = self._rows(column, box)
            painter.drawImage(QRectF(box.body.left(), top, box.body.width(),
                                     step * column.count),
                              column.bars_image(int(box.body.width()),
                                                self._rows_per_bar(column, box)))
        else:
            self._paint_output(painter, column, box)
        selection = self.selection
        if selection is not None and selection.layer == column.index and \
                column.style in (STRIP, BARS, OUTPUT):
            painter.setPen(QPen(SELECTED, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.value_rect(column.index, selection.map).adjusted(-1, -1, 1, 1))
        self._paint_legend(painter, column, box)

    def _paint_maps(self, painter: QPainter, column: Column, box: ColumnBox) -> None:
        shown = self.visible_maps(column.index)
        image = column.maps_image(shown)
        h, w = column.shape[:2]
        for position in range(len(shown)):
            painter.drawImage(box.slot(position), image, QRectF(position * w, 0, w, h))
        selection = self.selection
        if selection is None:
            return
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if selection.layer - 1 == column.index:
            painter.setPen(QPen(EDGE, 1))
            for position in range(len(shown)):
                painter.drawRect(box.slot(position).adjusted(-0.5, -0.5, 0.5, 0.5))
        elif selection.layer == column.index and selection.map in shown:
            painter.setPen(QPen(SELECTED, 2.5))
            painter.drawRect(box.slot(shown.index(selection.map)).adjusted(-1.5, -1.5, 1.5, 1.5))

    def _paint_output(self, painter: QPainter, column: Column, box: ColumnBox) -> None:
        values = column.values.reshape(-1)
        top, step = self._rows(column, box)
        best = int(np.nanargmax(values)) if len(values) and np.isfinite(values).any() else -1
        label_w = 14.0
        bar_left = box.body.left() + label_w
        bar_w = box.body.width() - label_w - 30
        shares = np.clip(np.nan_to_num(values), 0.0, 1.0) * bar_w
        for i, share in enumerate(shares):
            if share >= 0.5:
                painter.fillRect(QRectF(bar_left, top + i * step + 0.2 * step, share, 0.6 * step),
                                 SELECTED if i == best else POSITIVE_BAR)
        if best >= 0:
            row = QRectF(box.body.left(), top + best * step, box.body.width(), step)
            painter.fillRect(QRectF(row.left(), row.top(), label_w, row.height()),
                             self._ink.highlight)
            painter.setFont(self._bold)
            painter.setPen(self._ink.text)
            if column.labels and step >= 8:
                painter.drawText(QRectF(row.left(), row.top(), label_w, step),
                                 Qt.AlignmentFlag.AlignCenter, column.labels[best])
            painter.setFont(self._small)
            value = self._number(f"{values[best]:.2f}")
            painter.drawStaticText(QPointF(box.body.right() - value.size().width(),
                                           row.center().y() - value.size().height() / 2), value)

    def _paint_legend(self, painter: QPainter, column: Column, box: ColumnBox) -> None:
        rect = box.legend
        if column.style in (MAPS, STRIP, IMAGE):
            painter.drawImage(QRectF(rect.left(), rect.top(), rect.width(), 6),
                              _ramp("ink" if column.style == IMAGE else column.signed))
        low, high = (0.0, 1.0) if column.style == OUTPUT else column.value_range
        painter.setFont(self._small)
        painter.setPen(self._ink.muted)
        low_text, high_text = self._number(_short(low)), self._number(_short(high))
        top = rect.top() + 7
        if low_text.size().width() + high_text.size().width() + 4 <= rect.width():
            painter.drawStaticText(QPointF(rect.left(), top), low_text)
            painter.drawStaticText(QPointF(rect.right() - high_text.size().width(), top),
                                   high_text)
        else:  # a narrow column: its largest value alone (with its sign when symmetric)
            only = self._number(("\u00b1" if low < 0 else "") + _short(high))
            painter.drawStaticText(QPointF(rect.center().x() - only.size().width() / 2, top),
                                   only)

    def _paragraph(self, text: str, width: float) -> QStaticText:
        """``text`` wrapped to ``width`` in the small font, laid out once (the last one kept)."""
        key = (text, width)
        if self._last_paragraph is None or self._last_paragraph[0] != key:
            paragraph = QStaticText(text)
            paragraph.setTextFormat(Qt.TextFormat.PlainText)
            paragraph.setTextWidth(width)
            paragraph.prepare(QTransform(), self._small)
            self._last_paragraph = (key, paragraph)
        return self._last_paragraph[1]

    def _number(self, text: str) -> QStaticText:
        """``text`` laid out once in the small font (numbers recur: legends, probabilities)."""
        known = self._numbers.get(text)
        if known is None:
            if len(self._numbers) > 2000:
                self._numbers.clear()
            known = self._numbers[text] = QStaticText(text)
            known.prepare(QTransform(), self._small)
        return known

    def _paint_edges(self, painter: QPainter) -> None:
        selection = self.selection
        if selection is None:
            return
        target = self.map_rect(selection.layer, selection.map)
        if target is None:
            self._paint_fan(painter, selection)
            return
        strongest = float(selection.strengths.max()) if selection.strengths.size else 1.0
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        end = QPointF(target.left() - 1, target.center().y())
        for source, strength in self.connections():
            rect = self.map_rect(selection.layer - 1, source)
            share = strength / strongest if strongest > 0 else 1.0
            colour = QColor(EDGE)
            colour.setAlpha(int(60 + 180 * share))
            painter.setPen(QPen(colour, 0.8 + 1.8 * share))
            painter.drawLine(QLineF(QPointF(rect.right() + 1, rect.center().y()), end))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_fan(self, painter: QPainter, selection: Selection) -> None:
        """A selected unit or value: a line from its one source, or a fan from the whole
        column before when every value of it feeds the unit."""
        target = self.value_rect(selection.layer, selection.map)
        before, box = self.position(selection.layer - 1), self.box(selection.layer - 1)
        if target is None or before is None or box is None:
            return
        end = QPointF(target.left() - 1, target.center().y())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if len(selection.sources) == 1:
            source = self.value_rect(selection.layer - 1, selection.sources[0])
            if source is not None:
                painter.setPen(QPen(EDGE, 1.5))
                painter.drawLine(QLineF(QPointF(source.right() + 1, source.center().y()), end))
        else:
            fill = QColor(EDGE)
            fill.setAlpha(60)
            painter.setPen(QPen(EDGE, 1))
            painter.setBrush(fill)
            right = box.body.right() + 1
            painter.drawPolygon(QPolygonF([QPointF(right, box.body.top()), end,
                                           QPointF(right, box.body.bottom())]))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def connections(self) -> list[tuple[int, float]]:
        """The drawn connections of the selected map: (source map, strength), for each source
        map that is shown."""
        selection = self.selection
        if selection is None or self.map_rect(selection.layer, selection.map) is None:
            return []
        shown = set(self.visible_maps(selection.layer - 1))
        return [(source, float(strength)) for source, strength in zip(
            selection.sources, selection.strengths, strict=True) if source in shown]

    def _paint_detail(self, painter: QPainter, rect: QRectF) -> None:
        painter.setFont(self._small)
        painter.setPen(self._ink.text)
        line_h = painter.fontMetrics().height()
        selection = self.selection
        if selection is None:
            if self.columns:
                painter.setPen(self._ink.muted)
                painter.drawStaticText(rect.topLeft(), self._paragraph(self._hint(),
                                                                       rect.width()))
            return
        text = selection.text
        drawn, total = len(self.connections()), len(selection.sources)
        if total > 1 and self.map_rect(selection.layer, selection.map) is not None:
            text += (f" Lines lead to the {drawn} of its {total} input maps shown"
                     f"{'; thicker: larger weights' if selection.kernel is not None else ''}.")
        if selection.kernel is not None and self.columns[self.position(selection.layer)] \
                .info.kind == "conv2d":
            text += " Click a pixel of the selected map to see its arithmetic."
        painter.drawStaticText(rect.topLeft(), self._paragraph(text, rect.width()))
        if selection.kernel is not None and selection.kernel.ndim == 1:
            self._paint_vector(painter, selection.kernel,
                               QRectF(rect.left(), rect.top() + 2 * line_h + 2, rect.width(),
                                      rect.height() - 2 * line_h - 2))
        elif selection.kernel is not None:
            self._paint_kernel(painter, selection.kernel,
                               QRectF(rect.left(), rect.top() + 2 * line_h + 2, rect.width(),
                                      rect.height() - 2 * line_h - 2))

    def _paint_kernel(self, painter: QPainter, kernel: np.ndarray, rect: QRectF) -> None:
        """One small tile per input map: the kernel's weights on it, in one shared scale."""
        kh, kw, count = kernel.shape
        scale = float(np.abs(kernel).max()) or 1.0
        key = id(kernel)
        if self._kernel_image is None or self._kernel_image[0] != key:
            levels = to_levels(kernel.transpose(0, 2, 1).reshape(kh, count * kw), True, scale)
            self._kernel_image = (key, pixels(levels, True), 0)
        image = self._kernel_image[1]
        self._paint_weight_legend(painter, rect, scale, "kernel weights")
        area = rect.adjusted(WEIGHTS_LEFT, 0, 0, 0)
        cell = 6
        while cell > 1:
            per_row = max(1, int((area.width() + 3) // (kw * cell + 3)))
            if -(-count // per_row) * (kh * cell + 3) - 3 <= area.height():
                break
            cell -= 1
        per_row = max(1, int((area.width() + 3) // (kw * cell + 3)))
        for channel in range(count):
            row, col = divmod(channel, per_row)
            tile = QRectF(area.left() + col * (kw * cell + 3), area.top() + row * (kh * cell + 3),
                          kw * cell, kh * cell)
            if tile.bottom() > rect.bottom() + 1:
                break
            painter.drawImage(tile, image, QRectF(channel * kw, 0, kw, kh))

    def _hint(self) -> str:
        """How to use the picture, for the kinds of layers this network has."""
        maps = {column.info.kind for column in self.columns if column.style == MAPS}
        kinds = {column.info.kind for column in self.columns}
        hints = [HINT_CONV if "conv2d" in maps else HINT_MAPS if maps else "",
                 HINT_DENSE if "dense" in kinds else "", HINT_VALUES]
        return " ".join(hint for hint in hints if hint)

    def _paint_weight_legend(self, painter: QPainter, rect: QRectF, scale: float,
                             label: str) -> None:
        """What the weights' colours mean, left of them: ``label``, the ramp, its ends."""
        painter.setPen(self._ink.muted)
        line_h = painter.fontMetrics().height()
        label_w = WEIGHTS_LEFT - 6
        painter.drawText(QRectF(rect.left(), rect.top(), label_w, line_h),
                         Qt.AlignmentFlag.AlignLeft, label)
        painter.drawImage(QRectF(rect.left() + 28, rect.top() + line_h + 4, label_w - 62, 6),
                          _ramp(True))
        numbers = QRectF(rect.left(), rect.top() + line_h, label_w - 6, line_h)
        painter.drawText(numbers, Qt.AlignmentFlag.AlignLeft, _short(-scale))
        painter.drawText(numbers, Qt.AlignmentFlag.AlignRight, _short(scale))

    def _paint_vector(self, painter: QPainter, weights: np.ndarray, rect: QRectF) -> None:
        """A unit's weights, one cell per input value in input order, row by row, in one
        signed scale."""
        scale = float(np.abs(weights).max()) or 1.0
        key = id(weights)
        if self._kernel_image is None or self._kernel_image[0] != key:
            area_w = max(1, int(rect.width() - WEIGHTS_LEFT))
            cell = max(1, min(6, int(np.sqrt(area_w * max(rect.height(), 1) / weights.size))))
            per_row = max(1, area_w // cell)
            rows = -(-weights.size // per_row)
            levels = np.full(rows * per_row, 128, np.uint8)
            levels[:weights.size] = to_levels(weights, True, scale)
            self._kernel_image = (key, pixels(levels.reshape(rows, per_row), True), cell)
        _, image, cell = self._kernel_image
        self._paint_weight_legend(painter, rect, scale, "weights, one per input")
        rows = min(image.height(), int(rect.height() // cell))
        painter.drawImage(QRectF(rect.left() + WEIGHTS_LEFT, rect.top(), image.width() * cell,
                                 rows * cell), image, QRectF(0, 0, image.width(), rows))

    def _paint_zoom(self, painter: QPainter, zoom: Zoom) -> None:
        view = QRectF(self.visibleRegion().boundingRect())
        if view.isEmpty():
            view = QRectF(self.rect())
        column = self.columns[self.position(zoom.layer)]
        h, w = column.shape[:2]
        side = min((view.width() - 40) / w, (view.height() - 60) / h)
        end = QRectF(view.center().x() - side * w / 2, view.top() + 40, side * w, side * h)
        t = zoom.progress
        background = QColor(self._ink.base)
        background.setAlphaF(min(1.0, t * 1.2))
        painter.fillRect(view, background)
        rect = _lerp(zoom.start, end, t)
        painter.drawImage(rect, column.maps_image([zoom.map]))
        cell_w, cell_h = rect.width() / w, rect.height() / h
        if cell_w >= 6 and t >= 1.0:
            painter.setPen(QPen(QColor(0, 0, 0, 40), 1))
            for i in range(1, w):
                painter.drawLine(QPointF(rect.left() + i * cell_w, rect.top()),
                                 QPointF(rect.left() + i * cell_w, rect.bottom()))
            for j in range(1, h):
                painter.drawLine(QPointF(rect.left(), rect.top() + j * cell_h),
                                 QPointF(rect.right(), rect.top() + j * cell_h))
        painter.setPen(QPen(SELECTED, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(rect.left() + zoom.col * cell_w, rect.top() + zoom.row * cell_h,
                                cell_w, cell_h))
        if t >= 1.0:
            value = format_number(column.map_value(zoom.map, zoom.row, zoom.col), 4)
            painter.setPen(self._ink.text)
            painter.setFont(self._bold)
            painter.drawText(QRectF(view.left(), view.top() + 8, view.width(), 24),
                             Qt.AlignmentFlag.AlignCenter,
                             f"{column.info.name}, map {zoom.map}, pixel (row {zoom.row}, col "
                             f"{zoom.col}) = {value}. Back (or Esc) returns to the overview.")

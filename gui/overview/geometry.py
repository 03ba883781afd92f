"""Where the overview puts things: a column per layer, left to right, in widget pixels.

Feature maps are drawn at one scale for the whole network (pixels per value), so a pooling
layer's maps look as much smaller as they are. A column shows as many maps as fit its height,
strongest first; a column "showing all" spreads its maps over more sub-columns (smaller if
need be). Everything here is arithmetic on sizes: no painting, no data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, QSize

from cnn_studio.gui.overview.columns import IMAGE, MAPS, OUTPUT, STRIP

MARGIN = 8
MAX_GAP = 44  # between columns: the connections run here
MAP_GAP = 3
#: (narrowest map column, gap between columns, narrowest bars column), roomiest first: a
#: network with many layers takes the next one until its columns fit the width.
DENSITIES = ((50, 12, 54), (42, 9, 44), (34, 6, 34))
MIN_COLUMN = DENSITIES[0][0]
MIN_SIDE = 5
MAX_UNIT = 3.0  # screen pixels per value of the largest maps, at most
MAPS_HIGH = 4.5  # the largest maps are about this many to a column's height
OUTPUT_COLUMN = 104
STRIP_CELL, MAX_STRIP_CELL = 2, 6
SPREAD_SHARE = 0.4  # a column showing all its maps may take this share of the width
MIN_BODY = 60
DETAIL_LINES = 5  # the band under the columns: the selected map's kernel, or a hint


@dataclass
class ColumnBox:
    """The rectangles of one column.

    Attributes:
        title: the two title lines; body: the maps, bars or strip; legend: the colour scale
            and its numbers; toggle: the "show all" switch (None when every map is shown
            anyway).
        map_w, map_h: one map on screen; cols, rows: its grid; shown: maps in the grid.
        cell: a strip's cell side; strip_rows: a strip's rows.
    """

    title: QRectF
    body: QRectF
    legend: QRectF
    toggle: QRectF | None = None
    map_w: float = 0.0
    map_h: float = 0.0
    cols: int = 1
    rows: int = 0
    shown: int = 0
    cell: float = 0.0
    strip_rows: int = 0
    slots: list[QRectF] = field(default_factory=list)

    @property
    def width(self) -> float:
        """The column's width."""
        return self.body.width()

    def slot(self, position: int) -> QRectF:
        """The rectangle of the ``position``-th map shown (row by row), centred in the body."""
        return self.slots[position]

    def place(self, position: int) -> QRectF:
        """Where the ``position``-th map goes (``slots`` holds them once the layout is done)."""
        row, col = divmod(position, self.cols)
        grid_w = self.cols * (self.map_w + MAP_GAP) - MAP_GAP
        used_rows = min(self.rows, -(-self.shown // self.cols)) if self.shown else 0
        grid_h = used_rows * (self.map_h + MAP_GAP) - MAP_GAP
        left = round(self.body.left() + (self.body.width() - grid_w) / 2)
        top = round(self.body.top() + max(0.0, (self.body.height() - grid_h) / 2))
        return QRectF(left + col * (self.map_w + MAP_GAP), top + row * (self.map_h + MAP_GAP),
                      self.map_w, self.map_h)


@dataclass
class Layout:
    """The whole picture: the size it needs and each column's boxes, in column order."""

    size: QSize
    columns: list[ColumnBox] = field(default_factory=list)
    detail: QRectF = field(default_factory=QRectF)


@dataclass(frozen=True)
class ColumnNeed:
    """What the layout needs to know about one column: how it is drawn, how many things it
    holds, the (height, width) of one map, and whether it shows all its maps."""

    style: str
    count: int
    map_size: tuple[int, int] = (0, 0)
    show_all: bool = False


def _grid(count: int, map_w: float, map_h: float, width: float, height: float,
          show_all: bool, max_width: float) -> tuple[float, float, int, int, int]:
    """(map_w, map_h, cols, rows, shown) of a map column."""
    step_w, step_h = map_w + MAP_GAP, map_h + MAP_GAP
    cols = max(1, int((width + MAP_GAP) // step_w))
    rows = max(1, int((height + MAP_GAP) // step_h))
    if not show_all or count <= cols * rows:
        return map_w, map_h, cols, rows, min(count, cols * rows)
    shrink = 1.0
    while True:  # the largest maps that fit all of them into the height and max_width
        w, h = max(MIN_SIDE, round(map_w * shrink)), max(MIN_SIDE, round(map_h * shrink))
        rows = max(1, int((height + MAP_GAP) // (h + MAP_GAP)))
        cols = -(-count // rows)
        if cols * (w + MAP_GAP) - MAP_GAP <= max_width or min(w, h) <= MIN_SIDE:
            break
        shrink *= 0.9
    if cols * (w + MAP_GAP) - MAP_GAP > max_width:  # at the smallest size: grow downwards
        cols = max(1, int((max_width + MAP_GAP) // (w + MAP_GAP)))
        rows = -(-count // cols)
    return w, h, cols, rows, count


def _column_width(need: ColumnNeed, box: ColumnBox, body_h: float, narrowest: float,
                  bars: float) -> float:
    if need.style in (MAPS, IMAGE):
        return max(narrowest, box.cols * (box.map_w + MAP_GAP) - MAP_GAP)
    if need.style == STRIP:  # bigger cells when there are few values, 2 pixels for many
        box.cell = max(STRIP_CELL, min(MAX_STRIP_CELL, int(body_h // max(need.count, 1))))
        box.strip_rows = max(1, int(body_h // box.cell))
        strips = -(-need.count // box.strip_rows)
        return max(36, strips * box.cell)
    return OUTPUT_COLUMN if need.style == OUTPUT else bars


def _columns(needs: Sequence[ColumnNeed], unit: float, body_h: float, spread: float,
             density: tuple[int, int, int]) -> tuple[list[ColumnBox], list[float]]:
    """Each column's boxes (sizes only) and width, with maps at ``unit`` pixels per value."""
    narrowest, _, bars = density
    boxes, widths = [], []
    for need in needs:
        box = ColumnBox(QRectF(), QRectF(), QRectF())
        if need.style in (MAPS, IMAGE):
            map_h = max(MIN_SIDE, round(need.map_size[0] * unit))  # whole pixels: crisp
            map_w = max(MIN_SIDE, round(need.map_size[1] * unit))
            box.map_w, box.map_h, box.cols, box.rows, box.shown = _grid(
                need.count, map_w, map_h, max(narrowest, map_w), body_h, need.show_all, spread)
        widths.append(_column_width(need, box, body_h, narrowest, bars))
        boxes.append(box)
    return boxes, widths


def _fit(needs: Sequence[ColumnNeed], width: int, body_h: float,
         spread: float) -> tuple[list[ColumnBox], list[float], int]:
    """The boxes and widths of the roomiest layout whose columns fit ``width`` (largest maps
    first, then narrower columns and gaps), and the gap; the densest when none fits."""
    largest = max((max(n.map_size) for n in needs if n.style in (MAPS, IMAGE)), default=28)
    start = min(MAX_UNIT, max(0.25, body_h / MAPS_HIGH / max(largest, 1)))
    for density in DENSITIES:
        unit = start
        gaps = 2 * MARGIN + density[1] * max(len(needs) - 1, 0)
        while True:  # the largest maps that let every column fit, or as small as useful
            boxes, widths = _columns(needs, unit, body_h, spread, density)
            if sum(widths) + gaps <= width or largest * unit <= density[0]:
                break
            unit *= 0.92
        if sum(widths) + gaps <= width:
            break
    return boxes, widths, density[1]


def layout(needs: Sequence[ColumnNeed], width: int, height: int, line_h: int) -> Layout:
    """Place the columns in a ``width`` x ``height`` view (fonts ``line_h`` pixels high).

    The picture fills the view; it is wider or taller (to scroll) only when its columns do
    not fit, e.g. a column showing hundreds of maps.
    """
    title_h = 2 * line_h + 2
    legend_h = line_h + 9
    toggle_h = line_h + 2
    detail_h = DETAIL_LINES * line_h
    body_top = MARGIN + title_h + 4
    body_h = max(MIN_BODY, height - body_top - legend_h - toggle_h - detail_h - 2 * MARGIN)
    spread = max(MIN_COLUMN, SPREAD_SHARE * width)
    boxes, widths, gap = _fit(needs, width, body_h, spread)
    total = sum(widths) + 2 * MARGIN
    if len(widths) > 1:
        gap = min(MAX_GAP, max(gap, (width - total) / (len(widths) - 1)))
    total += gap * (len(widths) - 1)
    x = MARGIN + max(0.0, (width - total) / 2)
    tallest = body_h
    for need, box, column_w in zip(needs, boxes, widths, strict=True):
        grid_h = box.rows * (box.map_h + MAP_GAP) - MAP_GAP if need.style in (MAPS, IMAGE) else 0
        this_h = max(body_h, grid_h)
        tallest = max(tallest, this_h)
        box.title = QRectF(x - gap / 2 + 1, MARGIN, column_w + gap - 2, title_h)
        box.body = QRectF(x, body_top, column_w, this_h)
        x += column_w + gap
    bottom = body_top + tallest
    for need, box in zip(needs, boxes, strict=True):
        box.legend = QRectF(box.body.left(), bottom + 4, box.body.width(), legend_h)
        if need.style == MAPS and (need.show_all or box.shown < need.count) and need.count > 1:
            box.toggle = QRectF(box.title.left(), bottom + 4 + legend_h, box.title.width(),
                                toggle_h)
    for box in boxes:
        box.slots = [box.place(i) for i in range(box.shown)]
    full_w = max(width, math.ceil(x - gap + MARGIN - 0.5))  # no scroll bar for rounding
    detail_top = bottom + 4 + legend_h + toggle_h + 4
    full_h = max(height, math.ceil(detail_top + detail_h + MARGIN))
    detail = QRectF(MARGIN, detail_top, max(1.0, width - 2 * MARGIN), detail_h)
    return Layout(QSize(full_w, full_h), boxes, detail)

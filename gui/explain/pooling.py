"""Pooling: click a pooled cell to see its window, and max/average/sum pooling side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel

from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, NumberGrid, format_number
from cnn_studio.gui.explain.base import (
    ExplainTab,
    fill_layer_combo,
    set_range_quietly,
    text_label,
)
from cnn_studio.model.spec.network import POOL_KINDS

if TYPE_CHECKING:
    import keras

MODE_TITLES = {"max": "Max", "avg": "Average", "sum": "Sum"}
WINDOW_COLOUR = QColor(230, 0, 120)


@dataclass
class PoolView:
    """The pooling layer's input channel, its real output, one cell, and the comparison."""

    feature_map: np.ndarray
    pooled: np.ndarray
    cell: object          # model.explain.PoolCell
    comparison: object    # model.explain.PoolComparison


def compute_pool_view(model: keras.Model, image: np.ndarray, layer: int, channel: int,
                      cell: tuple[int, int] | None) -> PoolView:
    """Trace the drawing and explain one pooled cell (the largest when ``cell`` is None)."""
    from cnn_studio.model import explain as ex

    result = ex.layer_activations(model, image)
    pooled = result.outputs[layer][..., channel]
    if cell is None:
        cell = tuple(int(v) for v in np.unravel_index(np.argmax(pooled), pooled.shape))
    return PoolView(result.input_of(layer)[..., channel], pooled,
                    ex.pool_cell(model, image, layer, cell[0], cell[1], channel),
                    ex.layer_pool_comparison(model, image, layer, channel))


class PoolingTab(ExplainTab):
    """One pooled value from its window, and the three kinds of pooling compared."""

    title = "Pooling"

    form = (Control("layer_combo", "Layer", name="pool_layer", on_change="_on_layer"),
            Control("channel_spin", "Map", "spin"))

    def build(self) -> None:
        build_form(self, self.form)
        top = QHBoxLayout()
        self.input_view = MapView("Feature map going in", min_side=140)
        self.output_view = MapView("Pooled (click a cell)", clickable=True, min_side=140)
        top.addWidget(self.input_view)
        top.addWidget(self.output_view)
        self.body.addLayout(top)
        cell_row = QHBoxLayout()
        self.window_grid = NumberGrid()
        self.cell_text = text_label("pool_formula", rich=True)
        cell_row.addWidget(self.window_grid)
        cell_row.addWidget(self.cell_text, 1)
        self.body.addLayout(cell_row)
        self.compare_title = QLabel("The same feature map through each kind of pooling:")
        self.compare_title.setWordWrap(True)
        self.body.addWidget(self.compare_title)
        compare = QGridLayout()
        self.mode_views = {}
        for column, mode in enumerate(MODE_TITLES):
            view = MapView(MODE_TITLES[mode], min_side=100)
            self.mode_views[mode] = view
            compare.addWidget(view, 0, column)
        self.body.addLayout(compare)
        self.end_with_help("pooling", "maxpool2d", "avgpool2d", "sumpool2d")
        self.view: PoolView | None = None
        self.cell: tuple[int, int] | None = None
        self.output_view.cell_clicked.connect(self.select_cell)

    def check(self, layers) -> str | None:
        if not self.layers_of(*POOL_KINDS):
            return ("This network has no pooling layer. Add a max, average or sum pooling "
                    "layer in the Layer builder to see how it shrinks the feature maps.")
        return None

    def model_replaced(self) -> None:
        self.cell = None
        fill_layer_combo(self.layer_combo, self.layers_of(*POOL_KINDS))
        self._update_range()

    def _update_range(self) -> None:
        model, layer = self.ctx.model, self.layer_combo.currentData()
        if model is None or layer is None:
            return
        set_range_quietly(self.channel_spin, int(model.layers[layer].output.shape[-1]) - 1)

    def _on_layer(self) -> None:
        self._update_range()
        self.cell = None
        if self.showing_content:
            self.recompute()

    def select_cell(self, row: int, col: int) -> None:
        """Explain pooled cell (row, col)."""
        self.cell = (int(row), int(col))
        self.recompute()

    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        channel, cell = self.channel_spin.value(), self.cell
        self.submit("view", lambda: compute_pool_view(model, image, layer, channel, cell),
                    self._show)

    def _show(self, view: PoolView) -> None:
        self.view = view
        cell = view.cell
        self.cell = (cell.row, cell.col)
        self.input_view.set_array(view.feature_map, "signed")
        box = cell.input_box
        self.input_view.set_boxes([((box.top, box.left, box.bottom, box.right), WINDOW_COLOUR)])
        self.input_view.set_marked(cell.source)
        self.output_view.title = f"Pooled {view.pooled.shape[0]}x{view.pooled.shape[1]} (click)"
        self.output_view.set_array(view.pooled, "signed")
        self.output_view.set_marked((cell.row, cell.col))
        self.window_grid.set_values(cell.values, "signed", marks=~cell.valid)
        self.cell_text.setText(self.formula_html(cell))
        comparison = view.comparison
        self.compare_title.setText(
            f"The same feature map through max, average and sum pooling "
            f"({comparison.pool_size[0]}x{comparison.pool_size[1]} windows, stride "
            f"{comparison.strides[0]}x{comparison.strides[1]}):")
        for mode, map_view in self.mode_views.items():
            pooled = comparison.pooled[mode]
            map_view.title = MODE_TITLES[mode] + (" (this layer)" if mode == cell.mode else "")
            map_view.set_array(pooled, "signed")
            map_view.set_marked((cell.row, cell.col))

    @staticmethod
    def formula_html(cell) -> str:
        """How the cell's value comes from its window."""
        values = cell.values[cell.valid]
        n = values.size
        shown = ", ".join(format_number(v, 3) for v in values[:16]) + (", ..." if n > 16 else "")
        verb = {"max": "max", "avg": "mean", "sum": "sum"}[cell.mode]
        lines = [f"Cell (row {cell.row}, col {cell.col}) of {cell.layer_name}, map "
                 f"{cell.channel}: a {cell.values.shape[0]}x{cell.values.shape[1]} window "
                 f"({n} values inside the map)",
                 f"{verb}({shown}) = <b>{format_number(cell.result, 5)}</b>"]
        if cell.mode == "avg":
            lines.append(f"= {format_number(values.sum(), 5)} / {n}")
        if cell.source is not None:
            lines.append(f"the maximum sits at row {cell.source[0]}, col {cell.source[1]} "
                         "(marked on the left map)")
        lines.append(f"Keras computed {format_number(cell.model_value, 5)}.")
        return "<br>".join(lines)

"""Dense layers: one neuron's weighted sum plus bias, its activation and its largest inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
)

from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, format_number
from cnn_studio.gui.explain.base import (
    ExplainTab,
    class_name,
    fill_layer_combo,
    read_only_table,
    set_range_quietly,
    text_label,
)
from cnn_studio.gui.explain.conv import activation_line

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.dense import DenseNeuron

TOP_K = 12
COLUMNS = ("Input #", "From (row, col, map)", "Input", "Weight", "Input x weight")


def compute_neuron(model: keras.Model, image: np.ndarray, layer: int,
                   unit: int) -> tuple[DenseNeuron, np.ndarray | None]:
    """``model.explain.dense_neuron`` plus the products placed back on the feature maps."""
    from cnn_studio.model import explain as ex
    from cnn_studio.model.explain.core import flatten_source_shape

    neuron = ex.dense_neuron(model, image, layer, unit, top_k=TOP_K)
    shape = flatten_source_shape(model, layer)
    where = neuron.products.reshape(shape).sum(axis=-1) if shape else None
    return neuron, where


class DenseTab(ExplainTab):
    """A dense neuron: sum of input x weight, plus bias, through its activation."""

    title = "Dense"

    form = (Control("layer_combo", "Layer", name="dense_layer", on_change="_on_layer"),
            Control("unit_spin", "Neuron", "spin", name="dense_unit"))

    def build(self) -> None:
        self.unit_name = QLabel()
        build_form(self, self.form, trailing=(self.unit_name,))
        row = QHBoxLayout()
        self.formula = text_label("dense_formula", rich=True)
        self.where_view = MapView("Input x weight, per position", min_side=130)
        self.where_view.setToolTip("Each input's product with its weight, added over the maps "
                                   "and placed where the input came from (red raises the sum).")
        row.addWidget(self.formula, 1)
        row.addWidget(self.where_view)
        self.body.addLayout(row)
        self.body.addWidget(QLabel(f"The {TOP_K} inputs that moved the sum the most:"))
        self.table = read_only_table("dense_table", COLUMNS, stretch=False, rows=TOP_K)
        self.body.addWidget(self.table)
        self.end_with_help("dense")
        self.neuron = None

    def check(self, layers) -> str | None:
        if not self.layers_of("dense"):
            return "This network has no dense layer."
        return None

    def model_replaced(self) -> None:
        fill_layer_combo(self.layer_combo, self.layers_of("dense"))
        self._update_range()

    def _last_layer(self) -> bool:
        return self.layer_combo.currentData() == len(self.layers) - 1

    def _update_range(self) -> None:
        model, layer = self.ctx.model, self.layer_combo.currentData()
        if model is None or layer is None:
            return
        set_range_quietly(self.unit_spin, int(model.layers[layer].units) - 1)

    def _on_layer(self) -> None:
        self._update_range()
        if self.showing_content:
            self.recompute()

    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        unit = self.unit_spin.value()
        self.unit_name.setText(f"= letter {class_name(unit)}" if self._last_layer() else "")
        self.submit("neuron", lambda: compute_neuron(model, image, layer, unit), self._show)

    def _show(self, result) -> None:
        neuron, where = result
        self.neuron = neuron
        n = neuron.inputs.size
        positive = float(neuron.products[neuron.products > 0].sum())
        negative = float(neuron.products[neuron.products < 0].sum())
        lines = [f"Neuron {neuron.unit} of {neuron.layer_name} reads all {n} inputs:",
                 f"sum of the {n} products input x weight = {format_number(neuron.total, 5)}",
                 f"(positive ones add {format_number(positive, 4)}, negative ones "
                 f"{format_number(negative, 4)})",
                 f"+ bias {format_number(neuron.bias, 5)} = "
                 f"{format_number(neuron.pre_activation, 5)}",
                 activation_line(neuron.activation, neuron.pre_activation, neuron.value)]
        if neuron.activation == "softmax":
            lines[-1] = (f"softmax turns this score ({format_number(neuron.pre_activation, 5)}) "
                         f"and the others into probabilities: p = "
                         f"<b>{format_number(neuron.value, 5)}</b> (see the Softmax tab)")
        lines.append(f"Keras computed {format_number(neuron.model_value, 5)}.")
        self.formula.setText("<br>".join(lines))
        self.where_view.setVisible(where is not None)
        if where is not None:
            self.where_view.set_array(where, "signed")
        self.table.setRowCount(len(neuron.top))
        for row, item in enumerate(neuron.top):
            position = "-" if item.position is None else ", ".join(map(str, item.position))
            cells = (str(item.index), position, format_number(item.input, 4),
                     format_number(item.weight, 4), format_number(item.product, 4))
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)


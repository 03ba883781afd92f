"""Activation functions: a feature map before and after ReLU, sigmoid, tanh... with the curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, format_number
from cnn_studio.gui.explain.base import ExplainTab, fill_layer_combo, text_label

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.activations import ActivationComparison, Curve

FUNCTIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "linear")


def compute_activation(model: keras.Model, image: np.ndarray, layer: int, channel: int,
                       function: str) -> tuple[ActivationComparison, Curve]:
    """(comparison, curve): the map before/after ``function`` and samples of its curve."""
    from cnn_studio.model import explain as ex

    comparison = ex.activation_comparison(model, image, layer, channel, names=(function,))
    low = float(min(comparison.before.min(), -3.0))
    high = float(max(comparison.before.max(), 3.0))
    return comparison, ex.activation_curve(function, low, high, 161)


def _function_name(keras_layer) -> str:
    return getattr(getattr(keras_layer, "activation", None), "__name__", "linear")


class CurvePlot(QWidget):
    """A small matplotlib plot of y = f(x), updated in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(2.6, 2.0), dpi=80, layout="tight")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.axes = self.figure.add_subplot(1, 1, 1)
        self.axes.axhline(0, color="#999", linewidth=0.8)
        self.axes.axvline(0, color="#999", linewidth=0.8)
        (self.line,) = self.axes.plot([], [], color="#c03020", linewidth=2)
        (self.points,) = self.axes.plot([], [], "o", color="#3050c0", markersize=2, alpha=0.4)
        self.axes.grid(alpha=0.3)
        self.axes.set_xlabel("input (pre-activation)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.setMinimumSize(220, 170)

    def show_curve(self, curve: Curve, before: np.ndarray, after: np.ndarray) -> None:
        """Plot the curve and the map's (input, output) pairs on it."""
        self.line.set_data(curve.x, curve.y)
        self.points.set_data(before.ravel(), after.ravel())
        self.axes.set_title(f"{curve.name}(x)", fontsize=10)
        self.axes.relim()
        self.axes.autoscale_view()
        self.canvas.draw_idle()


class ActivationTab(ExplainTab):
    """Before/after view of one feature map through an activation function."""

    title = "Activation"
    form = (Control("layer_combo", "Layer", name="activation_layer", on_change="_on_layer"),
            Control("channel_spin", "Map", "spin"),
            Control("function_combo", "Function", name="activation_function",
                    items=tuple(FUNCTIONS)))

    def build(self) -> None:
        build_form(self, self.form)
        maps = QHBoxLayout()
        self.before_view = MapView("Before", min_side=120)
        self.after_view = MapView("After", min_side=120)
        self.curve: CurvePlot | None = None  # made on first use (matplotlib loads then)
        self.maps_row = maps
        maps.addWidget(self.before_view)
        maps.addWidget(self.after_view)
        self.body.addLayout(maps)
        self.summary = text_label("activation_summary")
        self.body.addWidget(self.summary)
        self.end_with_help("relu", "activation")
        self.comparison = None

    def check(self, layers) -> str | None:
        if not self.layers_of("conv2d", "dense", "activation"):
            return "This network has no layer with an activation function."
        return None

    def model_replaced(self) -> None:
        layers = self.layers_of("conv2d", "activation", "dense")
        fill_layer_combo(self.layer_combo, layers)
        model = self.ctx.model
        bent = [index for index, _, _ in layers
                if _function_name(model.layers[index]) not in ("linear", "softmax")]
        if bent and self.layer_combo.currentData() not in bent:
            blocked = self.layer_combo.blockSignals(True)
            self.layer_combo.setCurrentIndex(self.layer_combo.findData(bent[0]))
            self.layer_combo.blockSignals(blocked)
        self._on_layer(recompute=False)

    def _on_layer(self, *_args, recompute: bool = True) -> None:
        model, layer = self.ctx.model, self.layer_combo.currentData()
        if model is None or layer is None:
            return
        shape = model.layers[layer].output.shape
        blocked = self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, int(shape[-1]) - 1 if len(shape) == 4 else 0)
        self.channel_spin.setEnabled(len(shape) == 4)
        self.channel_spin.blockSignals(blocked)
        name = _function_name(model.layers[layer])
        name = "relu" if name == "linear" else name
        if name in FUNCTIONS:
            blocked = self.function_combo.blockSignals(True)
            self.function_combo.setCurrentText(name)
            self.function_combo.blockSignals(blocked)
        if recompute and self.showing_content:
            self.recompute()

    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        channel, function = self.channel_spin.value(), self.function_combo.currentText()
        self.submit("map", lambda: compute_activation(model, image, layer, channel, function),
                    self._show)

    def _show(self, result) -> None:
        comparison, curve = result
        self.comparison = comparison
        before = comparison.before
        after = comparison.after[curve.name]
        self.before_view.set_array(before, "signed")
        self.after_view.title = f"After {curve.name}"
        self.after_view.set_array(after, "signed")
        if self.curve is None:
            self.curve = CurvePlot()
            self.maps_row.addWidget(self.curve)
        self.curve.show_curve(curve, before, after)
        negatives = int((before < 0).sum())
        nb = "\u00a0"  # a formula's parts stay on one line: the label wraps between them only
        text = (f"{comparison.layer_name}: {before.size}{nb}values, {negatives} of them negative "
                f"(range{nb}{format_number(before.min(), 3)}{nb}..{nb}"
                f"{format_number(before.max(), 3)}). After {curve.name}: range{nb}"
                f"{format_number(after.min(), 3)}{nb}..{nb}{format_number(after.max(), 3)}.")
        if curve.name == "relu":
            text += f" ReLU set the {negatives} negative values to 0."
        text += f" This layer really uses {comparison.actual}."
        self.summary.setText(text)

"""Convolution as a sliding dot product: click a feature-map pixel, see how it was computed.

The tab shows the chosen conv layer's input (and the drawing, with the receptive field), the
filter's feature map, and for the selected pixel the input patch, the kernel, their
elementwise products, the sum, the bias and the activation, all as coloured number grids. An
animation slides the kernel over the input with the layer's stride, filling the map cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, NumberGrid, format_number
from cnn_studio.gui.explain.base import (
    ExplainTab,
    fill_layer_combo,
    flow_row,
    labelled,
    set_range_quietly,
    text_label,
    titled,
)

if TYPE_CHECKING:
    import keras

FIELD_COLOUR = QColor(0, 170, 80)
WINDOW_COLOUR = QColor(230, 0, 120)
SPEED_RANGE = (1, 30)  # animation steps per second


@dataclass
class ConvView:
    """Everything the tab shows for one (layer, filter, pixel)."""

    image: np.ndarray           # the drawing (28, 28)
    layer_input: np.ndarray     # (H, W, C_in)
    feature_map: np.ndarray     # the layer's real output for the filter, (H', W')
    plan: object                # model.explain.SlidingPlan
    dot: object                 # model.explain.ConvDotProduct
    after: tuple[str, str, float] | None = None  # next activation layer: (name, function, value)


def compute_conv_view(model: keras.Model, image: np.ndarray, layer: int, filter_index: int,
                      cell: tuple[int, int] | None) -> ConvView:
    """Trace the drawing and explain one output pixel (the strongest one when ``cell`` is None).

    Runs in the explain worker (needs TensorFlow).
    """
    from cnn_studio.model import explain as ex

    result = ex.layer_activations(model, image)
    feature = result.outputs[layer][..., filter_index]
    if cell is None:
        cell = tuple(int(v) for v in np.unravel_index(np.argmax(feature), feature.shape))
    dot = ex.conv_dot_product(model, image, layer, cell[0], cell[1], filter_index)
    after = None
    if layer + 1 < len(model.layers) and ex.layer_kind(model.layers[layer + 1]) == "activation":
        following = model.layers[layer + 1]
        after = (following.name, getattr(following.activation, "__name__", "activation"),
                 float(result.outputs[layer + 1][cell[0], cell[1], filter_index]))
    return ConvView(result.image[..., 0], result.input_of(layer), feature,
                    ex.sliding_plan(model, layer), dot, after)


def activation_line(name: str, z: float, value: float) -> str:
    """The activation step as text: 'relu(z) = value', or the identity for 'linear'."""
    if name == "linear":
        return f"no activation (linear): value = {format_number(z, 5)}"
    return f"{name}({format_number(z, 5)}) = <b>{format_number(value, 5)}</b>"


class ConvTab(ExplainTab):
    """The dot product behind one feature-map pixel, and the kernel sliding over the input."""

    title = "Convolution"

    form = (Control("layer_combo", "Layer", name="conv_layer", on_change="_on_layer"),
            Control("filter_spin", "Filter", "spin", name="conv_filter", on_change="_on_filter"),
            Control("channel_spin", "Input channel", "spin", name="conv_channel",
                    on_change="show_view", tip="Which input channel the grids and the input map "
                    "show; the sum runs over all of them."))

    def build(self) -> None:
        build_form(self, self.form)
        self.back_button = QPushButton("Back to the network")
        self.back_button.setObjectName("conv_back")
        self.back_button.setToolTip("Return to the network overview this pixel came from")
        self.back_button.setVisible(False)  # shown when the overview opened this tab
        self.back_button.clicked.connect(lambda: self.back_button.setVisible(False))
        self.layout().insertWidget(0, self.back_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Show all")
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(*SPEED_RANGE)
        self.speed_slider.setValue(6)
        self.speed_slider.setMaximumWidth(140)
        self.speed_label = QLabel()
        self.speed_slider.setMinimumWidth(80)
        self.body.addWidget(flow_row(QLabel("Slide the kernel:"), self.play_button,
                                     self.step_button, self.reset_button,
                                     labelled("Speed", self.speed_slider, self.speed_label)))

        maps = QHBoxLayout()
        self.drawing_view = MapView("Drawing: receptive field", min_side=110)
        self.input_view = MapView("Layer input", min_side=110)
        self.feature_view = MapView("Feature map (click a pixel)", clickable=True,
                                    min_side=110)
        for view in (self.drawing_view, self.input_view, self.feature_view):
            maps.addWidget(view)
        self.body.addLayout(maps)

        self.patch_grid = NumberGrid()
        self.kernel_grid = NumberGrid()
        self.product_grid = NumberGrid()
        self.patch_title = QLabel("Input patch")
        self.kernel_title = QLabel("Kernel")
        self.product_title = QLabel("Patch x kernel (elementwise)")
        self.formula = text_label("conv_formula", rich=True)
        self.body.addWidget(flow_row(titled(self.patch_title, self.patch_grid),
                                     _operator("\u00d7"),
                                     titled(self.kernel_title, self.kernel_grid),
                                     titled(self.product_title, self.product_grid)))
        self.body.addWidget(self.formula)
        self.end_with_help("conv2d", "dot_product", "stride", "padding")

        self.view: ConvView | None = None
        self.cell: tuple[int, int] | None = None
        self.anim_step = -1
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.step)
        self.feature_view.cell_clicked.connect(self.select_cell)
        self.play_button.toggled.connect(self.play)
        self.step_button.clicked.connect(lambda: self.step())
        self.reset_button.clicked.connect(lambda: self.stop_animation())
        self.speed_slider.valueChanged.connect(self._on_speed)
        self._on_speed(self.speed_slider.value())

    # ------------------------------------------------------------ choices
    def check(self, layers) -> str | None:
        if not self.layers_of("conv2d"):
            return ("This network has no convolution (conv2d) layer, so there is no kernel to "
                    "slide. Add one in the Layer builder (the 'tiny' or 'classic' preset has "
                    "some) to see convolution at work.")
        return None

    def model_replaced(self) -> None:
        self.stop_animation(refresh=False)
        self.cell = None
        fill_layer_combo(self.layer_combo, self.layers_of("conv2d"))
        self._update_ranges()

    def _update_ranges(self) -> None:
        model, layer = self.ctx.model, self.layer_combo.currentData()
        if model is None or layer is None:
            return
        keras_layer = model.layers[layer]
        set_range_quietly(self.filter_spin, int(keras_layer.filters) - 1)
        set_range_quietly(self.channel_spin, int(keras_layer.kernel.shape[2]) - 1)
        self.channel_spin.setEnabled(self.channel_spin.maximum() > 0)

    def _on_layer(self) -> None:
        self._update_ranges()
        self.cell = None
        self.stop_animation()

    def _on_filter(self) -> None:
        self.cell = None
        self.stop_animation()

    def select_cell(self, row: int, col: int) -> None:
        """Explain feature-map pixel (row, col) (what a click on the map does)."""
        self.stop_animation(refresh=False)
        self.cell = (int(row), int(col))
        self.recompute()

    def show_pixel(self, layer: int, filter_index: int, row: int, col: int) -> bool:
        """Explain pixel (row, col) of map ``filter_index`` of conv layer ``layer`` (an index
        into the model's layers), with the Back to the network button shown.

        Returns:
            False (nothing changed) when ``layer`` is not a conv layer of the model explained.
        """
        if not self.layers and self.ctx.model is not None and self.ctx.tf_loaded:
            self._on_model_replaced()
        position = self.layer_combo.findData(int(layer))
        if position < 0:
            return False
        blocked = self.layer_combo.blockSignals(True)
        self.layer_combo.setCurrentIndex(position)
        self.layer_combo.blockSignals(blocked)
        self._update_ranges()
        blocked = self.filter_spin.blockSignals(True)
        self.filter_spin.setValue(int(filter_index))
        self.filter_spin.blockSignals(blocked)
        self.stop_animation(refresh=False)
        self.cell = (int(row), int(col))
        self.back_button.setVisible(True)
        self.request()
        return True

    # ------------------------------------------------------------ computing
    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        f, cell = self.filter_spin.value(), self.cell
        self.submit("view", lambda: compute_conv_view(model, image, layer, f, cell),
                    self._on_view)

    def _on_view(self, view: ConvView) -> None:
        self.view = view
        if self.cell is None:
            self.cell = (view.dot.row, view.dot.col)
        self.show_view()

    def show_view(self) -> None:
        """Draw the maps, grids and formula of the current result."""
        view = self.view
        if view is None:
            return
        dot, geometry = view.dot, view.plan.geometry
        channel = min(self.channel_spin.value(), view.layer_input.shape[2] - 1)
        first = dot.layer_index == 0
        self.drawing_view.setVisible(not first)
        self.drawing_view.set_array(view.image, "ink")
        box = dot.image_box
        self.drawing_view.set_boxes([((box.top, box.left, box.bottom, box.right), FIELD_COLOUR)])
        pad = max(*geometry.pad_before, *geometry.pad_after)
        self.input_view.title = (f"{'Drawing' if first else 'Layer input'} "
                                 f"{geometry.input_size[0]}x{geometry.input_size[1]}"
                                 f"{'' if first else f', channel {channel}'}")
        self.input_view.set_array(view.layer_input[..., channel], "ink" if first else "signed",
                                  pad=pad)
        window = dot.input_box
        self.input_view.set_boxes([((window.top, window.left, window.bottom, window.right),
                                    WINDOW_COLOUR)])
        rows, cols = view.feature_map.shape
        self.feature_view.title = f"Feature map {dot.filter_index}: {rows}x{cols} (click)"
        self.feature_view.set_array(view.feature_map, "signed")
        self.feature_view.set_marked((dot.row, dot.col))
        if self.anim_step >= 0:
            order = np.arange(rows * cols).reshape(rows, cols)
            self.feature_view.set_hidden(order > dot.row * cols + dot.col)
        else:
            self.feature_view.set_hidden(None)
        padded = dot.padded
        self.patch_grid.set_values(dot.patch[..., channel], "ink" if first else "signed",
                                   marks=padded)
        self.kernel_grid.set_values(dot.kernel[..., channel], "signed")
        self.product_grid.set_values(dot.products[..., channel], "signed", marks=padded)
        taps = dot.kernel.shape[0] * dot.kernel.shape[1]
        self.patch_title.setText(f"Input patch at rows {window.top}..{window.bottom - 1}, "
                                 f"cols {window.left}..{window.right - 1}"
                                 + (" (italic: zero padding)" if padded.any() else ""))
        self.kernel_title.setText(f"Kernel of filter {dot.filter_index}"
                                  + (f", channel {channel}" if not first else ""))
        text = self.formula_html(dot, channel, taps)
        if view.after is not None:
            name, function, value = view.after
            text += (f"<br>The next layer, {name}, applies {function}: "
                     f"{function}({format_number(dot.value, 5)}) = "
                     f"<b>{format_number(value, 5)}</b>")
        self.formula.setText(text)

    @staticmethod
    def formula_html(dot, channel: int, taps: int) -> str:
        """The sum, bias, activation and final value as HTML lines."""
        channels = dot.products.shape[2]
        lines = [f"Pixel (row {dot.row}, col {dot.col}) of filter {dot.filter_index} "
                 f"in {dot.layer_name}:"]
        if channels > 1:
            part = float(dot.products[..., channel].sum())
            lines.append(f"sum of the {taps} products of channel {channel} = "
                         f"{format_number(part, 5)}")
            lines.append(f"sum over all {channels} channels ({taps * channels} products) = "
                         f"{format_number(dot.total, 5)}")
        else:
            lines.append(f"sum of the {taps} products = {format_number(dot.total, 5)}")
        lines.append(f"+ bias {format_number(dot.bias, 5)} = {format_number(dot.pre_activation, 5)}")
        lines.append(activation_line(dot.activation, dot.pre_activation, dot.value))
        lines.append(f"Keras computed {format_number(dot.model_value, 5)} for this pixel.")
        return "<br>".join(lines)

    # ------------------------------------------------------------ animation
    def _on_speed(self, value: int) -> None:
        self.speed_label.setText(f"{value}/s")
        self.timer.setInterval(int(1000 / max(value, 1)))

    def play(self, playing: bool) -> None:
        """Start or pause sliding the kernel (from the start when nothing is animating)."""
        if playing:
            if self.anim_step < 0:
                self.anim_step = -1
            self.timer.start()
        else:
            self.timer.stop()

    def step(self) -> None:
        """Move the kernel to the next position and explain that pixel."""
        if self.view is None:
            return
        plan = self.view.plan
        self.anim_step += 1
        if self.anim_step >= len(plan):
            self.stop_animation()
            return
        row, col = (int(v) for v in plan.positions[self.anim_step, :2])
        self.cell = (row, col)
        self.recompute()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        """End the animation while the tab is hidden (nothing is recomputed out of sight; the
        window may be closing)."""
        if self.play_button.isChecked():
            self.stop_animation(refresh=False)
        super().hideEvent(event)

    def stop_animation(self, refresh: bool = True) -> None:
        """End the animation and show the whole feature map."""
        self.timer.stop()
        blocked = self.play_button.blockSignals(True)
        self.play_button.setChecked(False)
        self.play_button.blockSignals(blocked)
        self.anim_step = -1
        if refresh and self.showing_content:
            self.recompute()


def _operator(text: str) -> QWidget:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("font-size: 18px; font-weight: bold;")
    return label

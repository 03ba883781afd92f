"""One backpropagation step: the loss gradient for a kernel, the SGD update, before/after loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
)

from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, format_number
from cnn_studio.gui.explain.base import (
    ExplainTab,
    class_name,
    fill_layer_combo,
    flow_row,
    set_range_quietly,
    text_label,
)
from cnn_studio.gui.explain.softmax import set_true_combo

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.backprop import BackpropStep

LR_RANGE = (0.0001, 10.0)
SCOPE_TEXTS = {"filter": "only this kernel", "layer": "this whole layer",
               "all": "every layer (a full step)"}


def compute_step(model: keras.Model, image: np.ndarray, true_class: int | None, layer: int,
                 unit: int, lr: float, scope: str) -> BackpropStep:
    """``model.explain.backprop_step`` on a copy.

    Without a true letter it takes the network's second guess: calling the drawing a letter
    the network does not pick gives a loss to lower, so the gradients are not all about 0
    (for the predicted letter of a sure network they are).
    """
    from cnn_studio.model import explain as ex

    if true_class is None:
        true_class = runner_up(ex.softmax_loss(model, image).probabilities)
    return ex.backprop_step(model, image, true_class, layer, unit, lr, scope)


def runner_up(probabilities: np.ndarray) -> int:
    """The class with the second-highest probability (never the predicted one)."""
    return int(np.argsort(np.asarray(probabilities))[-2])


def apply_step(model: keras.Model, step: BackpropStep) -> list[np.ndarray]:
    """Apply the step to the real model and return its new weights."""
    from cnn_studio.model import explain as ex

    ex.apply_backprop_step(model, step)
    return [np.asarray(w) for w in model.get_weights()]


def as_picture(values: np.ndarray, channel: int,
               source_shape: tuple[int, ...] | None) -> np.ndarray:
    """A kernel (kh, kw, c_in) as its channel's 2-D grid; dense weights on the feature maps."""
    if values.ndim == 3:
        return values[..., min(channel, values.shape[2] - 1)]
    if source_shape is not None:
        return values.reshape(source_shape)[..., min(channel, source_shape[2] - 1)]
    return values[None, :]


class BackpropTab(ExplainTab):
    """The gradient of the loss for one kernel and the effect of one gradient-descent step."""

    title = "Backprop"

    form = (Control("true_combo", "True letter", "letter", name="backprop_true_letter",
                    on_change="_on_true_combo"),
            Control("layer_combo", "Layer", name="backprop_layer", on_change="_on_layer"),
            Control("unit_spin", "Kernel", "spin"),
            Control("channel_spin", "Channel", "spin", on_change="_show_step"))

    def build(self) -> None:
        build_form(self, self.form)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setObjectName("backprop_lr")
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(*LR_RANGE)
        self.lr_spin.setSingleStep(0.01)
        self.lr_spin.setValue(0.1)
        self.scope_combo = QComboBox()
        for scope, text in SCOPE_TEXTS.items():
            self.scope_combo.addItem(text, scope)
        self.apply_button = QPushButton("Apply to my network")
        self.apply_button.setObjectName("backprop_apply")
        self.apply_button.setToolTip("Change the real network's weights by this one step.")
        self.body.addWidget(flow_row(QLabel("Learning rate"), self.lr_spin, QLabel("Update"),
                                     self.scope_combo, self.apply_button))
        maps = QHBoxLayout()
        self.kernel_view = MapView("Kernel w", min_side=110)
        self.gradient_view = MapView("Gradient g = dLoss/dw", min_side=110)
        self.updated_view = MapView("w - lr * g", min_side=110)
        for view in (self.kernel_view, self.gradient_view, self.updated_view):
            view.show_numbers = True
            maps.addWidget(view)
        self.body.addLayout(maps)
        self.result_label = text_label("backprop_result", rich=True)
        self.body.addWidget(self.result_label)
        self.end_with_help("backpropagation", "cross_entropy")
        self.step_result = None
        self.step_model = None
        self.source_shape = None
        self.ctx.true_letter_changed.connect(self._on_true_letter)
        self.lr_spin.valueChanged.connect(lambda _: self.recompute())
        self.scope_combo.currentIndexChanged.connect(lambda _: self.recompute())
        self.apply_button.clicked.connect(self.apply)

    def _on_true_combo(self) -> None:
        self.ctx.set_true_letter(self.true_combo.currentData())

    def _show_step(self) -> None:
        self._show(self.step_result)

    def _on_true_letter(self, index: int) -> None:
        set_true_combo(self.true_combo, index)
        self.request()

    def check(self, layers) -> str | None:
        if not self.layers_of("conv2d", "dense"):
            return "This network has no layer with weights to train."
        return None

    def model_replaced(self) -> None:
        self.step_result = self.step_model = None
        fill_layer_combo(self.layer_combo, self.layers_of("conv2d", "dense"))
        self._update_ranges()

    def _update_ranges(self) -> None:
        model, layer = self.ctx.model, self.layer_combo.currentData()
        if model is None or layer is None:
            return
        from cnn_studio.model.explain.core import flatten_source_shape

        kernel_shape = tuple(model.layers[layer].kernel.shape)
        self.source_shape = (flatten_source_shape(model, layer) if len(kernel_shape) == 2
                             else None)
        channels = kernel_shape[2] if len(kernel_shape) == 4 else (
            self.source_shape[2] if self.source_shape else 1)
        set_range_quietly(self.unit_spin, kernel_shape[-1] - 1)
        set_range_quietly(self.channel_spin, channels - 1)
        self.channel_spin.setEnabled(channels > 1)
        is_conv = len(kernel_shape) == 4
        self.kernel_view.title = "Kernel w" if is_conv else "Weights w (on the maps)"
        for view in (self.kernel_view, self.gradient_view, self.updated_view):
            view.show_numbers = is_conv

    def _on_layer(self) -> None:
        self._update_ranges()
        if self.showing_content:
            self.recompute()

    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        args = (self.ctx.true_letter, layer, self.unit_spin.value(), self.lr_spin.value(),
                self.scope_combo.currentData())
        self.apply_button.setEnabled(False)
        self.submit("step", lambda: (model, compute_step(model, image, *args)), self._on_step)

    def _on_step(self, result) -> None:
        self.step_model, self.step_result = result
        self.apply_button.setEnabled(not self.ctx.state.training
                                     and self.step_model is self.ctx.model)
        set_true_combo(self.true_combo, self.step_result.true_class)
        self._show(self.step_result)

    def _show(self, step) -> None:
        if step is None:
            return
        channel = self.channel_spin.value()
        pictures = [as_picture(np.asarray(a), channel, self.source_shape)
                    for a in (step.kernel, step.gradient, step.updated)]
        peak = max(float(np.abs(pictures[0]).max()), float(np.abs(pictures[2]).max()), 1e-12)
        self.kernel_view.set_array(pictures[0], "signed", -peak, peak)
        self.gradient_view.set_array(pictures[1], "signed")
        self.updated_view.set_array(pictures[2], "signed", -peak, peak)
        self.result_label.setText(self.result_html(step))

    @staticmethod
    def result_html(step: BackpropStep) -> str:
        """The update rule and the loss before and after, with the numbers."""
        change = step.loss_after - step.loss_before
        letter = class_name(step.true_class)
        lines = [f"True letter {letter}: loss = -log p({letter}) = "
                 f"<b>{format_number(step.loss_before, 5)}</b> now.",
                 f"One SGD step w &larr; w - {format_number(step.learning_rate, 4)} &times; g "
                 f"on {SCOPE_TEXTS[step.scope]} of {step.layer_name} (on a copy): loss "
                 f"<b>{format_number(step.loss_after, 5)}</b> "
                 f"({'+' if change >= 0 else ''}{format_number(change, 5)}).",
                 f"Largest |g| in this kernel: {format_number(np.abs(step.gradient).max(), 5)}."]
        if step.bias is not None:
            lines.append(f"Bias: {format_number(step.bias, 5)} - "
                         f"{format_number(step.learning_rate, 4)} &times; "
                         f"{format_number(step.bias_gradient, 5)} = "
                         f"{format_number(step.updated_bias, 5)}")
        return "<br>".join(lines)

    def apply(self) -> None:
        """Apply the shown step to the real network, then tell the other panels."""
        step, model = self.step_result, self.step_model
        if step is None or model is None or model is not self.ctx.model:
            self.show_error("Nothing to apply yet: wait for the step to be computed.")
            return
        self.apply_button.setEnabled(False)
        state = self.ctx.state

        def done(weights) -> None:
            state.message.emit(f"Applied one SGD step to {step.layer_name} "
                               f"(loss {step.loss_before:.4f} -> {step.loss_after:.4f}).")
            state.weights_updated.emit(weights)

        self.submit("apply", lambda: apply_step(model, step), done)

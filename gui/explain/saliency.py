"""Where it looked: a Grad-CAM or saliency heat map over the drawing for one letter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.form import Control, build_form
from cnn_studio.gui.common.heatmap import MapView, overlay
from cnn_studio.gui.explain.base import ExplainTab, class_name, text_label
from cnn_studio.model.ink.strokes import LETTERS

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.saliency import HeatMap

METHODS = {"grad_cam": "Grad-CAM (last conv layer)", "saliency": "Saliency (pixel gradients)"}


def compute_heat(model: keras.Model, image: np.ndarray, method: str,
                 target: int | None) -> tuple[HeatMap, np.ndarray | None]:
    """(heat map, probabilities) for ``target`` (None: the predicted letter)."""
    from cnn_studio.model import explain as ex

    heat = (ex.grad_cam(model, image, target) if method == "grad_cam"
            else ex.saliency_map(model, image, target))
    probabilities = ex.softmax_loss(model, image).probabilities if _ends_in_softmax(model) \
        else None
    return heat, probabilities


def _ends_in_softmax(model) -> bool:
    return getattr(getattr(model.layers[-1], "activation", None), "__name__", "") == "softmax"


class SaliencyTab(ExplainTab):
    """A heat map of the pixels that mattered most for the chosen letter."""

    title = "Where it looked"

    form = (Control("method_combo", "Method", name="heat_method",
                    items=tuple((text, method) for method, text in METHODS.items())),
            Control("target_combo", "Letter", name="heat_target",
                    items=(("Predicted letter", None), *((letter, index) for index, letter
                                                         in enumerate(LETTERS)))),
            Control("alpha_slider", "Strength", "slider", bounds=(10, 100), value=70,
                    on_change="_paint"))

    def build(self) -> None:
        build_form(self, self.form)
        self.alpha_slider.setMaximumWidth(120)
        maps = QHBoxLayout()
        self.drawing_view = MapView("Drawing", min_side=150)
        self.heat_view = MapView("Heat over the drawing", min_side=220)
        maps.addWidget(self.drawing_view, 1)
        maps.addWidget(self.heat_view, 2)
        self.body.addLayout(maps)
        self.caption = text_label("heat_caption")
        self.body.addWidget(self.caption)
        explain = QLabel(
            "Grad-CAM weighs each feature map of the last conv layer by how much the letter's "
            "score rises when that map grows, adds them up and keeps the positive part: bright "
            "areas are where the features that argue for the letter were found. The saliency "
            "map shows, for every pixel, how strongly a tiny change there would change the "
            "letter's probability.")
        explain.setWordWrap(True)
        explain.setStyleSheet(colours.note_style(extra="padding: 6px;"))
        self.body.addWidget(explain)
        self.body.addStretch(1)
        self.heat = self.heat_image = None

    def check(self, layers) -> str | None:
        if len(tuple(self.ctx.model.layers[-1].output.shape)) != 2:
            return "The network does not end in one score per letter yet."
        return None

    def recompute(self) -> None:
        model, image = self.ctx.model, self.ctx.image
        method, target = self.method_combo.currentData(), self.target_combo.currentData()
        self.submit("heat", lambda: compute_heat(model, image, method, target),
                    lambda result: self._show(result, image))

    def _show(self, result, image) -> None:
        """Show the heat map over ``image``, the drawing it was computed on (the drawing may
        have changed or been cleared since)."""
        self.heat, probabilities = result
        self.heat_image = image
        heat = self.heat
        self.drawing_view.set_array(image, "ink")
        self._paint()
        letter = class_name(heat.class_index)
        text = (f"{'Grad-CAM of ' + heat.layer_name if heat.method == 'grad_cam' else 'Saliency'}"
                f" for the letter {letter}")
        if probabilities is not None:
            text += f" (p = {float(probabilities[heat.class_index]):.3f})"
        if not np.any(heat.values > 0):
            text += ". The map is empty: nothing in the drawing argues for this letter."
        if heat.note:
            text += f". {heat.note}"
        self.caption.setText(text + ".")

    def _paint(self) -> None:
        if self.heat is None or self.heat_image is None:
            return
        self.heat_view.set_rgb(overlay(self.heat_image, self.heat.values,
                                       self.alpha_slider.value() / 100.0))

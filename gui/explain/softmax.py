"""Softmax and loss: logits -> exp -> probabilities, and -log p(true letter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.confidence import verdict
from cnn_studio.gui.common.form import Control, make_widget
from cnn_studio.gui.common.heatmap import format_number
from cnn_studio.gui.explain.base import (
    ExplainTab,
    class_name,
    read_only_table,
    text_label,
)

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.dense import SoftmaxLoss

COLUMNS = ("Letter", "Logit z", "z - max", "exp(z - max)", "Probability")
TRUE_COLOUR = QColor(255, 236, 170)


def compute_softmax(model: keras.Model, image: np.ndarray,
                    true_class: int | None) -> SoftmaxLoss:
    """``model.explain.softmax_loss``; without a true letter, the predicted one is used."""
    from cnn_studio.model import explain as ex

    result = ex.softmax_loss(model, image, true_class)
    if true_class is None:
        result = ex.softmax_loss(model, image, result.predicted)
    return result


def said_html(probabilities: np.ndarray) -> str:
    """The canvas's words for these probabilities, in its colour (one rule for both)."""
    said = verdict(probabilities)
    return f'<span style="color: {colours.css(said.colour())}">“{said.text}”</span>'


def set_true_combo(combo, index: int) -> None:
    """Select letter ``index`` in a letter combo without emitting signals."""
    blocked = combo.blockSignals(True)
    combo.setCurrentIndex(max(combo.findData(index), 0))
    combo.blockSignals(blocked)


class SoftmaxTab(ExplainTab):
    """The last layer's scores turned into probabilities, and the cross-entropy loss."""

    title = "Softmax"

    def build(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel("The drawing is meant to be"))
        self.true_combo = make_widget(Control("true_combo", "", "letter",
                                              name="softmax_true_letter"))
        controls.addWidget(self.true_combo)
        controls.addStretch(1)
        self.body.addLayout(controls)
        self.loss_label = text_label("softmax_loss", rich=True)
        self.body.addWidget(self.loss_label)
        self.table = read_only_table("softmax_table", COLUMNS, rows=26)
        self.body.addWidget(self.table)
        self.end_with_help("softmax", "cross_entropy")
        self.result = None
        self.true_combo.currentIndexChanged.connect(
            lambda _: self.ctx.set_true_letter(self.true_combo.currentData()))
        self.ctx.true_letter_changed.connect(self._on_true_letter)

    def _on_true_letter(self, index: int) -> None:
        set_true_combo(self.true_combo, index)
        self.request()

    def check(self, layers) -> str | None:
        last = self.ctx.model.layers[-1] if self.ctx.model is not None else None
        name = getattr(getattr(last, "activation", None), "__name__", "")
        if last is not None and name != "softmax" and type(last).__name__ != "Softmax":
            return ("The network does not end in a softmax layer, so it gives no "
                    "probabilities. Add the output layer (dense, 26 units, softmax).")
        return None

    def recompute(self) -> None:
        model, image, true = self.ctx.model, self.ctx.image, self.ctx.true_letter
        self.submit("loss", lambda: compute_softmax(model, image, true), self._show)

    def _show(self, result) -> None:
        self.result = result
        set_true_combo(self.true_combo, result.true_class)
        self.table.setRowCount(len(result.logits))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row in range(len(result.logits)):
            cells = (class_name(row), format_number(result.logits[row], 4),
                     format_number(result.logits[row] - result.shift, 4),
                     format_number(result.exp[row], 5, small=True),
                     format_number(result.probabilities[row], 5, small=True))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row == result.predicted:
                    item.setFont(bold)
                if row == result.true_class:
                    item.setBackground(colours.tint(TRUE_COLOUR, 0.6, colours.Role.Base))
                    item.setForeground(colours.text_on(colours.tint(TRUE_COLOUR, 0.6, colours.Role.Base)))
                elif col == 4:
                    share = float(result.probabilities[row])
                    item.setBackground(colours.tint(QColor(135, 195, 255), share, colours.Role.Base))
                    item.setForeground(colours.text_on(colours.tint(QColor(135, 195, 255), share, colours.Role.Base)))
                self.table.setItem(row, col, item)
        self.loss_label.setText(self.loss_html(result))

    @staticmethod
    def loss_html(result) -> str:
        """The softmax normalisation and the loss, with the numbers filled in."""
        true, predicted = result.true_class, result.predicted
        p = result.true_probability
        lines = [f"Largest logit: {format_number(result.shift, 4)} (letter "
                 f"{class_name(int(np.argmax(result.logits)))}); subtracting it changes "
                 "nothing but keeps exp() from overflowing.",
                 f"Sum of exp(z - max) = {format_number(result.exp_sum, 5)}; "
                 "probability = exp(z - max) / sum.",
                 f"Predicted: <b>{class_name(predicted)}</b> with p = "
                 f"{format_number(result.probabilities[predicted], 5)}; the canvas says "
                 f"{said_html(result.probabilities)}.",
                 f"Cross-entropy loss for {class_name(true)} = -log p({class_name(true)}) = "
                 f"-log({format_number(p, 6, small=True)}) = <b>{format_number(result.loss, 5)}</b>"]
        return "<br>".join(lines)

"""Output sizes and parameter counts of conv and pooling layers, with the numbers filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QTableWidgetItem

from cnn_studio.gui.explain.base import ExplainTab, read_only_table, text_label

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.conv import OutputSize

COLUMNS = ("Layer", "Input", "Output", "Parameters", "Dense equivalent", "Ratio")


def compute_sizes(model: keras.Model) -> list[OutputSize]:
    """``model.explain.output_size`` of every conv and pooling layer (runs in the worker)."""
    from cnn_studio.model import explain as ex

    windowed = ("conv2d", "maxpool2d", "avgpool2d", "sumpool2d")
    return [ex.output_size(model, index) for index, layer in enumerate(model.layers)
            if ex.layer_kind(layer) in windowed]


class SizesTab(ExplainTab):
    """out = floor((in + 2*pad - kernel) / stride) + 1 and the parameter count, per layer."""

    title = "Sizes"
    needs_drawing = False

    def build(self) -> None:
        intro = QLabel("Each conv or pooling layer slides a window over its input. Its output "
                       "size follows from the input size, the window, the stride and the "
                       "padding; a conv layer's parameters are one small kernel per filter, "
                       "shared by every position.")
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.table = read_only_table("sizes_table", COLUMNS, stretch=False, row_height=None)
        self.body.addWidget(self.table)
        self.working = text_label("sizes_working")
        self.working.setWordWrap(False)  # a formula never breaks; a narrow tab scrolls sideways
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        self.working.setFont(font)
        self.body.addWidget(self.working)
        self.end_with_help("padding", "stride", "parameter_sharing")
        self.sizes: list = []

    def check(self, layers) -> str | None:
        if not self.layers_of("conv2d", "maxpool2d", "avgpool2d", "sumpool2d"):
            return ("This network has no conv or pooling layer, so nothing slides a window: "
                    "every dense layer connects all its inputs to all its outputs.")
        return None

    def recompute(self) -> None:
        model = self.ctx.model
        self.submit("sizes", lambda: compute_sizes(model), self._show)

    def _show(self, sizes: list) -> None:
        self.sizes = sizes
        self.table.setRowCount(len(sizes))
        for row, size in enumerate(sizes):
            g = size.geometry
            ratio = (f"{size.dense_params / size.params:,.0f}x fewer" if size.params
                     else "nothing to learn")
            cells = (size.layer_name,
                     f"{g.input_size[0]}x{g.input_size[1]}x{g.channels_in}",
                     f"{g.output_size[0]}x{g.output_size[1]}x{g.channels_out}",
                     f"{size.params:,}", f"{size.dense_params:,}", ratio)
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(row) for row in range(len(sizes)))
        self.table.setFixedHeight(height)
        self.working.setText("\n\n".join(size.text for size in sizes))

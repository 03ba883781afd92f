"""Hand-made kernels: type a first-layer kernel or pick a preset and see its feature map at once.

Edits go into a private copy of the network; "Apply to my network" puts the kernel into the
real one. The feature map is what that copy's first conv layer computes for the drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from cnn_studio.gui.common.heatmap import MapView, NumberGrid, format_number
from cnn_studio.gui.explain.base import ExplainTab, set_range_quietly, text_label

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.explain.kernels import KernelEdit

PRESET_TEXTS = {
    "identity": "Identity (copies the input)",
    "sobel_x": "Sobel x (vertical edges)",
    "sobel_y": "Sobel y (horizontal edges)",
    "laplacian": "Laplacian (outlines)",
    "sharpen": "Sharpen",
    "box_blur": "Box blur",
    "gaussian_blur": "Gaussian blur",
    "random_normal": "Gaussian random (like an initialiser)",
}
CUSTOM = "custom"
BIAS_RANGE = (-1000.0, 1000.0)


class KernelLab:
    """The private model copy the edits go into; used only inside the explain worker."""

    def __init__(self) -> None:
        self.key = None
        self.copy = None

    def edit(self, model: keras.Model, version: int, filter_index: int,
             matrix: np.ndarray | None, bias: float | None, image: np.ndarray,
             fresh: bool = False) -> KernelEdit:
        """Put ``matrix`` (None: keep the kernel) into the copy and compute its feature map.

        A new copy of ``model`` is made when the model or its weights changed, or ``fresh``.
        """
        from cnn_studio.model.explain.backprop import copy_model
        from cnn_studio.model.explain.kernels import set_first_layer_kernel

        if fresh or self.key != (id(model), version):
            self.copy, self.key = copy_model(model), (id(model), version)
        if matrix is None:
            index = next(i for i, layer in enumerate(self.copy.layers)
                         if type(layer).__name__ == "Conv2D")
            matrix = np.asarray(self.copy.layers[index].kernel.numpy())[..., filter_index]
        return set_first_layer_kernel(self.copy, filter_index, matrix, image, bias,
                                      in_place=True)


def apply_kernel(model: keras.Model, filter_index: int, matrix: np.ndarray,
                 bias: float | None, image: np.ndarray) -> list[np.ndarray]:
    """Put the kernel into the real model and return its new weights."""
    from cnn_studio.model.explain.kernels import set_first_layer_kernel

    set_first_layer_kernel(model, filter_index, matrix, image, bias, in_place=True)
    return [np.asarray(w) for w in model.get_weights()]


class KernelsTab(ExplainTab):
    """An editable first-layer kernel, presets, and the feature map it makes of the drawing."""

    title = "Kernels"

    def build(self) -> None:
        self.filter_spin = QSpinBox()
        self.filter_spin.setObjectName("kernel_filter")
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("kernel_preset")
        self.preset_combo.addItem("(the network's kernel / typed)", CUSTOM)
        for name, text in PRESET_TEXTS.items():
            self.preset_combo.addItem(text, name)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 9999)
        self.seed_spin.setToolTip("Random seed of the Gaussian random kernel")
        self.add_controls(("Filter", self.filter_spin), ("Preset", self.preset_combo),
                          ("Seed", self.seed_spin))
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Kernel (type numbers, Enter to apply)"))
        self.grid = NumberGrid(editable=True, cell_width=54)
        self.grid.setObjectName("kernel_grid")
        left.addWidget(self.grid)
        bias_row = QHBoxLayout()
        self.bias_spin = QDoubleSpinBox()
        self.bias_spin.setObjectName("kernel_bias")
        self.bias_spin.setRange(*BIAS_RANGE)
        self.bias_spin.setDecimals(4)
        self.bias_spin.setSingleStep(0.1)
        bias_row.addWidget(QLabel("Bias"))
        bias_row.addWidget(self.bias_spin)
        left.addLayout(bias_row)
        self.reset_button = QPushButton("Reset to the network's kernel")
        self.apply_button = QPushButton("Apply to my network")
        self.apply_button.setObjectName("kernel_apply")
        left.addWidget(self.reset_button)
        left.addWidget(self.apply_button)
        left.addStretch(1)
        row.addLayout(left)
        self.drawing_view = MapView("Drawing", min_side=130)
        self.pre_view = MapView("Before the activation", min_side=130)
        self.map_view = MapView("Feature map", min_side=140)
        row.addWidget(self.map_view, 1)
        self.body.addLayout(row)
        below = QHBoxLayout()
        below.addWidget(self.drawing_view)
        below.addWidget(self.pre_view)
        self.body.addLayout(below)
        self.summary = text_label("kernel_summary")
        self.body.addWidget(self.summary)
        self.end_with_help("conv2d", "dot_product")
        self.lab = KernelLab()
        self.edit_result = None
        self.pending_matrix = None
        self.filter_spin.valueChanged.connect(lambda _: self._load_kernel(fresh=False))
        self.preset_combo.currentIndexChanged.connect(lambda _: self.use_preset())
        self.seed_spin.valueChanged.connect(lambda _: self.use_preset())
        self.grid.cellChanged.connect(lambda *_: self._on_typed())
        self.bias_spin.editingFinished.connect(self._on_bias)
        self.reset_button.clicked.connect(lambda: self._load_kernel(fresh=True))
        self.apply_button.clicked.connect(self.apply)

    def check(self, layers) -> str | None:
        if not self.layers_of("conv2d"):
            return ("This network has no convolution layer to put a kernel into. Add a "
                    "conv2d layer first.")
        return None

    def model_replaced(self) -> None:
        self.pending_matrix = self.edit_result = None
        conv = self.layers_of("conv2d")
        if conv and self.ctx.model is not None:
            filters = int(self.ctx.model.layers[conv[0][0]].filters)
            set_range_quietly(self.filter_spin, filters - 1)

    def kernel_shape(self) -> tuple[int, int]:
        """(rows, cols) of the first conv layer's kernels."""
        index = self.layers_of("conv2d")[0][0]
        shape = self.ctx.model.layers[index].kernel.shape
        return int(shape[0]), int(shape[1])

    # ------------------------------------------------------------ edits
    def _load_kernel(self, fresh: bool) -> None:
        """Show the copy's kernel of the chosen filter (``fresh``: the network's own again)."""
        self.pending_matrix = None
        self._select_preset(CUSTOM)
        self.recompute(keep_bias=False, fresh=fresh)

    def _select_preset(self, name: str) -> None:
        blocked = self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(max(self.preset_combo.findData(name), 0))
        self.preset_combo.blockSignals(blocked)

    def use_preset(self, name: str | None = None) -> None:
        """Fill the kernel from a preset (the combo's choice when ``name`` is None)."""
        from cnn_studio.model.explain.kernels import kernel_preset

        if name is not None:
            self._select_preset(name)
        name = self.preset_combo.currentData()
        if name == CUSTOM or self.ctx.model is None:
            return
        self.pending_matrix = kernel_preset(name, self.kernel_shape(), seed=self.seed_spin.value())
        self.recompute()

    def _on_typed(self) -> None:
        values = self.grid.values()
        if np.isnan(values).any():
            self.show_error("Type a number in every cell of the kernel.")
            return
        if np.abs(values).max() > 1000:
            self.show_error("Kernel weights must be within -1000..1000.")
            return
        self.pending_matrix = values
        self._select_preset(CUSTOM)
        self.recompute()

    def _on_bias(self) -> None:
        if self.edit_result is not None and self.bias_spin.value() != self.edit_result.bias:
            self.recompute()

    def recompute(self, keep_bias: bool = True, fresh: bool = False) -> None:
        model, image, version = self.ctx.model, self.ctx.image, self.ctx.weights_version
        if model is None:
            return
        f, matrix, lab = self.filter_spin.value(), self.pending_matrix, self.lab
        bias = self.bias_spin.value() if keep_bias and self.edit_result is not None else None
        self.submit("edit", lambda: lab.edit(model, version, f, matrix, bias, image, fresh),
                    self._show)

    def _show(self, edit) -> None:
        self.edit_result = edit
        kernel = edit.kernel[..., 0]
        self.grid.set_values(kernel, "signed")
        blocked = self.bias_spin.blockSignals(True)
        self.bias_spin.setValue(edit.bias)
        self.bias_spin.blockSignals(blocked)  # the sentence below writes the bias as it shows
        self.drawing_view.set_array(self.ctx.image, "ink")
        self.pre_view.set_array(edit.pre_activation, "signed")
        self.map_view.title = f"Feature map {edit.filter_index} of {edit.layer_name}"
        self.map_view.set_array(edit.feature_map, "signed")
        self.summary.setText(
            f"Filter {edit.filter_index} of {edit.layer_name}: kernel sum "
            f"{format_number(kernel.sum(), 3)}, bias {self.bias_spin.text()}. Feature "
            f"map range {format_number(edit.feature_map.min(), 3)} .. "
            f"{format_number(edit.feature_map.max(), 3)}. Edge kernels (their weights sum to 0) "
            "answer where the ink changes, not where it is; blurs spread it out.")

    def apply(self) -> None:
        """Put the kernel shown into the real network's first conv layer."""
        edit, model, image = self.edit_result, self.ctx.model, self.ctx.image
        if edit is None or model is None:
            return
        if self.ctx.state.training:
            self.show_error("The network is training; apply the kernel when training stops.")
            return
        matrix, bias, f = edit.kernel.copy(), edit.bias, edit.filter_index
        state = self.ctx.state

        def done(weights) -> None:
            state.message.emit(f"Put the kernel into filter {f} of {edit.layer_name}.")
            state.weights_updated.emit(weights)

        self.submit("apply", lambda: apply_kernel(model, f, matrix, bias, image), done)


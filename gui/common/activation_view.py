"""Every layer's output for one image: feature-map grids, bars for vectors, the softmax.

:class:`ActivationView` is a standalone widget: give it anything with ``activations`` (one
array per layer, batch dimension removed), ``layer_names`` and optionally ``layer_kinds`` and
``probs`` (e.g. ``model.nets.inference.Prediction``). The drawing widgets live in
``gui.common.activation_maps``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.activation_maps import (
    DEFAULT_MAP_SIZE,
    MAP_SIZE_RANGE,
    FeatureMapGrid,
    PixelImage,
    VectorBars,
    colour_table,
    scale_for,
)
from cnn_studio.model.ink.strokes import LETTERS

__all__ = ["ActivationView", "FeatureMapGrid", "LayerRow", "PixelImage", "VectorBars"]

KIND_LABELS = {"conv2d": "convolution", "activation": "activation", "maxpool2d": "max pooling",
               "avgpool2d": "average pooling", "sumpool2d": "sum pooling", "flatten": "flatten",
               "globalavgpool2d": "global average pooling", "dense": "dense",
               "dropout": "dropout (off when predicting)", "batchnorm": "batch normalisation"}


def _stats_label() -> QLabel:
    """The min/max label of a layer row, of a fixed size: new numbers never re-lay out the row
    (Qt skips the layout pass for widgets whose minimum and maximum sizes agree)."""
    label = QLabel()
    label.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
    metrics = label.fontMetrics()
    label.setFixedSize(metrics.horizontalAdvance("min -0.000123  max -0.000123") + 4,
                       metrics.height() + 4)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


class LayerRow(QFrame):
    """One layer: a title line and its output drawn as maps or bars."""

    def __init__(self, index: int, name: str, kind: str, shape: tuple[int, ...],
                 output: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index, self.name, self.kind = index, name, kind
        self.title = QLabel()
        self.title.setObjectName("layer_title")
        self.title.setWordWrap(True)  # a long title must not widen the view past its viewport
        self.stats = _stats_label()
        head = QVBoxLayout()  # the numbers under the title: a narrow dock cuts neither off
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(0)
        head.addWidget(self.title)
        head.addWidget(self.stats)
        self.body: FeatureMapGrid | VectorBars
        self.body = FeatureMapGrid() if len(shape) == 3 else VectorBars()
        self.output = output
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 6, 2, 2)
        layout.addLayout(head)
        layout.addWidget(self.body)
        shape_text = "x".join(str(n) for n in shape)
        what = KIND_LABELS.get(kind, kind)
        if output:
            what = "output: softmax probabilities"
        elif len(shape) == 3:
            what += f", {shape[-1]} feature maps of {shape[0]}x{shape[1]}"
        self.title.setText(f"<b>{index + 1}. {name}</b> &nbsp;{what} &nbsp;"
                           f"<span style='color:{colours.css(colours.muted_text())}'>({shape_text})</span>")

    def set_values(self, values: np.ndarray, serial: int) -> None:
        """New output of the layer."""
        if isinstance(self.body, FeatureMapGrid):
            self.body.set_values(values, serial)
        else:
            labels = LETTERS if self.output and values.size == len(LETTERS) else None
            self.body.set_values(values.reshape(-1), labels, serial)
        self.stats.setText(f"min {float(values.min()):.3g}  max {float(values.max()):.3g}")


class ActivationView(QWidget):
    """Each layer's output for the current image; click a feature map to enlarge it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activation_view")
        self.rows: list[LayerRow] = []
        self.serial = 0
        self._signature: tuple | None = None
        self._parked: tuple[tuple | None, list[LayerRow]] | None = None  # rows hidden by clear()
        self._values: list[np.ndarray] = []
        self._detail_at: tuple[int, int] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._zoom_bar())
        layout.addWidget(self._detail_panel())
        layout.addWidget(self._rows_area(), 1)

    def _zoom_bar(self) -> QHBoxLayout:
        """The heading and the map size slider."""
        self.heading = QLabel("<b>Inside the network</b>")
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setObjectName("map_zoom")
        self.zoom.setRange(*MAP_SIZE_RANGE)
        self.zoom.setValue(DEFAULT_MAP_SIZE)
        self.zoom.setMaximumWidth(160)
        self.zoom.setToolTip("Size of each feature map on screen")
        self.zoom.valueChanged.connect(self._set_cell)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(QLabel("Map size"))
        top.addWidget(self.zoom)
        return top

    def _detail_panel(self) -> QFrame:
        """The enlarged feature map with its description and a Close button (hidden at first)."""
        self.detail = PixelImage()
        self.detail.setFixedSize(168, 168)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        close = QToolButton()
        close.setText("Close")
        close.clicked.connect(self.close_detail)
        detail_text = QVBoxLayout()
        detail_text.addWidget(self.detail_label)
        detail_text.addWidget(close, 0, Qt.AlignmentFlag.AlignLeft)
        detail_text.addStretch(1)
        self.detail_box = QFrame()
        self.detail_box.setFrameShape(QFrame.Shape.StyledPanel)
        detail_layout = QHBoxLayout(self.detail_box)
        detail_layout.addWidget(self.detail)
        detail_layout.addLayout(detail_text, 1)
        self.detail_box.hide()
        return self.detail_box

    def _rows_area(self) -> QScrollArea:
        """The scrolled list of layer rows, showing a message until the first image."""
        self.message = QLabel("Draw a letter to see what each layer makes of it.")
        self.message.setObjectName("activation_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        self._rows_widget = QWidget()
        self._rows_layout = QVBoxLayout(self._rows_widget)
        self._rows_layout.setContentsMargins(4, 0, 4, 4)
        self._rows_layout.addWidget(self.message)
        self._rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._rows_widget)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The name hides QWidget.scroll(dx, dy); a rename waits for the panels' rewrite (issue 23).
        self.scroll = scroll  # type: ignore[method-assign, assignment]
        return scroll

    # ------------------------------------------------------------------ data
    def set_prediction(self, prediction) -> None:
        """Show a Prediction-like object (``activations``, ``layer_names``, ``layer_kinds``)."""
        names = list(prediction.layer_names)
        kinds = list(getattr(prediction, "layer_kinds", None) or ["layer"] * len(names))
        probs = getattr(prediction, "probs", None)
        self.set_activations(list(prediction.activations), names, kinds, probs)

    def set_activations(self, activations: list[np.ndarray], names: list[str],
                        kinds: list[str] | None = None, probs: np.ndarray | None = None) -> None:
        """Show one array per layer; ``probs`` adds a softmax row when the net outputs logits.

        Args:
            activations: layer outputs without the batch dimension.
            names: layer names, one per activation.
            kinds: spec kinds (``conv2d``, ``dense``...), one per activation.
            probs: class probabilities; shown as the output row if they are not the last layer.
        """
        values = [np.asarray(a, dtype=np.float32) for a in activations]
        names = list(names)
        kinds = list(kinds or ["layer"] * len(values))
        output_last = probs is not None and values and values[-1].shape == np.shape(probs) and \
            np.allclose(values[-1], probs, atol=1e-5)
        if probs is not None and not output_last:
            values.append(np.asarray(probs, dtype=np.float32))
            names.append("softmax")
            kinds.append("softmax")
        signature = tuple((n, k, v.shape) for n, k, v in zip(names, kinds, values, strict=True))
        if signature != self._signature:
            if self._parked and self._parked[0] == signature:  # same network as before a clear
                self._signature, self.rows = self._parked
                self._parked = None
                for row in self.rows:
                    row.show()
            else:
                self._rebuild(signature, output=probs is not None)
        self.serial += 1
        self._values = values
        for row, value in zip(self.rows, values, strict=True):
            row.set_values(value, self.serial)
        self.message.hide()
        self._refresh_detail()

    def clear(self, message: str = "Draw a letter to see what each layer makes of it.") -> None:
        """Hide the layers (kept for the next drawing of the same network) and show ``message``."""
        if self.rows:
            for row in self.rows:
                row.hide()
            self._discard(self._parked[1] if self._parked else [])
            self._parked = (self._signature, self.rows)
        self.rows, self._signature = [], ()
        self._values = []
        self.message.setText(message)
        self.message.show()
        self.close_detail()

    def _discard(self, rows: list[LayerRow]) -> None:
        for row in rows:
            self._rows_layout.removeWidget(row)
            row.hide()  # deleteLater waits for the event loop; until then it must not paint
            row.deleteLater()

    def _rebuild(self, signature: tuple, output: bool) -> None:
        self._discard(self.rows + (self._parked[1] if self._parked else []))
        self._parked = None
        self.rows = []
        self._signature = signature
        for index, (name, kind, shape) in enumerate(signature):
            is_output = output and index == len(signature) - 1
            row = LayerRow(index, name, kind, shape, output=is_output)
            if isinstance(row.body, FeatureMapGrid):
                row.body.set_cell(self.zoom.value())
                row.body.map_clicked.connect(lambda channel, i=index: self.show_map(i, channel))
            self.rows.append(row)
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
        if self._detail_at and self._detail_at[0] >= len(self.rows):
            self.close_detail()

    def painted(self) -> bool:
        """Whether every row visible on screen has painted the latest data."""
        for row in self.rows:
            if not row.body.isVisible():
                if self.isVisible():
                    return False  # just added: shown (and painted) on the next event loop turn
                continue
            if not row.body.visibleRegion().isEmpty() and row.body.painted_serial != self.serial:
                return False
        return True

    # ------------------------------------------------------------------ zoom
    def _set_cell(self, cell: int) -> None:
        for row in self.rows:
            if isinstance(row.body, FeatureMapGrid):
                row.body.set_cell(cell)

    def show_map(self, layer: int, channel: int) -> None:
        """Enlarge feature map ``channel`` of layer ``layer`` above the layer list."""
        self._detail_at = (layer, channel)
        self.detail_box.show()
        self._refresh_detail()

    def close_detail(self) -> None:
        """Hide the enlarged map."""
        self._detail_at = None
        self.detail_box.hide()

    def _refresh_detail(self) -> None:
        if self._detail_at is None or not self._values:
            return
        layer, channel = self._detail_at
        if layer >= len(self._values) or self._values[layer].ndim != 3 or \
                channel >= self._values[layer].shape[-1]:
            self.close_detail()
            return
        values = self._values[layer]
        signed, scale = scale_for(values)
        self.detail.set_array(values[..., channel], signed, scale,
                              colour_table(signed))
        one = values[..., channel]
        self.detail_label.setText(
            f"<b>{self.rows[layer].name}</b>, feature map {channel}<br>"
            f"{one.shape[0]}x{one.shape[1]} values from {one.min():.3g} to {one.max():.3g}"
            f"<br>Colours use the whole layer's range ({'-' if signed else '0 to '}"
            f"{scale:.3g}{' to ' + format(scale, '.3g') if signed else ''}), so weak maps "
            "look dark.")

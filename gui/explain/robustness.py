"""Translation and distortion: shift, rotate and scale the drawing and watch the answer follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common.heatmap import MapView
from cnn_studio.gui.explain.base import ExplainTab, class_name

if TYPE_CHECKING:
    import keras

#: slider name -> (label, minimum, maximum, default, unit); scale is in percent.
SLIDERS = {
    "dx": ("Shift right", -10, 10, 0, "px"),
    "dy": ("Shift down", -10, 10, 0, "px"),
    "angle": ("Rotate", -90, 90, 0, "\u00b0"),
    "scale": ("Scale", 50, 200, 100, "%"),
}
MAX_MAPS = 6
TOP = 3


@dataclass
class Moved:
    """The transformed drawing and what the network makes of it (and of the original)."""

    image: np.ndarray
    probabilities: np.ndarray
    original_probabilities: np.ndarray
    maps: np.ndarray | None       # first conv layer's output for the moved drawing, (H, W, k)
    layer_name: str | None


def _probabilities(result) -> np.ndarray:
    out = np.asarray(result.outputs[-1], dtype=np.float64).ravel()
    if np.any(out < 0) or not np.isclose(out.sum(), 1.0, atol=1e-3):
        out = np.exp(out - out.max())
        out /= out.sum()
    return out


def compute_moved(model: keras.Model, image: np.ndarray, dx: float, dy: float, angle: float, scale: float) -> Moved:
    """Transform the drawing with ``model.ink.transforms`` and run both through the network."""
    from cnn_studio.model import explain as ex
    from cnn_studio.model.ink.transforms import transform_image

    moved = transform_image(image, dx=dx, dy=dy, angle=angle, scale=scale)
    moved_trace = ex.layer_activations(model, moved)
    original = ex.layer_activations(model, image)
    conv = next((i for i, layer in enumerate(model.layers) if ex.layer_kind(layer) == "conv2d"),
                None)
    maps = moved_trace.outputs[conv][..., :MAX_MAPS] if conv is not None else None
    return Moved(moved, _probabilities(moved_trace), _probabilities(original), maps,
                 model.layers[conv].name if conv is not None else None)


def top_lines(probabilities: np.ndarray, k: int = TOP) -> list[tuple[str, float]]:
    """The ``k`` most probable letters with their probabilities."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(class_name(int(i)), float(probabilities[i])) for i in order]


class TopBars(QWidget):
    """A title and the top letters, each with its percentage and a bar as long as its value."""

    ROW = 20
    BAR_COLOR = QColor(74, 120, 192)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.rows: list[tuple[str, float]] = []
        self.setMinimumWidth(120)
        self.setFixedHeight(self.ROW * (TOP + 1) + 4)

    def set_probabilities(self, title: str, probabilities: np.ndarray) -> None:
        """Show ``title`` and the top letters of ``probabilities``."""
        self.title = title
        self.rows = top_lines(probabilities)
        self.update()

    def text(self) -> str:
        """What the widget shows, as plain text (title, then 'letter percent' per row)."""
        return "\n".join([self.title] + [f"{letter} {p * 100:.1f}%" for letter, p in self.rows])

    def bar_rects(self) -> list[QRectF]:
        """Where each row's bar is drawn: its width is the probability times the full width."""
        left = 90.0
        span = max(1.0, self.width() - left - 4)
        return [QRectF(left, self.ROW * (i + 1) + 4, span * min(max(p, 0.0), 1.0),
                       self.ROW - 8) for i, (_, p) in enumerate(self.rows)]

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Title, then letter, percentage and bar per row."""
        painter = QPainter(self)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, 0, self.width(), self.ROW), Qt.AlignmentFlag.AlignVCenter,
                         self.title)
        for i, ((letter, p), bar) in enumerate(zip(self.rows, self.bar_rects(), strict=True)):
            y = self.ROW * (i + 1)
            painter.setFont(font)
            painter.drawText(QRectF(4, y, 20, self.ROW), Qt.AlignmentFlag.AlignVCenter, letter)
            painter.setFont(self.font())
            painter.drawText(QRectF(24, y, 60, self.ROW), Qt.AlignmentFlag.AlignVCenter
                             | Qt.AlignmentFlag.AlignRight, f"{p * 100:.1f}%")
            painter.fillRect(bar, self.BAR_COLOR)
        painter.end()


class RobustnessTab(ExplainTab):
    """Sliders move the drawing; the probabilities and the first feature maps follow live."""

    title = "Shift && rotate"  # "&&": a single "&" would mark a shortcut

    def build(self) -> None:
        sliders = QGridLayout()
        self.sliders: dict[str, QSlider] = {}
        self.slider_labels: dict[str, QLabel] = {}
        for row, (name, (text, low, high, default, unit)) in enumerate(SLIDERS.items()):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"robust_{name}")
            slider.setRange(low, high)
            slider.setValue(default)
            value = QLabel()
            value.setMinimumWidth(48)
            self.sliders[name] = slider
            self.slider_labels[name] = value
            sliders.addWidget(QLabel(text), row, 0)
            sliders.addWidget(slider, row, 1)
            sliders.addWidget(value, row, 2)
            slider.valueChanged.connect(lambda _=0, n=name, u=unit: self._on_slider(n, u))
            self._on_slider(name, unit, recompute=False)
        self.reset_button = QPushButton("Back to the drawing")
        self.reset_button.clicked.connect(self.reset)
        sliders.addWidget(self.reset_button, len(SLIDERS), 1)
        self.body.addLayout(sliders)
        row = QHBoxLayout()
        self.original_view = MapView("Your drawing", min_side=120)
        self.moved_view = MapView("What the network sees", min_side=120)
        self.original_top = TopBars()
        self.moved_top = TopBars()
        self.moved_top.setObjectName("robust_top")
        for column in ((self.original_view, self.original_top),
                       (self.moved_view, self.moved_top)):
            box = QVBoxLayout()
            box.addWidget(column[0])
            box.addWidget(column[1])
            row.addLayout(box)
        self.body.addLayout(row)
        self.maps_title = QLabel()
        self.maps_title.setWordWrap(True)  # a long layer name must not widen the tab
        self.body.addWidget(self.maps_title)
        maps = QGridLayout()
        self.map_views = [MapView(f"map {i}", min_side=80) for i in range(MAX_MAPS)]
        for i, view in enumerate(self.map_views):
            maps.addWidget(view, i // 3, i % 3)
        self.body.addLayout(maps)
        self.end_with_help("translation_robustness", "parameter_sharing")
        self.moved: Moved | None = None

    def values(self) -> dict[str, float]:
        """The transform the sliders ask for (scale as a factor)."""
        values = {name: float(slider.value()) for name, slider in self.sliders.items()}
        values["scale"] /= 100.0
        return values

    def _on_slider(self, name: str, unit: str, recompute: bool = True) -> None:
        self.slider_labels[name].setText(f"{self.sliders[name].value()} {unit}")
        if recompute and self.showing_content:
            self.recompute()

    def reset(self) -> None:
        """Put every slider back to its neutral value."""
        for name, slider in self.sliders.items():
            blocked = slider.blockSignals(True)
            slider.setValue(SLIDERS[name][3])
            slider.blockSignals(blocked)
            self._on_slider(name, SLIDERS[name][4], recompute=False)
        self.recompute()

    def check(self, layers) -> str | None:
        shape = tuple(self.ctx.model.layers[-1].output.shape) if self.ctx.model else ()
        if len(shape) != 2:
            return "The network does not end in one score per letter yet."
        return None

    def recompute(self) -> None:
        model, image, values = self.ctx.model, self.ctx.image, self.values()
        self.submit("moved", lambda: compute_moved(model, image, **values), self._show)

    def _show(self, moved: Moved) -> None:
        self.moved = moved
        self.original_view.set_array(self.ctx.image, "ink")
        self.moved_view.set_array(moved.image, "ink")
        self.original_top.set_probabilities("Drawing as drawn", moved.original_probabilities)
        self.moved_top.set_probabilities("Moved drawing", moved.probabilities)
        has_maps = moved.maps is not None
        self.maps_title.setText(f"First feature maps of {moved.layer_name} for the moved drawing "
                                "(they move with it):" if has_maps else
                                "This network has no conv layer, so there are no feature maps.")
        for i, view in enumerate(self.map_views):
            visible = has_maps and i < moved.maps.shape[2]
            view.setVisible(visible)
            if visible:
                view.set_array(moved.maps[..., i], "signed")

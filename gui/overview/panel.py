"""The Network dock: the whole shown network for the canvas drawing (issue 24).

The panel follows the state: every Prediction of the drawing (``state.prediction_ready``),
every training snapshot of the drawing's layer outputs (``state.training_snapshot``), the
active model's weights (for a selected map's kernel) and which network is shown
(``state.shown``, whose label titles the picture). What arrives while the dock cannot be seen
(hidden, or behind another dock's tab, where Qt only moves it off the window) is kept, the
latest only, and handed to the overview when the dock comes to the front.

A click on a pixel of a convolution map zooms into it and then asks explain mode for that
pixel's arithmetic (``state.convolution_requested``); ``state.overview_requested`` brings the
dock back and zooms out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.shell import Dock, NoUnsavedWork, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.overview.columns import describe
from cnn_studio.gui.overview.widget import MAX_RATE_HZ, NetworkOverview
from cnn_studio.model.spec.network import NetworkSpec

NO_NETWORK = ("No network may be shown: the network in the Layer builder is not valid (its "
              "problems are listed there). Fix it, or open a trained model.")
NO_DRAWING = "Draw a letter on the canvas to see it flow through the network."
NO_ANSWER = "The network has not answered for this drawing yet."


@dataclass(frozen=True)
class Frame:
    """One forward pass of the drawing, as the overview is given it.

    Attributes:
        network: the shown network's spec (its kernels can be shown) or ``(name, kind)`` per
            layer; image: the drawing (28x28); activations: each layer's output;
            probabilities: the 26 letter probabilities; weights: the spec's weights in Keras
            order, or None.
    """

    network: NetworkSpec | list[tuple[str, str]]
    image: np.ndarray
    activations: list[np.ndarray]
    probabilities: np.ndarray
    weights: list[np.ndarray] | None


class OverviewPanel(NoUnsavedWork, QWidget):
    """The Network dock's content: the overview, or a line saying why there is none.

    Args:
        state: the app state it follows.
        max_rate: at most this many redraws of the overview a second.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None,
                 max_rate: float = MAX_RATE_HZ) -> None:
        super().__init__(parent)
        self.setObjectName("overview_panel")
        self.state = state
        self.overview = NetworkOverview(max_rate=max_rate)
        self.notice = QLabel(NO_DRAWING)
        self.notice.setObjectName("overview_notice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet(f"color: {colours.css(colours.muted_text())}; padding: 20px;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.notice)
        self.pages.addWidget(self.overview)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self.pending: Frame | None = None
        self.frames_given = 0  # frames handed to the overview (the rest waited or were dropped)
        self.layers: list[tuple[str, str]] = []  # (name, kind) of the last Prediction's layers
        self.weights: list[np.ndarray] | None = None
        self._weights_model: Any = None  # the model whose weights are still to be read
        self._spec_layers: tuple[NetworkSpec, list[tuple[str, str]]] | None = None

        state.prediction_ready.connect(self.show_prediction)
        state.training_snapshot.connect(self.show_snapshot)
        state.weights_updated.connect(self.use_weights)
        state.model_changed.connect(self.use_model)
        state.drawing_changed.connect(self._on_drawing)
        state.shown_changed.connect(self._on_shown)
        self.overview.pixel_requested.connect(state.convolution_requested)
        self.use_model(state.model)
        self._on_shown(state.shown)

    # -------------------------------------------------------------- incoming
    def show_prediction(self, prediction: Any) -> None:
        """Show a Prediction (probs, activations, layer_names, layer_kinds) of the drawing."""
        image = self.state.image
        if image is None:
            return
        self.layers = list(zip(prediction.layer_names, prediction.layer_kinds, strict=True))
        self._offer(image, list(prediction.activations), np.asarray(prediction.probs))

    def show_snapshot(self, activations: Sequence[np.ndarray]) -> None:
        """Show a training snapshot: each layer's output for the drawing, the last one the
        letter probabilities. Ignored when it does not fit the layers of the last Prediction
        (the run's network is not yet the one shown)."""
        image = self.state.image
        if image is None or not self.layers or len(activations) != len(self.layers):
            return
        self._offer(image, list(activations), np.asarray(activations[-1]).reshape(-1))

    def use_weights(self, weights: Sequence[np.ndarray]) -> None:
        """New weights of the active model (Keras order): the kernels the overview shows."""
        self.weights, self._weights_model = [np.asarray(w) for w in weights], None

    def use_model(self, model: Any) -> None:
        """A new active model: its weights are read when first needed."""
        self.weights, self._weights_model = None, model

    def _on_drawing(self, image: np.ndarray | None) -> None:
        if image is None:
            self.pending = None
            self._show_notice(NO_DRAWING)

    def _on_shown(self, shown: Any) -> None:
        if shown is None:
            self.pending = None
            self._show_notice(NO_NETWORK)
        elif self.state.prediction is not None and self.state.image is not None:
            self.show_prediction(self.state.prediction)  # the same drawing, a new label
        else:
            self._show_notice(NO_DRAWING if self.state.image is None else NO_ANSWER)

    # ---------------------------------------------------------------- output
    def _offer(self, image: np.ndarray, activations: list[np.ndarray],
               probabilities: np.ndarray) -> None:
        if self.state.shown is None:
            return
        self.pending = Frame(self.layers, image, activations, probabilities, None)
        self.catch_up()

    @property
    def on_screen(self) -> bool:
        """Whether any of the panel can be seen (a dock behind another dock's tab stays
        ``isVisible()``: Qt only moves it off the window)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Shown again (View menu, the dock floated): draw what came meanwhile."""
        super().showEvent(event)
        self.catch_up()

    def catch_up(self) -> None:
        """Hand the waiting frame to the overview when the panel can be seen."""
        if self.pending is None or not self.on_screen:
            return
        frame, self.pending = self._with_kernels(self.pending), None
        shown = self.state.shown
        try:
            self.overview.show_network(frame.network, frame.image, frame.activations,
                                       frame.probabilities, shown.label if shown else "",
                                       frame.weights)
        except ValueError as error:
            self._show_notice(f"The overview cannot show this network's answer: {error}.")
            return
        self.frames_given += 1
        self.pages.setCurrentWidget(self.overview)

    def _with_kernels(self, frame: Frame) -> Frame:
        """``frame`` with the active model's spec and weights when the shown network is that
        trained model (then a selected map's kernel is shown); as it is otherwise."""
        shown, spec = self.state.shown, self.state.model_spec
        if shown is None or not shown.trained or spec is None or \
                self._layers_of(spec) != frame.network:
            return frame
        weights = self._current_weights()
        if weights is None:
            return frame
        return Frame(spec, frame.image, frame.activations, frame.probabilities, weights)

    def _layers_of(self, spec: NetworkSpec) -> list[tuple[str, str]]:
        if self._spec_layers is None or self._spec_layers[0] is not spec:
            self._spec_layers = (spec, [(info.name, info.kind) for info in describe(spec)])
        return self._spec_layers[1]

    def _current_weights(self) -> list[np.ndarray] | None:
        """The active model's weights; read from the model only while no run changes them."""
        model = self._weights_model
        if self.weights is None and model is not None and not self.state.training and \
                hasattr(model, "get_weights"):
            self.weights, self._weights_model = list(model.get_weights()), None
        return self.weights

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.pages.setCurrentWidget(self.notice)

    def back_to_network(self) -> None:
        """Leave a pixel's arithmetic: zoom the overview back out to the whole network."""
        self.overview.zoom_out()


def install(shell: Shell) -> OverviewPanel:
    """Put the overview into the window's Network dock and wire it to explain mode."""
    panel = OverviewPanel(shell.state)
    shell.put_in_dock(Dock.OVERVIEW, panel)
    shell.on_dock_shown(Dock.OVERVIEW, panel.catch_up)  # its tab chosen: no show event comes

    def back() -> None:
        shell.show_dock(Dock.OVERVIEW)
        panel.back_to_network()

    shell.state.overview_requested.connect(back)
    return panel

"""The network overview widget: the whole network and one drawing in one picture.

:class:`NetworkOverview` shows the drawing, every layer left to right as a column of its
outputs (feature maps as small heat maps sharing one colour scale per layer, a flatten as a
strip, dense layers as bars, the probabilities at the end), the connections and kernel of a
selected map, and zooms from a pixel of a convolution map towards its arithmetic.

New data (:meth:`NetworkOverview.show_network`) is applied at most ``max_rate`` times a
second, less often when one redraw takes long (redraws use at most ``MAX_BUSY_SHARE`` of the
GUI thread's time), and never while the widget is hidden; a layer whose output did not change
keeps its picture. A redraw waits at least ``FOLLOW_MS`` after its data came, so that the
drawing canvas paints its answer to the same pen-up first and the overview follows a frame
later.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.overview.canvas import OverviewCanvas, Zoom
from cnn_studio.gui.overview.columns import Column, LayerInfo, columns_for, describe
from cnn_studio.gui.overview.connections import Selection, layer_weights, select
from cnn_studio.model.spec.network import NetworkSpec

MAX_RATE_HZ = 20.0
MAX_BUSY_SHARE = 0.3  # redraws take at most this share of the GUI thread's time
ZOOM_MS = 350
FOLLOW_MS = 16  # one frame: the canvas's own answer is painted before the overview's redraw


class NetworkOverview(QWidget):
    """The whole network for one drawing, as one picture (CNN Explainer's overview).

    Args:
        parent: the parent widget.
        max_rate: at most this many redraws per second, however often data arrives.
        zoom_ms: how long the zoom into a pixel (and back) takes.

    Signals:
        pixel_requested(int, int, int, int): layer index (in the activation list), map, row
            and col of the pixel whose arithmetic the person asked for; emitted when the zoom
            towards it has finished.
        map_selected(int, int): the selected layer and map ((-1, -1): nothing selected).
        zoomed_out(): the zoom back to the overview has finished.
    """

    pixel_requested = Signal(int, int, int, int)
    map_selected = Signal(int, int)
    zoomed_out = Signal()

    def __init__(self, parent: QWidget | None = None, max_rate: float = MAX_RATE_HZ,
                 zoom_ms: int = ZOOM_MS) -> None:
        super().__init__(parent)
        self.setObjectName("network_overview")
        self._interval_ms = int(1000 / max(max_rate, 0.1))
        self._pending: tuple | None = None
        self._last_flush = -1e9
        self._flush_seconds = 0.0
        self._layers: list[LayerInfo] = []
        self._spec: NetworkSpec | None = None
        self._weights: Sequence[np.ndarray] | None = None
        self._kernels: dict[int, tuple] = {}
        self._kernels_of: Sequence[np.ndarray] | None = None  # the kernels' source
        self._network: tuple | None = None  # (the network as given, its LayerInfo list)
        self._label = ""
        self._selected: tuple[int, int] | None = None
        self.problem: str | None = None  # why the kernels cannot be shown, when they cannot
        self.hover_text = ""
        self.flush_count = 0
        self._drawn_at_paint = 0  # the canvas' paint count once the last flush is on screen

        self.title = QLabel()
        self.title.setObjectName("overview_title")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status = QLabel()
        self.status.setObjectName("overview_status")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        self.back = QPushButton("Back to the overview")
        self.back.setObjectName("overview_back")
        self.back.setToolTip("Return from the pixel to the whole network (Esc)")
        self.back.clicked.connect(self.zoom_out)
        policy = self.back.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # showing it never moves or resizes the picture
        self.back.setSizePolicy(policy)
        self.back.setVisible(False)
        bar = QWidget()
        bar.setFixedHeight(self.back.sizeHint().height() + 4)
        header = QHBoxLayout(bar)
        header.setContentsMargins(6, 2, 6, 2)
        header.addWidget(self.title, 3)
        header.addWidget(self.status, 4)
        header.addWidget(self.back)

        self.canvas = OverviewCanvas()
        self.canvas.map_clicked.connect(self.select_map)
        self.canvas.pixel_clicked.connect(self.zoom_to_pixel)
        self.canvas.toggle_clicked.connect(lambda layer: self.set_show_all(
            layer, not self.shows_all(layer)))
        self.canvas.background_clicked.connect(self.clear_selection)
        self.canvas.hovered.connect(self._on_hover)
        self.scroll = QScrollArea()
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(False)
        self.scroll.setWidget(self.canvas)
        self.scroll.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.scroll, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._animation = QVariantAnimation(self)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setDuration(int(zoom_ms))
        self._animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._animation.valueChanged.connect(self._on_zoom_step)
        self._animation.finished.connect(self._on_zoom_done)

    # ------------------------------------------------------------------ sizes
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """A constant size: new data or a wider column never asks the window for more room."""
        return QSize(900, 520)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Small: the picture scrolls in whatever room it gets."""
        return QSize(320, 240)

    # ------------------------------------------------------------------- data
    def show_network(self, network: NetworkSpec | Sequence[tuple[str, str]], image: np.ndarray,
                     activations: Sequence[np.ndarray], probabilities: np.ndarray, label: str,
                     weights: Sequence[np.ndarray] | None = None) -> None:
        """Show one forward pass; applied at the next redraw (at most ``max_rate`` a second).

        (Named so as not to hide ``QWidget.show``.)

        Args:
            network: the network's spec, or ``(name, kind)`` per layer (a Prediction's
                ``layer_names`` and ``layer_kinds``; kernels cannot be shown then).
            image: the drawing, 28x28 (or 28x28x1), ink 0..1.
            activations: each layer's output without the batch dimension, in layer order.
            probabilities: the class probabilities (26 for the letters A-Z).
            label: which network this is, e.g. "trained model: default" or "network being
                edited, untrained"; shown at the top.
            weights: the network's weights in Keras order (``model.get_weights()``), to show
                a selected map's kernel; None keeps the weights given before. Weights that do
                not fit the network are not shown, and ``problem`` says why.

        Raises:
            ValueError: the drawing is not an image, or the activations are not one per layer
                (each without the batch dimension).
        """
        layers = self._describe(network)
        if len(layers) != len(activations):
            raise ValueError(f"{len(activations)} activations for a network of {len(layers)} "
                             "layers: they must come from the same network")
        shape = np.shape(image)
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 1) or min(shape) < 1:
            raise ValueError(f"the drawing has shape {shape}, not (height, width) or "
                             "(height, width, 1)")
        for number, values in enumerate(activations, start=1):
            if np.ndim(values) not in (1, 3) or np.size(values) == 0:
                raise ValueError(f"layer {number}'s output has shape {np.shape(values)}, not "
                                 "(height, width, maps) or (values,): leave out the batch "
                                 "dimension")
        if weights is not None:
            self._weights = weights
        self._pending = (network, image, list(activations), probabilities, str(label))
        self._schedule()

    def _describe(self, network) -> list[LayerInfo]:
        """The layers of ``network``, worked out again only when it changed."""
        if self._network is None or network != self._network[0]:
            self._network = (network, describe(network))
        return self._network[1]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """New weights of the network shown (e.g. a training snapshot), for the kernels."""
        self._weights = weights
        if self._pending is None:
            self._update_kernels()
            self._refresh_selection()

    def flush(self) -> None:
        """Apply the data waiting for the next redraw now (benchmarks and tests call this)."""
        self._timer.stop()
        pending, self._pending = self._pending, None
        if pending is None:
            return
        self._last_flush = time.monotonic()
        self.flush_count += 1
        self._drawn_at_paint = self.canvas.paint_count + 1
        try:
            self._apply(pending)
            self.canvas.prepare()
        finally:
            self._flush_seconds = time.monotonic() - self._last_flush

    @property
    def drawn(self) -> bool:
        """Whether no data waits for a redraw and the picture has been painted since the last
        one was applied (benchmarks wait for this)."""
        return self._pending is None and self.canvas.paint_count >= self._drawn_at_paint

    def _apply(self, pending: tuple) -> None:
        """Take one forward pass's data into the columns and ask for the repaint it needs."""
        network, image, activations, probabilities, label = pending
        if label != self._label:
            self._label = label
            self.title.setText(f"<b>{label}</b>")
        layers = self._describe(network)
        structure = self._same_structure(layers, image, activations, probabilities)
        self._layers = layers
        spec = network if isinstance(network, NetworkSpec) else None
        if spec != self._spec or self._kernels_of is not self._weights:
            self._spec = spec
            self._update_kernels()
        if structure:
            changed = self._update_values(image, activations, probabilities)
            self._refresh_selection(redraw=False)
            self._redraw(changed)
            return
        self._end_zoom()
        self.canvas.set_columns(columns_for(layers, image, activations, probabilities))
        known = {column.index for column in self.canvas.columns}
        self.canvas.show_all &= known
        self._refresh_selection(redraw=False)
        self._relayout()

    def _same_structure(self, layers, image, activations, probabilities) -> bool:
        columns = self.canvas.columns
        values = [np.reshape(image, (*np.shape(image)[:2], 1)), *activations]
        if not columns or len(columns) < len(values) or len(layers) != len(activations):
            return False
        extra = len(columns) - len(values)
        if extra not in (0, 1) or (extra == 1 and np.shape(probabilities) != columns[-1].shape):
            return False
        infos = [columns[0].info, *layers]
        return all(column.same_structure(info, value)
                   for column, info, value in zip(columns, infos, values, strict=False))

    def _update_values(self, image, activations, probabilities) -> list[int]:
        columns = self.canvas.columns
        values = [np.reshape(image, (*np.shape(image)[:2], 1)), *activations]
        if len(columns) > len(values):
            values.append(np.asarray(probabilities).reshape(-1))
        return [column.index for column, value in zip(columns, values, strict=True)
                if column.update(value)]

    def _update_kernels(self) -> None:
        self._kernels, self.problem = {}, None
        self._kernels_of = self._weights
        if self._weights is not None and self._spec is not None:
            try:
                self._kernels = layer_weights(self._spec, self._weights)
            except ValueError as error:
                self.problem = (f"The kernels cannot be shown: {error}. Give the weights of "
                                "the network shown.")
        self._on_hover(self.hover_text)

    def _schedule(self) -> None:
        """Start the redraw timer, no sooner than the rate allows and one frame after the data
        came (``FOLLOW_MS``); nothing while hidden."""
        if not self.isVisible() or self._timer.isActive():
            return
        since = (time.monotonic() - self._last_flush) * 1000
        busy_ms = (self._flush_seconds + self.canvas.paint_seconds) * 1000
        interval = max(self._interval_ms, busy_ms / MAX_BUSY_SHARE)
        self._timer.start(int(max(FOLLOW_MS, interval - since)))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Data that came while hidden is drawn now."""
        super().showEvent(event)
        if self._pending is not None:
            self._schedule()

    # ----------------------------------------------------------------- layout
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """The scroll area's view changed size: lay the picture out for it."""
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._relayout()
        return super().eventFilter(watched, event)

    def _relayout(self) -> None:
        size = self.scroll.viewport().size()
        self.canvas.relayout(size.width(), size.height())

    def _redraw(self, changed: list[int]) -> None:
        """Repaint the columns whose data changed (and the connections and kernel band)."""
        if not changed:
            self._drawn_at_paint = self.canvas.paint_count  # nothing new to paint
            return
        if len(changed) == len(self.canvas.columns) or self.canvas.selection is not None or \
                self.canvas.zoom is not None:
            self.canvas.update()
            return
        region = QRegion()
        for layer in changed:
            box = self.canvas.box(layer)
            if box is not None:
                area = box.title.united(box.body).united(box.legend).adjusted(-24, -2, 24, 24)
                region = region.united(QRegion(area.toAlignedRect()))
        self.canvas.update(region)

    # -------------------------------------------------------------- selection
    def select_map(self, layer: int, map_index: int) -> None:
        """Select map ``map_index`` of ``layer`` (a unit, in a dense layer): draw what feeds
        it and its weights."""
        self._selected = (int(layer), int(map_index))
        self._refresh_selection()
        selection = self.canvas.selection
        if selection is None:
            self._selected = None
            self.map_selected.emit(-1, -1)
        else:
            self.map_selected.emit(selection.layer, selection.map)

    def clear_selection(self) -> None:
        """Select nothing."""
        had = self._selected is not None
        self._selected = None
        self._refresh_selection()
        if had:
            self.map_selected.emit(-1, -1)

    def _refresh_selection(self, redraw: bool = True) -> None:
        selection = None
        if self._selected is not None:
            layer, map_index = self._selected
            position = self.canvas.position(layer)
            before = self.canvas.position(layer - 1)
            if position is not None and before is not None and \
                    map_index < self.canvas.columns[position].count:
                column = self.canvas.columns[position]
                selection = select(self._layers, layer, map_index,
                                   self.canvas.columns[before].count, self._kernels,
                                   vector=column.values.ndim == 1)
        self.canvas.selection = selection
        if redraw:
            self.canvas.update()

    @property
    def selection(self) -> Selection | None:
        """The selected map and what feeds it (None when nothing is selected)."""
        return self.canvas.selection

    @property
    def connections(self) -> list[tuple[int, int]]:
        """The connections drawn to the selected map: (source layer, source map) each."""
        selection = self.canvas.selection
        if selection is None:
            return []
        return [(selection.layer - 1, source) for source, _ in self.canvas.connections()]

    # ------------------------------------------------------------- show all
    def shows_all(self, layer: int) -> bool:
        """Whether ``layer`` shows all its maps (not only the strongest)."""
        return layer in self.canvas.show_all

    def set_show_all(self, layer: int, on: bool) -> None:
        """Show all maps of ``layer`` (``on``) or only the strongest that fit."""
        if on:
            self.canvas.show_all.add(int(layer))
        else:
            self.canvas.show_all.discard(int(layer))
        self._relayout()

    def visible_maps(self, layer: int) -> list[int]:
        """The maps of ``layer`` shown, in their order on screen (strongest first)."""
        return self.canvas.visible_maps(layer)

    def column(self, layer: int) -> Column | None:
        """The column of ``layer`` (``-1``: the drawing), with its values and colour scale."""
        position = self.canvas.position(layer)
        return None if position is None else self.canvas.columns[position]

    # --------------------------------------------------------- geometry (tests)
    def map_rect(self, layer: int, map_index: int) -> QRectF | None:
        """Where a shown map is, in the canvas' coordinates (None when it is not shown)."""
        return self.canvas.map_rect(layer, map_index)

    def pixel_rect(self, layer: int, map_index: int, row: int, col: int) -> QRectF | None:
        """Where one value of a shown map is, in the canvas' coordinates."""
        return self.canvas.pixel_rect(layer, map_index, row, col)

    def value_rect(self, layer: int, item: int) -> QRectF | None:
        """Where value ``item`` of a flatten strip, a dense layer or the output is drawn."""
        return self.canvas.value_rect(layer, item)

    def toggle_rect(self, layer: int) -> QRectF | None:
        """Where the "show all" switch of ``layer`` is (None when it has none)."""
        box = self.canvas.box(layer)
        return None if box is None else box.toggle

    # ------------------------------------------------------------------- zoom
    @property
    def zoomed(self) -> bool:
        """Whether the view is zoomed into a pixel (or on its way there or back)."""
        return self.canvas.zoom is not None

    def zoom_to_pixel(self, layer: int, map_index: int, row: int, col: int) -> None:
        """Grow map ``map_index`` of ``layer`` until it fills the view, then emit
        ``pixel_requested`` for (row, col)."""
        start = self.canvas.map_rect(layer, map_index)
        if start is None or self.canvas.zoom is not None:
            return
        self.canvas.zoom = Zoom(start, int(layer), int(map_index), int(row), int(col))
        self.back.setVisible(True)
        self._animation.setDirection(QVariantAnimation.Direction.Forward)
        self._animation.start()

    def zoom_out(self) -> None:
        """Shrink the zoomed map back into its place in the overview."""
        if self.canvas.zoom is None:
            return
        self._animation.setDirection(QVariantAnimation.Direction.Backward)
        if self._animation.state() != QVariantAnimation.State.Running:
            self._animation.start()

    def _on_zoom_step(self, value) -> None:
        if self.canvas.zoom is not None:
            self.canvas.zoom.progress = float(value)
            self.canvas.update()

    def _on_zoom_done(self) -> None:
        zoom = self.canvas.zoom
        if zoom is None:
            return
        if self._animation.direction() == QVariantAnimation.Direction.Forward:
            self.pixel_requested.emit(zoom.layer, zoom.map, zoom.row, zoom.col)
            return
        self._end_zoom()
        self.zoomed_out.emit()

    def _end_zoom(self) -> None:
        """Leave the zoom at once (the network changed under it, or it has shrunk back)."""
        self._animation.stop()
        self.canvas.zoom = None
        self.back.setVisible(False)
        self.canvas.update()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Esc leaves the zoom."""
        if event.key() == Qt.Key.Key_Escape and self.canvas.zoom is not None:
            self.zoom_out()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ hover
    def _on_hover(self, text: str) -> None:
        self.hover_text = text
        self.status.setText(text or (self.problem or ""))

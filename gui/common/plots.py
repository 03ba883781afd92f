"""Matplotlib helpers for live plots that stay cheap while a network trains.

A full ``draw()`` of a small figure costs 25-35 ms of the GUI thread, which then competes with
TensorFlow for the CPU (and the GIL, which makes it far slower while training runs).
:class:`LiveCurves` therefore draws a full frame only when the axes change (start, resize, zoom,
end of a run); in between it paints just the new line segments onto the rendered image and
blits the axes. While a run is live the axes stay fixed (points above the loss axis are clipped
until the run ends). The full lines are kept up to date with ``set_data`` so any full draw
(zoom, pan, save as PNG) shows everything.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSizePolicy, QToolBar, QVBoxLayout, QWidget

#: Weight of the newest point in the exponential moving average of the training curves.
SMOOTHING = 0.3
#: Initial top of the loss axis: a fresh 26-class network starts near ln(26) = 3.26.
LOSS_TOP = 3.5
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#d62728"


def freeze_icons(toolbar: QToolBar) -> None:
    """Render the toolbar's icons once: matplotlib's icons re-read and re-render their SVG
    files at every paint, which costs the GUI thread milliseconds each time the toolbar is
    repainted during training."""
    size = toolbar.iconSize()
    ratio = toolbar.devicePixelRatioF()
    for action in toolbar.actions():
        icon = action.icon()
        if not icon.isNull():
            frozen = QIcon()
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Disabled, QIcon.Mode.Active):
                for state in (QIcon.State.Off, QIcon.State.On):
                    frozen.addPixmap(icon.pixmap(size, ratio, mode, state), mode, state)
            action.setIcon(frozen)


class GrowingSeries:
    """An (x, y) series that grows by appending, backed by numpy arrays.

    Args:
        capacity: initial room; doubles when full.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.size = 0

    def append(self, x: float, y: float) -> None:
        """Add one point."""
        if self.size == len(self._x):
            self._x = np.resize(self._x, 2 * len(self._x))
            self._y = np.resize(self._y, 2 * len(self._y))
        self._x[self.size] = x
        self._y[self.size] = y
        self.size += 1

    def clear(self) -> None:
        """Remove every point."""
        self.size = 0

    @property
    def x(self) -> np.ndarray:
        """The x values (a view)."""
        return self._x[:self.size]

    @property
    def y(self) -> np.ndarray:
        """The y values (a view)."""
        return self._y[:self.size]


class _Curve:
    """One plotted series: its data, its full line and an animated line for the new tail."""

    def __init__(self, axes, **style) -> None:
        self.series = GrowingSeries()
        (self.line,) = axes.plot([], [], **style)
        (self.tail,) = axes.plot([], [], animated=True, **{**style, "label": "_tail"})
        self.drawn = 0  # points already on the rendered image

    def sync(self) -> None:
        self.line.set_data(self.series.x, self.series.y)

    def clear(self) -> None:
        self.series.clear()
        self.drawn = 0
        self.sync()


class LiveCurves(QWidget):
    """Loss and accuracy against epochs: training (raw faint + smoothed) and validation.

    Call :meth:`add_train` / :meth:`add_val` as often as data arrive (cheap) and
    :meth:`refresh` from a timer: it paints what is new, at most once per call.

    Args:
        parent: the parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(5.0, 3.4), dpi=90)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(180)
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        self.toolbar.setObjectName("curves_toolbar")
        freeze_icons(self.toolbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)

        self.loss_axes, self.acc_axes = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.88, wspace=0.28)
        self.curves: dict[str, _Curve] = {}
        for axes, name in ((self.loss_axes, "loss"), (self.acc_axes, "accuracy")):
            axes.set_title(name, fontsize=10)
            axes.set_xlabel("epoch", fontsize=9)
            axes.tick_params(labelsize=8)
            axes.grid(True, alpha=0.3)
            self.curves[f"{name}_raw"] = _Curve(axes, color=TRAIN_COLOR, alpha=0.25, lw=0.8)
            self.curves[f"{name}_smooth"] = _Curve(axes, color=TRAIN_COLOR, lw=1.6,
                                                   label="training")
            self.curves[f"val_{name}"] = _Curve(axes, color=VAL_COLOR, lw=1.4, marker="o",
                                                ms=4, label="validation")
        self.loss_axes.legend(loc="upper right", fontsize=8)
        self.acc_axes.set_ylim(0.0, 1.0)
        self._smooth: dict[str, float | None] = {"loss": None, "accuracy": None}
        self._xmax = 1.0
        self._loss_top = LOSS_TOP
        self._applied: tuple = ()
        self._live = False
        self._rescale = False
        self._needs_full = True
        self._dirty = False
        self.full_draws = 0
        self.partial_draws = 0
        self.canvas.mpl_connect("draw_event", self._on_full_draw)
        self.reset(1)

    # ------------------------------------------------------------------ data
    def reset(self, epochs: int) -> None:
        """Forget every point; the x axis will span ``epochs`` epochs.

        Args:
            epochs: planned number of epochs (>= 1).
        """
        for curve in self.curves.values():
            curve.clear()
        self._smooth = {"loss": None, "accuracy": None}
        self._xmax = float(max(epochs, 1))
        self._loss_top = LOSS_TOP
        self._rescale = False
        self._apply_limits()
        self._needs_full = self._dirty = True

    def add_train(self, x: float, loss: float, accuracy: float) -> None:
        """Add one training point (x in epochs); the smoothed curve follows it.

        Args:
            x: position in epochs (e.g. 1.5 is half-way through the second epoch).
            loss: training loss over the latest batches.
            accuracy: training accuracy over the latest batches.
        """
        for name, value in (("loss", loss), ("accuracy", accuracy)):
            if not math.isfinite(value):
                continue
            previous = self._smooth[name]
            smooth = value if previous is None else previous + SMOOTHING * (value - previous)
            self._smooth[name] = smooth
            self.curves[f"{name}_raw"].series.append(x, value)
            self.curves[f"{name}_smooth"].series.append(x, smooth)
        self._raise_loss_top(loss)
        self._dirty = True

    def add_val(self, x: float, loss: float, accuracy: float) -> None:
        """Add one validation point (once per epoch)."""
        if math.isfinite(loss):
            self.curves["val_loss"].series.append(x, loss)
            self._raise_loss_top(loss)
        if math.isfinite(accuracy):
            self.curves["val_accuracy"].series.append(x, accuracy)
        self._dirty = True

    def _raise_loss_top(self, loss: float) -> None:
        if math.isfinite(loss) and loss > self._loss_top:
            self._loss_top = loss
            self._rescale = True

    def set_live(self, live: bool) -> None:
        """While live, keep the axes fixed (no full redraws); at the end, rescale if needed.

        Args:
            live: whether a run is adding points now.
        """
        self._live = live
        if not live and self._rescale:
            self._needs_full = True

    def draw_now(self) -> None:
        """Draw the whole figure at once (e.g. before a run starts, while the CPU is free)."""
        self._needs_full = True
        self.refresh()

    def draw_soon(self) -> None:
        """Draw the whole figure once pending layout changes are applied (one coalesced
        ``draw_idle``: a resize of the canvas in the meantime costs no second draw)."""
        for curve in self.curves.values():
            curve.sync()
        if not self._user_moved_view():
            self._apply_limits()
            self._rescale = False
        self._needs_full = self._dirty = False
        self.canvas.draw_idle()

    def point_count(self, name: str) -> int:
        """How many points series ``name`` holds (e.g. ``loss_raw``, ``val_accuracy``)."""
        return self.curves[name].series.size

    # -------------------------------------------------------------- drawing
    def _apply_limits(self) -> None:
        for axes in (self.loss_axes, self.acc_axes):
            axes.set_xlim(0.0, self._xmax)
        self.loss_axes.set_ylim(0.0, self._loss_top * 1.08)
        self.acc_axes.set_ylim(0.0, 1.0)
        self._applied = (self.loss_axes.get_xlim(), self.loss_axes.get_ylim(),
                         self.acc_axes.get_xlim(), self.acc_axes.get_ylim())

    def _user_moved_view(self) -> bool:
        """Whether the user zoomed or panned with the toolbar (then their view is kept)."""
        views = (self.loss_axes.get_xlim(), self.loss_axes.get_ylim(), self.acc_axes.get_xlim(),
                 self.acc_axes.get_ylim())
        return bool(self.toolbar.mode) or views != self._applied

    def refresh(self) -> bool:
        """Paint what changed since the last call.

        Returns:
            True when something was painted.
        """
        if not self._dirty and not self._needs_full:
            return False
        for curve in self.curves.values():
            curve.sync()
        if not self.canvas.isVisible():
            self._dirty = False
            self._needs_full = True  # painted in full when shown again
            return False
        if self._needs_full or (self._rescale and not self._live):
            if not self._user_moved_view():
                self._apply_limits()
                self._rescale = False
            self._needs_full = self._dirty = False
            self.canvas.draw()
            return True
        self._dirty = False
        self._paint_tails()
        return True

    def _paint_tails(self) -> None:
        """Draw only the segments added since the last paint, then blit the two axes."""
        renderer = self.canvas.get_renderer()
        painted = False
        for curve in self.curves.values():
            size = curve.series.size
            if size <= curve.drawn:
                continue
            start = max(curve.drawn - 1, 0)  # join to the last drawn point
            curve.tail.set_data(curve.series.x[start:size], curve.series.y[start:size])
            curve.tail.draw(renderer)
            curve.drawn = size
            painted = True
        if painted:  # one blit (one paint) for both axes
            self.canvas.blit(Bbox.union([self.loss_axes.bbox, self.acc_axes.bbox]))
            self.partial_draws += 1

    def _on_full_draw(self, _event) -> None:
        self.full_draws += 1
        for curve in self.curves.values():
            curve.drawn = len(curve.line.get_xdata())

    def save_png(self, path: str) -> None:
        """Save the curves as a PNG image."""
        for curve in self.curves.values():
            curve.sync()
        self.figure.savefig(path, dpi=150)

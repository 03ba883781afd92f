"""What the dashboard shows while a network trains: curves, progress, activations, kernels.

The training worker's signals only store numbers here and mark views dirty; ONE QTimer repaints
the dirty views at most :data:`REFRESH_HZ` times a second, one view per event-loop pass, so the
GUI thread leaves the CPU (and the GIL) to TensorFlow and a click is never kept waiting.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common.activation_view import ActivationView
from cnn_studio.gui.common.bounded import BoundedSpinBox, with_note
from cnn_studio.gui.common.flow_layout import FlowLayout
from cnn_studio.gui.common.kernel_view import KernelView
from cnn_studio.gui.common.plots import LiveCurves

REFRESH_HZ = 4
SLICE_GAP_MS = 4



def format_eta(seconds: float) -> str:
    """``1:05:03`` / ``4:07`` style remaining time."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusBar(QProgressBar):
    """A progress bar whose text is one line, elided to the bar's width (full text as tooltip).

    Use :meth:`set_text` instead of ``setFormat``; the text never wraps or spills over.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setTextVisible(True)

    def set_text(self, text: str) -> None:
        """Show ``text`` (one line) in the bar, elided when it does not fit."""
        self.full_text = " ".join(str(text).split())
        self.setToolTip(self.full_text)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width() - 12, 24)
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight,
                                              width)
        self.setFormat(shown.replace("%", "%%"))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()


class LiveViews(QWidget):
    """Curves on top; the probe image's activations and the kernels below.

    Args:
        progress: the dashboard's progress bar (epoch, step, samples/s, ETA go there).

    Signals:
        probe_changed(): the user chose another image for the activations.
    """

    probe_changed = Signal()

    def __init__(self, progress: StatusBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.names: list[str] = []
        self.kinds: list[str] = []
        self.epochs = self.batch_size = 1
        self.paused = False
        self._pause_text = ""  # the run's "Paused at ..." while paused
        self._pending_activations = self._pending_kernels = None
        self._slices: list = []
        self._last_batch = (0, 0, 0.0, 0.0)
        self._rate = 0.0
        self._progress = (0, 0, "")  # value, maximum, text (empty: nothing new)
        self._position = (0, 0, 0)  # epoch, step, steps of the last report

        self.curves = LiveCurves()
        self.activations = ActivationView()
        self.activations.heading.setText("<b>Activations (live)</b>")
        self.activations.clear("Activations of the drawing (or a sample) appear while training.")
        self.probe_choice = QComboBox()
        self.probe_choice.addItems(["the drawing", "data sample"])
        self.probe_choice.setToolTip("Whose activations to show: the canvas drawing (a "
                                     "validation sample while the canvas is empty) or a sample")
        self.probe_sample = BoundedSpinBox("sample number")
        self.probe_sample.setRange(0, 100_000)
        self.probe_sample.setEnabled(False)
        self.probe_choice.currentIndexChanged.connect(self._on_probe_choice)
        self.probe_sample.valueChanged.connect(lambda _v: self.probe_changed.emit())
        probe_label = QLabel("Activations of")
        probe_label.setFixedHeight(self.probe_choice.sizeHint().height())
        probe_row = FlowLayout(spacing=6)  # wraps in a narrow dock instead of cutting text
        for widget in (probe_label, self.probe_choice, with_note(self.probe_sample)):
            probe_row.addWidget(widget)
        act_box = QWidget()
        act_layout = QVBoxLayout(act_box)
        act_layout.setContentsMargins(0, 0, 0, 0)
        act_layout.addLayout(probe_row)
        self.probe_note = QLabel()
        self.probe_note.setObjectName("probe_note")
        self.probe_note.setWordWrap(True)
        self.probe_note.hide()
        act_layout.addWidget(self.probe_note)
        act_layout.addWidget(self.activations, 1)
        # Fixed minimum sizes: new activations or kernel texts must never enlarge the dock
        # (a resize of the curves costs a full matplotlib redraw while training runs).
        act_box.setMinimumSize(150, 120)
        self.kernels = KernelView()
        self.kernels.setMinimumSize(110, 120)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(act_box)
        lower.addWidget(self.kernels)
        lower.setSizes([300, 200])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.curves)
        splitter.addWidget(lower)
        splitter.setSizes([260, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self.tick)

    @property
    def probe_is_sample(self) -> bool:
        """Whether the activations are of a data sample rather than of the drawing."""
        return self.probe_choice.currentIndex() == 1

    def _on_probe_choice(self, _index: int) -> None:
        self.probe_sample.setEnabled(self.probe_is_sample)
        self.probe_changed.emit()

    # ----------------------------------------------------------- run phases
    def start_run(self, spec, epochs: int, batch_size: int) -> None:
        """Lay the views out now, while the CPU is free, so that updates during training only
        change pixels: the curves' axes and one activation row per layer (empty maps).

        The curves start empty with an x axis of this run's epochs, the numbers the progress
        bar shows (a run that continues from trained weights too).

        Args:
            spec: the network being trained (``NetworkSpec``).
            epochs: epochs of this run.
            batch_size: samples per batch (for the ETA).
        """
        from cnn_studio.model.nets.keras_code import layer_name
        from cnn_studio.model.spec.analysis import analyze

        self.epochs, self.batch_size, self.paused = epochs, batch_size, False
        self.curves.reset(epochs)
        self._last_batch, self._rate, self._progress = (0, 0, 0.0, 0.0), 0.0, (0, 0, "")
        self._position = (0, 0, 0)
        self._pending_activations = self._pending_kernels = None
        self.curves.set_live(True)
        report = analyze(spec)
        names = [layer_name(i, layer.kind) for i, layer in enumerate(spec.layers)]
        shapes = [tuple(layer.output_shape) for layer in report.layers]
        if all(shapes) and len(shapes) == len(names):
            self.names, self.kinds = names, [layer.kind for layer in spec.layers]
            self.activations.set_activations([np.zeros(s, np.float32) for s in shapes], names,
                                             self.kinds)
        # One full draw after the layouts settle (a resize later would cost another one).
        self.curves.draw_soon()
        self.timer.start()

    def set_paused(self, paused: bool) -> None:
        """Stop repainting while paused (after one last refresh); resume afterwards.

        The bar says "Pausing..." until the run says where it paused (:meth:`paused_at`).
        """
        self.paused, self._pause_text = paused, ""
        if paused:
            self.refresh()
            self.timer.stop()
            self.progress.set_text("Pausing after the current batch...")
        else:
            self.progress.set_text(self._progress_text())
            self.timer.start()

    def paused_at(self, text: str) -> None:
        """The run's own statement of where it paused (e.g. "Paused at epoch 2/5, step 7/90"),
        shown in the bar as it is, so that bar and message say the same."""
        if self.paused:
            self._pause_text = text
            self.progress.set_text(text)

    def end_run(self) -> None:
        """Show the last data and rescale the curves if points went off the axes."""
        self.timer.stop()
        self.curves.set_live(False)
        self.refresh()

    def reset(self, epochs: int) -> None:
        """Forget the curves, activations and kernels."""
        self.curves.reset(epochs)
        self.curves.refresh()
        self.kernels.clear()
        self.activations.clear("Activations appear while training.")

    # -------------------------------------------------- data from the worker
    def set_layers(self, names: list[str], kinds: list[str]) -> None:
        """The trained model's layer names and kinds (one per activation)."""
        self.names, self.kinds = list(names), list(kinds)

    def add_batch(self, epoch: int, step: int, steps: int, loss: float, accuracy: float,
                  rate: float) -> None:
        """A progress report: running means of the epoch so far (see ``TrainHooks``)."""
        last_epoch, last_step, last_loss, last_acc = self._last_batch
        if epoch != last_epoch:
            last_step, last_loss, last_acc = 0, 0.0, 0.0
        if step > last_step:  # a new position (not the same batch reported again)
            span = step - last_step  # the mean over the batches since the last report
            window_loss = (step * loss - last_step * last_loss) / span
            window_acc = (step * accuracy - last_step * last_acc) / span
            self.curves.add_train(epoch - 1 + step / max(steps, 1), window_loss, window_acc)
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        self._last_batch = (epoch, step, loss, accuracy)
        self._position = (epoch, step, steps)
        total = self.epochs * steps
        self._progress = ((epoch - 1) * steps + step, total, self._progress_text())
        if self.paused:  # the timer sleeps; this is the batch it paused (or stepped) to
            self.curves.refresh()
            self._refresh_progress()

    def _progress_text(self) -> str:
        epoch, step, steps = self._position
        if not steps:
            return "Starting..."
        if self.paused:
            return self._pause_text or "Pausing after the current batch..."
        done, total = (epoch - 1) * steps + step, self.epochs * steps
        eta = (total - done) * self.batch_size / max(self._rate, 1e-9)
        return (f"Epoch {epoch}/{self.epochs} · step {step}/{steps} · "
                f"{self._rate:,.0f} samples/s · ETA {format_eta(eta)}")

    def add_epoch(self, epoch: int, logs: dict) -> None:
        """Validation figures after an epoch."""
        self.curves.add_val(epoch, logs.get("val_loss", float("nan")),
                            logs.get("val_accuracy", float("nan")))

    def add_snapshot(self, activations, kernels, paused: bool = False) -> None:
        """New activations of the probe image and kernels (shown at the next tick)."""
        self._pending_activations, self._pending_kernels = activations, kernels
        if paused:
            self.tick()  # the timer sleeps while paused (e.g. the user drew something new)

    def show_probe(self, probe: str) -> None:
        """Say on screen whose activations are shown when it is not the drawing.

        Args:
            probe: the run's name for it ("validation sample 3, the letter U"); '' or
                "the drawing": nothing to say.
        """
        text = ""
        if probe and probe != "the drawing":
            text = (f"Showing {probe}." if self.probe_is_sample
                    else f"The canvas is empty: showing {probe}.")
        if text != self.probe_note.text():
            self.probe_note.setText(text)
            self.probe_note.setVisible(bool(text))

    # ------------------------------------------------------------- painting
    def refresh(self) -> None:
        """Repaint everything that changed, at once."""
        self._slices = []
        for step in self._steps():
            step()

    def tick(self) -> None:
        """The timer's tick: repaint what changed, one view per event-loop pass."""
        self._slices = self._steps()
        self._next_slice()

    def _steps(self) -> list:
        return [self.curves.refresh, self._refresh_progress, self._refresh_activations,
                self._refresh_kernels]

    def _next_slice(self) -> None:
        while self._slices:
            if self._slices.pop(0)() and self._slices:
                QTimer.singleShot(SLICE_GAP_MS, self._next_slice)
                return

    def _refresh_progress(self) -> bool:
        value, maximum, text = self._progress
        if not text:
            return False
        self.progress.setRange(0, max(maximum, 1))
        self.progress.setValue(value)
        self.progress.set_text(text)
        self._progress = (value, maximum, "")
        return True

    def _refresh_activations(self) -> bool:
        activations, self._pending_activations = self._pending_activations, None
        if not activations or len(activations) != len(self.names):
            return False
        self.activations.set_activations(activations, self.names, self.kinds)
        return True

    def _refresh_kernels(self) -> bool:
        kernels, self._pending_kernels = self._pending_kernels, None
        if kernels is None:
            return False
        conv_names = [n for n, kind in zip(self.names, self.kinds, strict=True) if kind == "conv2d"]
        self.kernels.set_kernels(kernels, conv_names if len(conv_names) == len(kernels)
                                 else None)
        return True
